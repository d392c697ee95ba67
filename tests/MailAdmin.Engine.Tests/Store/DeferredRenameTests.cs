using System.Text;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>
/// Flag changes acknowledged through the flag journal and renamed a moment later (MaildirFolder.DeferredRenames.cs):
/// what other processes see and when, what cancels out, and what happens when someone else renames meanwhile.
/// A second MaildirFolder on the same directory stands for another process (it shares no memory with the first).
/// </summary>
public sealed class DeferredRenameTests : IDisposable
{
    private static readonly DateTimeOffset Date = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private readonly TempDirectory root = new();
    private readonly List<MaildirFolder> opened = new();

    public void Dispose()
    {
        foreach (var f in opened) f.Close();
        root.Dispose();
    }

    private string Dir => root.Path;

    private MaildirFolder OpenFolder()
    {
        MaildirFolder.Create(Dir, false);
        var folder = MaildirFolder.Open("alice@example.com", "INBOX", Dir, TimeSpan.FromHours(1));
        opened.Add(folder);
        return folder;
    }

    private static async Task<List<StoredMessage>> AddSeen(MaildirFolder f, int count)
    {
        var added = new List<StoredMessage>();
        for (var n = 0; n < count; n++)
            added.Add(await f.AddAsync(new ArrayContent(Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\nbody\r\n")), MessageFlags.Seen, Array.Empty<string>(), Date, CancellationToken.None));
        return added;
    }

    private static FlagUpdate Set(MessageFlags flags, FlagChange change) => new(flags, Array.Empty<string>(), change);

    private string[] CurNames() => Directory.GetFiles(Path.Combine(Dir, "cur")).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

    private string[] Journals() => Directory.GetFiles(Dir, FlagJournal.Prefix + "*");

    private static async Task<bool> Eventually(Func<bool> condition, double seconds = 5)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(20);
        }
        return true;
    }

    [Fact]
    public async Task A_change_is_in_the_journal_at_once_and_in_the_file_name_a_moment_later()
    {
        var folder = OpenFolder();
        var a = (await AddSeen(folder, 1))[0];
        var other = OpenFolder();

        folder.UpdateFlags(new[] { a.Uid }, Set(MessageFlags.Flagged, FlagChange.Add));
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, folder.Get(a.Uid)!.Flags);
        var journal = Assert.Single(Journals());
        Assert.True(new FileInfo(journal).Length > 0);

        var renamed = MaildirFileName.WithInfo(a.Id, MessageFlags.Seen | MessageFlags.Flagged);
        Assert.True(await Eventually(() => CurNames().SequenceEqual(new[] { renamed })), string.Join(", ", CurNames()));
        // The other process sees it at its next look, and the emptied journal holds nothing more to replay.
        Assert.True(await Eventually(() => { other.Synchronize(); return other.Get(a.Uid)!.Flags == (MessageFlags.Seen | MessageFlags.Flagged); }));
        Assert.True(await Eventually(() => new FileInfo(journal).Length == 0));
    }

    [Fact]
    public async Task Changes_that_cancel_out_rename_nothing_and_cost_no_listing()
    {
        var folder = OpenFolder();
        var messages = await AddSeen(folder, 50);
        var uids = messages.Select(m => m.Uid).ToArray();
        foreach (var sub in new[] { "new", "cur" })
            Directory.SetLastWriteTimeUtc(Path.Combine(Dir, sub), DateTime.UtcNow.AddMinutes(-10));
        folder.Synchronize();
        var names = CurNames();
        var curTime = Directory.GetLastWriteTimeUtc(Path.Combine(Dir, "cur"));
        var listings = folder.RescanCount;

        var added = folder.UpdateFlags(uids, Set(MessageFlags.Flagged | MessageFlags.Answered, FlagChange.Add));
        var removed = folder.UpdateFlags(uids, Set(MessageFlags.Flagged | MessageFlags.Answered, FlagChange.Remove));
        Assert.Equal(50, added.Changed.Count);
        Assert.Equal(50, removed.Changed.Count);
        Assert.All(removed.Changed, m => Assert.True(m.ModSeq > added.Changed.Max(x => x.ModSeq)));   // both were changes to clients
        folder.FlushRenames();

        Assert.Equal(names, CurNames());
        Assert.Equal(curTime, Directory.GetLastWriteTimeUtc(Path.Combine(Dir, "cur")));
        Assert.True(folder.Synchronize() is null or { Any: false });
        Assert.Equal(listings, folder.RescanCount);
    }

