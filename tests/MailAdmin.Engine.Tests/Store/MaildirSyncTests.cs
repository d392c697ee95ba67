using System.Text;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>
/// A Maildir folder seeing what other processes did (FolderBase.Synchronize): files dropped into new/, deleted,
/// renamed with other flags, and UIDs another instance gave out through the shared dovecot-uidlist.
/// </summary>
public sealed class MaildirSyncTests : IDisposable
{
    private static readonly DateTimeOffset Date = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private readonly TempDirectory root = new();

    public void Dispose() => root.Dispose();

    private string Dir => root.Path;

    private MaildirFolder OpenFolder()
    {
        MaildirFolder.Create(Dir, false);
        return MaildirFolder.Open("alice@example.com", "INBOX", Dir, TimeSpan.FromHours(1));
    }

    private static byte[] Msg(int n) => Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\nbody {n}\r\n");

    private static Task<StoredMessage> Add(MaildirFolder f, int n, MessageFlags? flags = null)
        => f.AddAsync(new ArrayContent(Msg(n)), flags, Array.Empty<string>(), Date, CancellationToken.None);

    /// <summary>Backdates new/ and cur/ so their times are settled (as if the last change were long ago).</summary>
    private void Settle()
    {
        foreach (var sub in new[] { "new", "cur" })
            Directory.SetLastWriteTimeUtc(Path.Combine(Dir, sub), DateTime.UtcNow.AddMinutes(-10));
    }

    private string DropIntoNew(int n)
    {
        var name = $"1700000{n:000}.M1P99999Q{n}.otherhost,S={Msg(n).Length}";
        File.WriteAllBytes(Path.Combine(Dir, "tmp", name), Msg(n));
        File.Move(Path.Combine(Dir, "tmp", name), Path.Combine(Dir, "new", name));
        return name;
    }

    [Fact]
    public async Task A_file_another_process_drops_into_new_is_seen_with_a_new_uid()
    {
        var folder = OpenFolder();
        var mine = await Add(folder, 1);
        var name = DropIntoNew(2);

        var changes = folder.Synchronize();
        var added = Assert.Single(changes!.Added);
        Assert.Equal(name, added.Id);
        Assert.True(added.Uid > mine.Uid);
        Assert.Equal(Msg(2), folder.Read(added.Uid));
        Assert.Contains($"{added.Uid} :{name}", File.ReadAllLines(Path.Combine(Dir, "dovecot-uidlist")));
        folder.Close();

        // Another open of the folder (another process) agrees on the UIDs.
        var other = MaildirFolder.Open("alice@example.com", "INBOX", Dir, TimeSpan.FromHours(1));
        Assert.Equal(folder.List().Select(m => (m.Uid, m.Id)), other.List().Select(m => (m.Uid, m.Id)));
    }

    [Fact]
    public async Task A_deleted_file_becomes_an_expunge_and_a_renamed_one_a_flag_change()
    {
        var folder = OpenFolder();
        var a = await Add(folder, 1, MessageFlags.None);
        var b = await Add(folder, 2, MessageFlags.Seen);
        File.Delete(Path.Combine(Dir, "cur", MaildirFileName.WithInfo(a.Id, MessageFlags.None)));
        File.Move(Path.Combine(Dir, "cur", MaildirFileName.WithInfo(b.Id, MessageFlags.Seen)),
                  Path.Combine(Dir, "cur", MaildirFileName.WithInfo(b.Id, MessageFlags.Seen | MessageFlags.Flagged | MessageFlags.Answered)));

        var changes = folder.Synchronize()!;
        Assert.Equal(a.Uid, Assert.Single(changes.Removed).Uid);
        var changed = Assert.Single(changes.FlagsChanged);
        Assert.Equal((b.Uid, MessageFlags.Seen | MessageFlags.Flagged | MessageFlags.Answered), (changed.Uid, changed.Flags));
        Assert.Equal(new[] { b.Uid }, folder.List().Select(m => m.Uid));
        Assert.Equal(Msg(2), folder.Read(b.Uid));   // read under its new name
    }

