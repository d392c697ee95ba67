using System.Diagnostics;
using System.Text;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>
/// COPY and MOVE are all or nothing across a crash. A child process runs one transfer and kills itself
/// (SIGKILL) at one step of the journal protocol (MaildirTransfer.CrashPoint); the test reopens the store and
/// checks: before the journal exists nothing happened, from then on everything did; no message is in both
/// folders, none is lost, bytes and flags are the originals', UIDs and UIDVALIDITY hold.
/// </summary>
public sealed class TransferCrashTests : IDisposable
{
    internal const string ChildRole = "transfer-crash-child";
    private const string Account = "mover@example.com";
    private const int Count = 40;
    private const int AlreadyInArchive = 3;
    private readonly TempDirectory root = new();

    public void Dispose() => root.Dispose();

    /// <summary>The child: args = root, "copy"|"move"|"open", the step to die at.</summary>
    internal static async Task<int> RunChild(string[] args)
    {
        var at = args[2];
        MaildirTransfer.CrashPoint = step =>
        {
            if (step == at) Process.GetCurrentProcess().Kill(); // SIGKILL: no finally blocks, no flushes
        };
        using var store = new MaildirStore(args[0], 1000);
        var uids = store.ListMessages(Account, "INBOX").Select(m => m.Uid).ToList();
        if (args[1] == "copy") await store.CopyMessagesAsync(Account, "INBOX", uids, "Archive");
        if (args[1] == "move") await store.MoveMessagesAsync(Account, "INBOX", uids, "Archive");
        Console.WriteLine("DONE");
        return 0;
    }

