using System.Text;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>What only the disk store must do: survive reopen and crashes, and lay mail out as Maildir tools expect.</summary>
public sealed class MaildirStoreDurabilityTests : IDisposable
{
    private const string Alice = "alice@example.com";
    private static readonly DateTimeOffset Date = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private readonly TempDirectory root = new();
    private readonly List<MaildirStore> opened = new();

    public void Dispose()
    {
        foreach (var s in opened) s.Dispose();
        root.Dispose();
    }

    private MaildirStore Open()
    {
        var store = new MaildirStore(root.Path, 1000);
        opened.Add(store);
        return store;
    }

    private static byte[] Msg(int n) => Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\nbody {n}\r\n");

    private async Task<MaildirStore> OpenWithAlice()
    {
        var store = Open();
        await store.Accounts.AddAsync(Alice, "pw");
        return store;
    }

    private string Inbox => Path.Combine(root.Path, "alice@example.com");

    [Fact]
    public async Task Message_reader_reads_a_file_changed_behind_the_stores_back_as_it_is()
    {
        // The reader sizes its array from the index; the file, not the index, decides what is sent.
        var store = await OpenWithAlice();
        var longer = await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        var shorter = await store.DeliverAsync(Alice, "INBOX", Msg(2), Date);
        var longerFile = Path.Combine(Inbox, "new", longer.Id);
        var shorterFile = Path.Combine(Inbox, "new", shorter.Id);
        var extra = Encoding.ASCII.GetBytes("an extra line\r\n");
        File.WriteAllBytes(longerFile, Msg(1).Concat(extra).ToArray());
        File.WriteAllBytes(shorterFile, Msg(2).Take(5).ToArray());
        var reader = store.OpenMessageReader(Alice, "INBOX");
        Assert.Equal(Msg(1).Concat(extra).ToArray(), reader.Read(longer.Uid));
        Assert.Equal(Msg(2).Take(5).ToArray(), reader.Read(shorter.Uid));
        File.Delete(shorterFile);
        Assert.Null(reader.Read(shorter.Uid));
    }

    [Fact]
    public async Task Layout_is_maildir_plus_plus()
    {
        var store = await OpenWithAlice();
        foreach (var dir in new[] { "", ".Sent", ".Drafts", ".Trash", ".Junk" })
        {
            foreach (var sub in new[] { "cur", "new", "tmp" })
                Assert.True(Directory.Exists(Path.Combine(Inbox, dir, sub)), $"{dir}/{sub}");
            Assert.True(File.Exists(Path.Combine(Inbox, dir, "dovecot-uidlist")));
            Assert.Equal(dir != "", File.Exists(Path.Combine(Inbox, dir, "maildirfolder")));
        }
        Assert.True(File.Exists(Path.Combine(root.Path, "accounts.json")));

        var m = await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        var file = Assert.Single(Directory.GetFiles(Path.Combine(Inbox, "new")));
        Assert.Equal(m.Id, Path.GetFileName(file));
        Assert.EndsWith($",S={Msg(1).Length}", m.Id);
        Assert.Equal(Msg(1), File.ReadAllBytes(file));
        Assert.Equal(Date.UtcDateTime, File.GetLastWriteTimeUtc(file));
        Assert.Empty(Directory.GetFiles(Path.Combine(Inbox, "tmp")));

        await store.SetFlagsAsync(Alice, "INBOX", new[] { m.Uid }, MessageFlags.Seen | MessageFlags.Flagged | MessageFlags.Answered, FlagChange.Add);
        Assert.Empty(Directory.GetFiles(Path.Combine(Inbox, "new")));
        var cur = Assert.Single(Directory.GetFiles(Path.Combine(Inbox, "cur")));
        Assert.Equal(m.Id + ":2,FRS", Path.GetFileName(cur));

        await store.CreateFolderAsync(Alice, "Lists.dotnet");
        Assert.True(Directory.Exists(Path.Combine(Inbox, ".Lists.dotnet", "cur")));
    }

    [Fact]
    public async Task Uid_list_has_the_documented_format()
    {
        var store = await OpenWithAlice();
        var a = await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        var b = await store.DeliverAsync(Alice, "INBOX", Msg(2), Date);
        var lines = File.ReadAllLines(Path.Combine(Inbox, "dovecot-uidlist"));
        var header = lines[0].Split(' ');
        // Dovecot's version 3: "3 V<uidvalidity> N<next uid> G<mailbox guid>", then "<uid> :<base name>" lines
        Assert.Equal("3", header[0]);
        Assert.Equal("V" + store.GetFolderStatus(Alice, "INBOX").UidValidity, header[1]);
        Assert.StartsWith("N", header[2]);
        Assert.Matches("^G[0-9a-f]{32}$", header[3]);
        Assert.Equal(new[] { $"{a.Uid} :{a.Id}", $"{b.Uid} :{b.Id}" }, lines.Skip(1));
    }