    [Fact]
    public async Task Every_file_of_a_folder_renamed_by_another_process_is_followed()
    {
        // Enough renamed files that the rescan checks them with a second listing instead of a stat each.
        var folder = OpenFolder();
        var added = new List<StoredMessage>();
        for (var i = 0; i < 150; i++) added.Add(await Add(folder, i, MessageFlags.Seen));
        var gone = added[7];
        foreach (var m in added)
        {
            var from = Path.Combine(Dir, "cur", MaildirFileName.WithInfo(m.Id, MessageFlags.Seen));
            if (m == gone) File.Delete(from);
            else File.Move(from, Path.Combine(Dir, "cur", MaildirFileName.WithInfo(m.Id, MessageFlags.Seen | MessageFlags.Flagged)));
        }

        var changes = folder.Synchronize()!;
        Assert.Equal(gone.Uid, Assert.Single(changes.Removed).Uid);
        Assert.Equal(added.Where(m => m != gone).Select(m => m.Uid), changes.FlagsChanged.Select(m => m.Uid).OrderBy(u => u));
        Assert.All(folder.List(), m => Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, m.Flags));
        Assert.Equal(Msg(3), folder.Read(added[3].Uid));   // read under its new name
        Assert.True(folder.Synchronize() is null or { Any: false });
    }

    [Fact]
    public async Task An_unchanged_folder_is_not_listed_again()
    {
        var folder = OpenFolder();
        await Add(folder, 1);
        Settle();
        folder.Synchronize();                       // the times changed since the open: one listing
        var before = folder.RescanCount;
        Assert.True(folder.Synchronize() is null or { Any: false });
        Assert.True(folder.Synchronize() is null or { Any: false });
        Assert.Equal(before, folder.RescanCount);

        DropIntoNew(5);
        Assert.Single(folder.Synchronize()!.Added);
        Assert.Equal(before + 1, folder.RescanCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_instances_on_one_folder_never_give_out_a_uid_twice(bool onThreads)
    {
        // Twelve rounds on threads: the race where one instance lists the other's file between its rename and its
        // commit (and the commit then must take that UID, even when it reads the list no more) needs real parallelism.
        for (var round = 0; round < (onThreads ? 12 : 1); round++)
        {
            using var dir = new TempDirectory();
            await TwoInstancesAddConcurrently(dir.Path, onThreads);
        }
    }

    private static async Task TwoInstancesAddConcurrently(string dir, bool onThreads)
    {
        MaildirFolder.Create(dir, false);
        var first = MaildirFolder.Open("alice@example.com", "INBOX", dir, TimeSpan.FromHours(1));
        var second = MaildirFolder.Open("alice@example.com", "INBOX", dir, TimeSpan.FromHours(1));
        var adds = new List<Task<StoredMessage>>();
        for (var i = 0; i < 40; i++)
        {
            var (folder, n) = (i % 2 == 0 ? first : second, i);
            adds.Add(onThreads ? Task.Run(() => Add(folder, n)) : Add(folder, n));
        }
        var stored = await Task.WhenAll(adds);
        Assert.Equal(40, stored.Select(m => m.Uid).Distinct().Count());

        // Each sees the other's messages, under the same UIDs, in ascending order.
        first.Synchronize();
        second.Synchronize();
        var expected = stored.Select(m => (m.Uid, m.Id)).OrderBy(x => x.Uid).ToList();
        Assert.Equal(expected, first.List().Select(m => (m.Uid, m.Id)));
        Assert.Equal(expected, second.List().Select(m => (m.Uid, m.Id)));
        var lines = File.ReadAllLines(Path.Combine(dir, "dovecot-uidlist")).Skip(1).Select(l => uint.Parse(l.Split(' ')[0])).ToList();
        Assert.Equal(expected.Select(x => x.Uid), lines);   // every UID listed once, ascending (Dovecot refuses a list that is not)
        Assert.False(File.Exists(Path.Combine(dir, "dovecot-uidlist.lock")));
    }

    [Fact]
    public async Task This_process_renaming_and_deleting_during_a_listing_is_not_taken_for_another_process()
    {
        var folder = OpenFolder();
        var uids = new List<uint>();
        for (var i = 0; i < 60; i++) uids.Add((await Add(folder, i, MessageFlags.Seen)).Uid);
        var seen = new List<StoredMessage>();
        using var stop = new CancellationTokenSource();
        var syncer = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var c = folder.Synchronize();
                if (c != null) lock (seen) seen.AddRange(c.Added.Concat(c.Removed).Concat(c.FlagsChanged));
            }
        });
        foreach (var uid in uids)
        {
            folder.UpdateFlags(new[] { uid }, new FlagUpdate(MessageFlags.Flagged, null, FlagChange.Add));
            if (uid % 3 == 0) folder.Remove(new HashSet<uint> { uid }, _ => true);
            await Task.Yield();
        }
        stop.Cancel();
        await syncer;

        Assert.Empty(seen);   // every change was this process's own: nothing to report
        var list = folder.List();
        Assert.Equal(uids.Where(u => u % 3 != 0), list.Select(m => m.Uid));
        Assert.All(list, m => Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, m.Flags));
        Assert.All(list, m => Assert.NotNull(folder.Read(m.Uid)));
        Assert.Equal(list.Count, Directory.GetFiles(Path.Combine(Dir, "cur")).Length);
    }
}