    private async Task<bool> RunChildAsync(string operation, string crashAt)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", typeof(TransferCrashTests).Assembly.Location, ChildRole, root.Path, operation, crashAt }) psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var errors = child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var done = (await output).Contains("DONE");
        // 137 = killed by SIGKILL (128 + 9); anything else is a failure of the child, not the crash we asked for
        Assert.True(done || child.ExitCode == 137, $"the child failed (exit {child.ExitCode}): " + await errors);
        return done;
    }

    private static int NumberOf(byte[] message)
    {
        var text = Encoding.ASCII.GetString(message);
        var at = text.IndexOf("X-N: ", StringComparison.Ordinal);
        return int.Parse(text.Substring(at + 5, text.IndexOf('\r', at) - at - 5));
    }

    private sealed record Snapshot(uint InboxValidity, uint ArchiveValidity, Dictionary<int, StoredMessage> Inbox, Dictionary<int, StoredMessage> Archive);

    private static async Task<Snapshot> Read(MaildirStore store)
    {
        async Task<Dictionary<int, StoredMessage>> Folder(string name)
        {
            var map = new Dictionary<int, StoredMessage>();
            foreach (var m in store.ListMessages(Account, name))
            {
                var bytes = await store.ReadMessageAsync(Account, name, m.Uid);
                var n = NumberOf(bytes);
                Assert.Equal(StoreCrashTests.Expected(n), bytes);
                Assert.True(map.TryAdd(n, m), $"message {n} twice in {name}");
            }
            return map;
        }
        return new Snapshot(store.GetFolderStatus(Account, "INBOX").UidValidity, store.GetFolderStatus(Account, "Archive").UidValidity,
            await Folder("INBOX"), await Folder("Archive"));
    }

    private async Task<Snapshot> Setup()
    {
        using var store = new MaildirStore(root.Path, 1000);
        await store.Accounts.AddAsync(Account, "pw");
        await store.CreateFolderAsync(Account, "Archive");
        for (var n = 1; n <= AlreadyInArchive; n++)
            await store.DeliverAsync(Account, "Archive", StoreCrashTests.Expected(1000 + n), DateTimeOffset.UtcNow);
        for (var n = 1; n <= Count; n++)
        {
            var m = await store.DeliverAsync(Account, "INBOX", StoreCrashTests.Expected(n), DateTimeOffset.UtcNow.AddDays(-n));
            if (n % 4 == 0) await store.SetFlagsAsync(Account, "INBOX", new[] { m.Uid }, MessageFlags.Flagged | MessageFlags.Seen, FlagChange.Add);
        }
        await store.ClaimRecentAsync(Account, "INBOX"); // half of them recent (new/), half in cur/, would do too; all in cur/ here
        return await Read(store);
    }

    private async Task CheckAfterCrash(Snapshot before, bool move, bool committed)
    {
        Snapshot after;
        using (var store = new MaildirStore(root.Path, 1000))
            after = await Read(store);
        Assert.Equal(before.InboxValidity, after.InboxValidity);
        Assert.Equal(before.ArchiveValidity, after.ArchiveValidity);
        // what was in the target before is there, under the same UIDs
        foreach (var (n, m) in before.Archive) Assert.Equal(m.Uid, after.Archive[n].Uid);
        var moved = before.Inbox.Keys.ToList();
        var inTarget = moved.Count(after.Archive.ContainsKey);
        Assert.True(inTarget == 0 || inTarget == Count, $"{inTarget} of {Count} copies: not all or nothing");
        Assert.Equal(committed, inTarget == Count);
        if (committed)
        {
            var highestBefore = before.Archive.Values.Max(m => m.Uid);
            foreach (var n in moved)
            {
                Assert.True(after.Archive[n].Uid > highestBefore, "a copy's UID is not above the target's earlier UIDs");
                Assert.Equal(before.Inbox[n].Flags, after.Archive[n].Flags);
                Assert.Equal(before.Inbox[n].InternalDate, after.Archive[n].InternalDate);
            }
        }
        // the originals: untouched, unless a committed move took them (then none is left: no duplicates)
        if (move && committed) Assert.Empty(after.Inbox);
        else
        {
            Assert.Equal(Count, after.Inbox.Count);
            foreach (var (n, m) in before.Inbox)
            {
                Assert.Equal(m.Uid, after.Inbox[n].Uid);
                Assert.Equal(m.Flags, after.Inbox[n].Flags);
            }
        }
        var accountDir = Path.Combine(root.Path, MailboxNames.AccountDirectoryName(Account));
        Assert.Empty(Directory.GetFiles(accountDir, "*mailadmin-transfer-*"));

        using (var again = new MaildirStore(root.Path, 1000))
        {
            // recovery is done: a second start changes nothing
            var third = await Read(again);
            Assert.Equal(after.Archive.ToDictionary(kv => kv.Key, kv => kv.Value.Uid), third.Archive.ToDictionary(kv => kv.Key, kv => kv.Value.Uid));
            Assert.Equal(after.Inbox.Count, third.Inbox.Count);
            // UIDs never go back: the next delivery is above everything either folder ever showed
            var next = await again.DeliverAsync(Account, "Archive", StoreCrashTests.Expected(5000), DateTimeOffset.UtcNow);
            Assert.True(next.Uid > after.Archive.Values.Max(m => m.Uid));
            Assert.True(next.Uid > AlreadyInArchive + (committed ? Count : 0));
        }
        // tmp/ keeps no committed copy (uncommitted ones are young; the tmp/ clean-up removes them after an hour)
        if (committed) Assert.Empty(Directory.GetFiles(Path.Combine(accountDir, ".Archive", "tmp")));
    }

    [Theory]
    [InlineData("copy", "prepared:20", false)]
    [InlineData("copy", "tmp-synced", false)]
    [InlineData("copy", "journal-written", true)]
    [InlineData("copy", "renamed:20", true)]
    [InlineData("copy", "renamed-synced", true)]
    [InlineData("copy", "adopted", true)]
    [InlineData("copy", "journal-deleted", true)]
    [InlineData("move", "prepared:1", false)]
    [InlineData("move", "tmp-synced", false)]
    [InlineData("move", "journal-written", true)]
    [InlineData("move", "renamed:1", true)]
    [InlineData("move", "renamed:39", true)]
    [InlineData("move", "renamed-synced", true)]
    [InlineData("move", "adopted", true)]
    [InlineData("move", "source-removed", true)]
    [InlineData("move", "never", true)]
    public async Task Crash_at_each_step_is_all_or_nothing(string operation, string crashAt, bool committed)
    {
        var before = await Setup();
        var finished = await RunChildAsync(operation, crashAt);
        Assert.Equal(crashAt == "never", finished);
        await CheckAfterCrash(before, operation == "move", committed);
    }

    [Theory]
    [InlineData("recover-renamed:5")]
    [InlineData("recover-source-removed")]
    public async Task Crash_during_recovery_is_recovered_again(string crashAt)
    {
        var before = await Setup();
        Assert.False(await RunChildAsync("move", "renamed:10"));
        Assert.False(await RunChildAsync("open", crashAt)); // the second start dies while it completes the move
        await CheckAfterCrash(before, move: true, committed: true);
    }

    [Fact]
    public async Task Failure_before_the_journal_leaves_nothing_behind()
    {
        var before = await Setup();
        using (var store = new MaildirStore(root.Path, 1000))
        {
            MaildirTransfer.CrashPoint = step => { if (step == "tmp-synced") throw new IOException("disk full (simulated)"); };
            try
            {
                var uids = store.ListMessages(Account, "INBOX").Select(m => m.Uid).ToList();
                await Assert.ThrowsAsync<IOException>(() => store.MoveMessagesAsync(Account, "INBOX", uids, "Archive"));
            }
            finally { MaildirTransfer.CrashPoint = null; }
            Assert.Equal(Count, store.ListMessages(Account, "INBOX").Count);
            Assert.Equal(AlreadyInArchive, store.ListMessages(Account, "Archive").Count);
            Assert.Empty(Directory.GetFiles(Path.Combine(store.GetFolderDirectory(Account, "Archive"), "tmp")));
        }
        await CheckAfterCrash(before, move: true, committed: false);
    }

    [Fact]
    public async Task Links_taken_by_another_process_tmp_cleanup_are_made_again()
    {
        var before = await Setup();
        using (var store = new MaildirStore(root.Path, 1000))
        {
            var tmp = Path.Combine(store.GetFolderDirectory(Account, "Archive"), "tmp");
            // A hard link has the original's (old) mtime: another process opening the folder deletes it as stale.
            MaildirTransfer.CrashPoint = step => { if (step == "journal-written") foreach (var f in Directory.GetFiles(tmp)) File.Delete(f); };
            try
            {
                var uids = store.ListMessages(Account, "INBOX").Select(m => m.Uid).ToList();
                Assert.Equal(Count, (await store.MoveMessagesAsync(Account, "INBOX", uids, "Archive")).Count);
            }
            finally { MaildirTransfer.CrashPoint = null; }
        }
        await CheckAfterCrash(before, move: true, committed: true);
    }

    [Fact]
    public async Task Failure_after_the_journal_is_completed_by_the_next_start()
    {
        var before = await Setup();
        using (var store = new MaildirStore(root.Path, 1000))
        {
            MaildirTransfer.CrashPoint = step => { if (step == "renamed:7") throw new IOException("I/O error (simulated)"); };
            try
            {
                var uids = store.ListMessages(Account, "INBOX").Select(m => m.Uid).ToList();
                await Assert.ThrowsAsync<IOException>(() => store.MoveMessagesAsync(Account, "INBOX", uids, "Archive"));
            }
            finally { MaildirTransfer.CrashPoint = null; }
        }
        await CheckAfterCrash(before, move: true, committed: true);
    }
}