    [Fact]
    public async Task Uids_uidvalidity_flags_and_dates_survive_reopen()
    {
        var store = await OpenWithAlice();
        var uids = new List<uint>();
        for (var i = 0; i < 6; i++) uids.Add((await store.DeliverAsync(Alice, "INBOX", Msg(i), Date.AddMinutes(i))).Uid);
        await store.SetFlagsAsync(Alice, "INBOX", new[] { uids[1] }, MessageFlags.Seen | MessageFlags.Draft, FlagChange.Add);
        await store.DeleteMessagesAsync(Alice, "INBOX", new[] { uids[4], uids[5] }); // the highest UIDs go
        var before = store.ListMessages(Alice, "INBOX");
        var status = store.GetFolderStatus(Alice, "INBOX");
        store.Dispose();

        var again = Open();
        var after = again.ListMessages(Alice, "INBOX");
        Assert.Equal(before.Select(m => (m.Uid, m.Id, m.Size, m.Flags, m.InternalDate, m.IsRecent)), after.Select(m => (m.Uid, m.Id, m.Size, m.Flags, m.InternalDate, m.IsRecent)));
        Assert.Equal(status.UidValidity, again.GetFolderStatus(Alice, "INBOX").UidValidity);
        var next = await again.DeliverAsync(Alice, "INBOX", Msg(9), Date);
        Assert.True(next.Uid > uids[5], $"UID {next.Uid} reused (had {uids[5]})");
        again.Dispose();

        // and once more, after the reopen compacted the list
        var third = Open();
        Assert.Equal(status.UidValidity, third.GetFolderStatus(Alice, "INBOX").UidValidity);
        Assert.True((await third.DeliverAsync(Alice, "INBOX", Msg(10), Date)).Uid > next.Uid);
        Assert.Equal(Msg(2), await third.ReadMessageAsync(Alice, "INBOX", uids[2]));
    }

    [Fact]
    public async Task A_message_renamed_but_not_listed_gets_a_new_uid_on_reopen()
    {
        var store = await OpenWithAlice();
        var a = await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        store.Dispose();
        // the crash window: the message reached new/ (and cur/, by another tool) but its UID line was never written
        var lost = MaildirFileName.NewBaseName(Msg(2).Length, DateTimeOffset.UtcNow);
        File.WriteAllBytes(Path.Combine(Inbox, "new", lost), Msg(2));
        File.WriteAllBytes(Path.Combine(Inbox, "cur", "1700000000.outside.host:2,S"), Msg(3));

        var again = Open();
        var list = again.ListMessages(Alice, "INBOX");
        Assert.Equal(3, list.Count);
        Assert.Equal(a.Uid, list[0].Uid);
        Assert.All(list.Skip(1), m => Assert.True(m.Uid > a.Uid));
        var recovered = list.Single(m => m.Id == lost);
        Assert.Equal(Msg(2), await again.ReadMessageAsync(Alice, "INBOX", recovered.Uid));
        Assert.Equal(MessageFlags.Seen, list.Single(m => m.Id == "1700000000.outside.host").Flags);
        Assert.Contains($"{recovered.Uid} :{lost}", File.ReadAllLines(Path.Combine(Inbox, "dovecot-uidlist")));
        again.Dispose();

        var third = Open();
        Assert.Equal(list.Select(m => (m.Uid, m.Id)), third.ListMessages(Alice, "INBOX").Select(m => (m.Uid, m.Id)));
    }