    [Fact]
    public async Task Another_process_renaming_a_file_with_a_pending_change_wins()
    {
        var folder = OpenFolder();
        var a = (await AddSeen(folder, 1))[0];
        folder.UpdateFlags(new[] { a.Uid }, Set(MessageFlags.Flagged, FlagChange.Add));
        // Before our rename: mutt (say) marks it answered and unseen under the name it found.
        var theirs = MaildirFileName.WithInfo(a.Id, MessageFlags.Answered);
        File.Move(Path.Combine(Dir, "cur", MaildirFileName.WithInfo(a.Id, MessageFlags.Seen)), Path.Combine(Dir, "cur", theirs));

        var changes = folder.Synchronize()!;
        Assert.Equal(MessageFlags.Answered, Assert.Single(changes.FlagsChanged).Flags);
        Assert.Equal(MessageFlags.Answered, folder.Get(a.Uid)!.Flags);
        folder.FlushRenames();
        Assert.Equal(new[] { theirs }, CurNames());
        Assert.Equal(Encoding.ASCII.GetBytes("Subject: 0\r\n\r\nbody\r\n"), folder.Read(a.Uid));
    }

    [Fact]
    public async Task A_live_process_journal_is_left_alone_and_a_closed_one_is_deleted()
    {
        var folder = OpenFolder();
        var a = (await AddSeen(folder, 1))[0];
        folder.UpdateFlags(new[] { a.Uid }, Set(MessageFlags.Deleted, FlagChange.Add));
        var journal = Assert.Single(Journals());

        // A second open while the first is alive must not take its journal for a dead process's one.
        var other = OpenFolder();
        Assert.Equal(new[] { journal }, Journals());
        Assert.Equal(MessageFlags.Seen, other.Get(a.Uid)!.Flags);   // not renamed yet: the other reads the disk

        folder.Close();
        Assert.Empty(Journals());
        Assert.Equal(new[] { MaildirFileName.WithInfo(a.Id, MessageFlags.Seen | MessageFlags.Deleted) }, CurNames());
        // After the close a change renames at once.
        folder.UpdateFlags(new[] { a.Uid }, Set(MessageFlags.Seen, FlagChange.Remove));
        Assert.Equal(new[] { MaildirFileName.WithInfo(a.Id, MessageFlags.Deleted) }, CurNames());
        Assert.Empty(Journals());
    }

    [Fact]
    public async Task A_journal_line_cut_short_by_a_crash_is_skipped_and_the_rest_replayed()
    {
        var folder = OpenFolder();
        var messages = await AddSeen(folder, 2);
        folder.Close();
        opened.Remove(folder);
        var (a, b) = (messages[0], messages[1]);
        var onDisk = MaildirFileName.WithInfo(a.Id, MessageFlags.Seen);
        File.WriteAllText(Path.Combine(Dir, FlagJournal.Prefix + "crashed"),
            $"{onDisk}/:2,FS\n{MaildirFileName.WithInfo(b.Id, MessageFlags.Seen)}/:2,");

        var reopened = OpenFolder();
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, reopened.Get(a.Uid)!.Flags);
        Assert.Equal(MessageFlags.Seen, reopened.Get(b.Uid)!.Flags);
        Assert.Contains(MaildirFileName.WithInfo(a.Id, MessageFlags.Seen | MessageFlags.Flagged), CurNames());
        Assert.Empty(Journals());
    }
}
