using System.Diagnostics;
using System.Text;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>dovecot-uidlist (Dovecot's version 3 format), its dotlock, and the move from the old mailadmin-uidlist.</summary>
public sealed class DovecotUidListTests : IDisposable
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

    private string Inbox => Path.Combine(root.Path, "alice@example.com");
    private static byte[] Msg(int n) => Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\nbody {n}\r\n");

    [Fact]
    public void Parses_what_dovecot_writes_and_writes_it_back_the_same()
    {
        // As Dovecot 2.3 writes it: extension fields (sizes) before the ':' and the base name.
        var text = "3 V1700000001 N5 G0123456789abcdef0123456789abcdef\n"
                 + "1 :1700000000.M1P2.host,S=10,W=12\n"
                 + "3 S120 W124 :1700000001.M2P2.host\n";
        var list = DovecotUidList.Parse(text, "x");
        Assert.Equal(1700000001u, list.UidValidity);
        Assert.Equal(5u, list.NextUid);
        Assert.Equal("0123456789abcdef0123456789abcdef", list.Guid);
        Assert.False(list.NeedsRewrite);
        Assert.Equal(1u, list.Entries["1700000000.M1P2.host,S=10,W=12"].Uid);
        Assert.Equal("S120 W124", list.Entries["1700000001.M2P2.host"].Extensions);

        var written = DovecotUidList.Header(list.UidValidity, list.NextUid, list.Guid, list.OtherHeaderFields)
            + string.Concat(list.Entries.OrderBy(e => e.Value.Uid).Select(e => DovecotUidList.Line(e.Value.Uid, e.Key, e.Value.Extensions)));
        Assert.Equal(text, written);
    }

    [Fact]
    public void Next_uid_is_above_every_listed_uid_and_damage_asks_for_a_rewrite()
    {
        var list = DovecotUidList.Parse("3 V7 N2 Gabc\n4 :a\n3 :out-of-order\n9 :b", "x");
        Assert.Equal(5u, list.NextUid);               // the torn "9" line does not count
        Assert.True(list.NeedsRewrite);               // torn line, unordered UID, short GUID
        Assert.Equal(new[] { "a" }, list.Entries.Keys);
        Assert.Throws<MailStoreException>(() => DovecotUidList.Parse("garbage\n", "x"));
        var v1 = DovecotUidList.Parse("1 42 3\n1 old:2,S\n2 other\n", "x");
        Assert.Equal(42u, v1.UidValidity);
        Assert.Equal(1u, v1.Entries["old"].Uid);       // names are keyed by base, without ":2,<flags>"
        Assert.True(v1.NeedsRewrite);                 // written back as version 3
    }

    [Fact]
    public async Task An_old_mailadmin_uidlist_is_migrated_keeping_uidvalidity_and_uids()
    {
        var store = Open();
        await store.Accounts.AddAsync(Alice, "pw");
        var a = await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        var b = await store.DeliverAsync(Alice, "INBOX", Msg(2), Date);
        store.Dispose();
        // Make the folder look as this module left it before: a mailadmin-uidlist and no dovecot-uidlist.
        File.Delete(Path.Combine(Inbox, "dovecot-uidlist"));
        File.WriteAllText(Path.Combine(Inbox, "mailadmin-uidlist"),
            $"MAILADMIN-UIDLIST 1 1600000000 40\n7 {a.Id}\n12 {b.Id}\n");

        var again = Open();
        var list = again.ListMessages(Alice, "INBOX");
        Assert.Equal(new[] { (7u, a.Id), (12u, b.Id) }, list.Select(m => (m.Uid, m.Id)));
        var status = again.GetFolderStatus(Alice, "INBOX");
        Assert.Equal(1600000000u, status.UidValidity);
        Assert.Equal(40u, status.UidNext);
        Assert.False(File.Exists(Path.Combine(Inbox, "mailadmin-uidlist")));
        var lines = File.ReadAllLines(Path.Combine(Inbox, "dovecot-uidlist"));
        Assert.StartsWith("3 V1600000000 N40 G", lines[0]);
        Assert.Equal(new[] { $"7 :{a.Id}", $"12 :{b.Id}" }, lines.Skip(1));
        Assert.Equal(40u, (await again.DeliverAsync(Alice, "INBOX", Msg(3), Date)).Uid);
    }

    [Fact]
    public async Task A_crash_between_writing_the_new_list_and_removing_the_old_one_is_finished_on_open()
    {
        var store = Open();
        await store.Accounts.AddAsync(Alice, "pw");
        var a = await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        store.Dispose();
        // Both files: the new one is durable and wins; the old one (which says otherwise) is only removed.
        File.WriteAllText(Path.Combine(Inbox, "mailadmin-uidlist"), $"MAILADMIN-UIDLIST 1 1600000000 40\n7 {a.Id}\n");
        var again = Open();
        Assert.Equal(a.Uid, again.ListMessages(Alice, "INBOX").Single().Uid);
        Assert.False(File.Exists(Path.Combine(Inbox, "mailadmin-uidlist")));
    }

    [Fact]
    public void The_lock_is_exclusive_and_released_on_dispose()
    {
        var dir = root.Path;
        using (var first = DovecotUidListLock.Acquire(dir))
        {
            var content = File.ReadAllText(Path.Combine(dir, "dovecot-uidlist.lock"));
            Assert.Equal(Environment.ProcessId + ":" + System.Net.Dns.GetHostName(), content);
            var sw = Stopwatch.StartNew();
            Assert.Throws<MailStoreException>(() => DovecotUidListLock.Acquire(dir, TimeSpan.FromMilliseconds(300)));
            Assert.True(sw.ElapsedMilliseconds >= 250, "gave up before the wait was over");
        }
        Assert.False(File.Exists(Path.Combine(dir, "dovecot-uidlist.lock")));
        using (DovecotUidListLock.Acquire(dir, TimeSpan.Zero)) { }
    }

    [Fact]
    public async Task A_waiter_gets_the_lock_when_the_holder_releases_it()
    {
        var dir = root.Path;
        var held = DovecotUidListLock.Acquire(dir);
        var waiter = Task.Run(() => DovecotUidListLock.Acquire(dir, TimeSpan.FromSeconds(10)));
        await Task.Delay(200);
        Assert.False(waiter.IsCompleted);
        held.Dispose();
        (await waiter).Dispose();
    }

    [Fact]
    public void A_lock_left_by_a_dead_process_on_this_host_is_taken_over()
    {
        var dir = root.Path;
        var lockPath = Path.Combine(dir, "dovecot-uidlist.lock");
        using var dead = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        dead.WaitForExit();
        File.WriteAllText(lockPath, dead.Id + ":" + System.Net.Dns.GetHostName());
        File.SetLastWriteTimeUtc(lockPath, DateTime.UtcNow.AddSeconds(-5));
        using (DovecotUidListLock.Acquire(dir, TimeSpan.FromSeconds(2))) { }

        // A lock of a live process (ours is not judged by pid: this one) younger than two minutes is respected ...
        File.WriteAllText(lockPath, "1:" + System.Net.Dns.GetHostName());
        Assert.Throws<MailStoreException>(() => DovecotUidListLock.Acquire(dir, TimeSpan.FromMilliseconds(200)));
        // ... unless neither it nor the list changed for two minutes (a holder that hung or another host's crash).
        File.WriteAllText(lockPath, "1:some-other-host");
        File.SetLastWriteTimeUtc(lockPath, DateTime.UtcNow.AddMinutes(-3));
        using (DovecotUidListLock.Acquire(dir, TimeSpan.FromSeconds(2))) { }
    }
}