    [Fact]
    public async Task A_torn_uid_list_append_is_repaired()
    {
        var store = await OpenWithAlice();
        var a = await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        var b = await store.DeliverAsync(Alice, "INBOX", Msg(2), Date);
        store.Dispose();
        var path = Path.Combine(Inbox, "dovecot-uidlist");
        var text = File.ReadAllText(path);
        File.WriteAllText(path, text.Substring(0, text.Length - 10)); // the last line lost its tail in a crash

        var again = Open();
        var list = again.ListMessages(Alice, "INBOX");
        Assert.Equal(2, list.Count);
        Assert.Equal(a.Uid, list[0].Uid);
        // a torn line can only be an append that was never fsynced, so no one saw that UID: the message just gets one again
        Assert.Equal(b.Id, list[1].Id);
        Assert.True(list[1].Uid > a.Uid);
        var c = await again.DeliverAsync(Alice, "INBOX", Msg(3), Date);
        Assert.True(c.Uid > list[1].Uid);
        again.Dispose();
        Assert.Equal(3, Open().ListMessages(Alice, "INBOX").Count);
        Assert.EndsWith("\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task Tmp_leftovers_are_ignored_and_cleaned_on_open()
    {
        var store = await OpenWithAlice();
        await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        store.Dispose();
        var tmp = Path.Combine(Inbox, "tmp");
        var stale = Path.Combine(tmp, "1600000000.M1P1Q1.host,S=999");
        File.WriteAllBytes(stale, Encoding.ASCII.GetBytes("Subject: half"));
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddDays(-2));
        var fresh = Path.Combine(tmp, "being-written-by-someone");
        File.WriteAllBytes(fresh, Encoding.ASCII.GetBytes("Subject: in progress"));

        var again = Open();
        Assert.Single(again.ListMessages(Alice, "INBOX"));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh)); // too young to be a leftover: a writer may still be busy with it
        Assert.Equal(Msg(1).Length, await again.GetUsedBytesAsync(Alice));
    }

    [Fact]
    public async Task A_damaged_uid_list_header_is_reported_not_guessed()
    {
        var store = await OpenWithAlice();
        await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        store.Dispose();
        File.WriteAllText(Path.Combine(Inbox, "dovecot-uidlist"), "garbage\n");
        Assert.Throws<MailStoreException>(() => Open().ListMessages(Alice, "INBOX"));
    }

    [Fact]
    public async Task A_missing_uid_list_is_rebuilt_with_a_new_uidvalidity()
    {
        var store = await OpenWithAlice();
        await store.DeliverAsync(Alice, "Sent", Msg(1), Date);
        await store.DeliverAsync(Alice, "Sent", Msg(2), Date);
        var validity = store.GetFolderStatus(Alice, "Sent").UidValidity;
        store.Dispose();
        File.Delete(Path.Combine(Inbox, ".Sent", "dovecot-uidlist"));
        await Task.Delay(1100); // UIDVALIDITY is in seconds

        var again = Open();
        Assert.Equal(2, again.ListMessages(Alice, "Sent").Count);
        Assert.NotEqual(validity, again.GetFolderStatus(Alice, "Sent").UidValidity);
    }

    [Theory]
    [InlineData("../evil@example.com")]
    [InlineData("..@x")]
    [InlineData("/etc/passwd@x")]
    [InlineData("a\\..\\..\\b@c")]
    [InlineData("x@..")]
    [InlineData("x@y/../../z")]
    public async Task Account_directories_stay_directly_under_the_root(string address)
    {
        var store = Open();
        await store.Accounts.AddAsync(address, "pw");
        await store.DeliverAsync(address, "INBOX", Msg(1), Date);
        var dir = store.GetAccountDirectory(address);
        Assert.Equal(Path.GetFullPath(root.Path).TrimEnd(Path.DirectorySeparatorChar), Path.GetDirectoryName(dir));
        Assert.True(Directory.Exists(Path.Combine(dir, "new")));
        Assert.Contains("@", Path.GetFileName(dir));
        // nothing was created outside the root
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(root.Path)!, "evil@example.com")));
        Assert.Equal(new[] { "accounts.json", "accounts.lock" }.Length + 1, Directory.GetFileSystemEntries(root.Path).Length);
    }

    [Fact]
    public async Task Folder_directories_stay_inside_the_account()
    {
        var store = await OpenWithAlice();
        await store.CreateFolderAsync(Alice, "a.b.c");
        var dir = store.GetFolderDirectory(Alice, "a.b.c");
        Assert.Equal(Path.Combine(Inbox, ".a.b.c"), dir);
        Assert.Throws<InvalidFolderNameException>(() => store.GetFolderDirectory(Alice, "../../x"));
    }

    [Fact]
    public async Task Removing_an_account_deletes_its_mail()
    {
        var store = await OpenWithAlice();
        await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        Assert.True(await store.Accounts.RemoveAsync(Alice));
        Assert.False(Directory.Exists(Inbox));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(root.Path), e => !Path.GetFileName(e).StartsWith("accounts."));
    }

    [Fact]
    public async Task Used_bytes_are_computed_from_disk_on_open()
    {
        var store = await OpenWithAlice();
        await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        await store.DeliverAsync(Alice, "Trash", Msg(22), Date);
        store.Dispose();
        var again = Open();
        Assert.Equal(Msg(1).Length + Msg(22).Length, await again.GetUsedBytesAsync(Alice));
    }

    [Fact]
    public async Task A_cancelled_delivery_leaves_nothing_behind()
    {
        var store = await OpenWithAlice();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.DeliverAsync(Alice, "INBOX", Msg(1), Date, cts.Token));
        Assert.Empty(store.ListMessages(Alice, "INBOX"));
        Assert.Empty(Directory.GetFiles(Path.Combine(Inbox, "tmp")));
        Assert.Empty(Directory.GetFiles(Path.Combine(Inbox, "new")));
        Assert.Equal(0, await store.GetUsedBytesAsync(Alice));
    }

    [Fact]
    public async Task Accounts_file_never_holds_the_password()
    {
        var store = Open();
        await store.Accounts.AddAsync(Alice, "Pa55-word-Xyzzy");
        var text = File.ReadAllText(Path.Combine(root.Path, "accounts.json"));
        Assert.DoesNotContain("Pa55-word-Xyzzy", text);
        Assert.Contains("scram-sha-256$1000$", text);
        Assert.NotNull(await Open().Accounts.VerifyPasswordAsync(Alice, "Pa55-word-Xyzzy"));
    }
}
