using System.Diagnostics;
using System.Text;
using MailAdmin.Store;
using Xunit;
using Xunit.Abstractions;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>
/// Flag changes are acknowledged before their files are renamed (the flag journal, MaildirFolder.DeferredRenames.cs).
/// A child process changes flags and keywords and reports each acknowledged change; the test kills it (SIGKILL)
/// while most of them still wait for their renames, reopens the store, and checks every message has the flags of
/// its last acknowledged change (or of the one change in flight at the kill), in the store and in the file names
/// Dovecot would read, and that no journal is left behind.
/// </summary>
public sealed class FlagCrashTests : IDisposable
{
    internal const string ChildRole = "flag-crash-writer";
    private const string Account = "flags@example.com";
    private const int Messages = 60;
    private readonly TempDirectory root = new();
    private readonly ITestOutputHelper output;

    public FlagCrashTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => root.Dispose();

    /// <summary>The k-th change: which message, and the flags and keywords it replaces its own with.</summary>
    internal static (uint Uid, MessageFlags Flags, string[] Keywords) Change(int k)
    {
        var flags = (k % 2 == 0 ? MessageFlags.Seen : MessageFlags.None) | (k % 3 == 0 ? MessageFlags.Flagged : MessageFlags.None)
            | (k % 7 == 0 ? MessageFlags.Answered : MessageFlags.None);
        var keywords = k % 4 == 0 ? Array.Empty<string>() : new[] { "Tag" + (k % 5) };
        return ((uint)(k % Messages) + 1, flags, keywords);
    }

    /// <summary>The child: args = root. Prints "ACK k" after each acknowledged change, one change at a time.</summary>
    internal static async Task<int> RunChild(string[] args)
    {
        using var store = new MaildirStore(args[0], 1000);
        Console.WriteLine("READY");
        for (var k = 0; ; k++)
        {
            var (uid, flags, keywords) = Change(k);
            await store.UpdateFlagsAsync(Account, "INBOX", new[] { uid }, new FlagUpdate(flags, keywords, FlagChange.Replace));
            Console.WriteLine($"ACK {k}");
            Console.Out.Flush();
        }
    }

    private async Task<int> RunAndKill(int killAfter)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", typeof(FlagCrashTests).Assembly.Location, ChildRole, root.Path }) psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        var lastAck = -1;
        while (lastAck + 1 < killAfter)
        {
            var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (line is null) throw new Exception("writer ended early: " + await child.StandardError.ReadToEndAsync());
            if (line.StartsWith("ACK ")) lastAck = int.Parse(line.Substring(4));
        }
        child.Kill(); // SIGKILL: no finally blocks, no flush of deferred renames
        string? rest;
        while ((rest = await child.StandardOutput.ReadLineAsync()) != null)
            if (rest.StartsWith("ACK ")) lastAck = int.Parse(rest.Substring(4));
        await child.WaitForExitAsync();
        return lastAck;
    }

    [Fact]
    public async Task Killed_process_loses_no_acknowledged_flag_change()
    {
        using (var setup = new MaildirStore(root.Path, 1000))
        {
            await setup.Accounts.AddAsync(Account, "pw");
            for (var i = 0; i < Messages; i++)
                await setup.AppendAsync(Account, "INBOX", Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\nbody\r\n"), MessageFlags.None, DateTimeOffset.UtcNow);
        }
        var lastAck = await RunAndKill(400);
        output.WriteLine($"{lastAck + 1} changes acknowledged before the kill");
        var inbox = Path.Combine(root.Path, Account);
        Assert.NotEmpty(Directory.GetFiles(inbox, FlagJournal.Prefix + "*")); // the kill left changes in the journal

        using (var store = new MaildirStore(root.Path, 1000))
        {
            var keywordFile = DovecotKeywordsOnDisk(inbox);
            foreach (var m in store.ListMessages(Account, "INBOX"))
            {
                // The last change of this message at or before the last acknowledged one, or the one in flight after it.
                var acked = LastChangeOf(m.Uid, lastAck);
                var inFlight = Change(lastAck + 1).Uid == m.Uid ? Change(lastAck + 1) : acked;
                Assert.True(Matches(m, acked) || Matches(m, inFlight), $"UID {m.Uid}: {m.Flags} [{string.Join(",", m.Keywords)}], acknowledged {acked.Flags} [{string.Join(",", acked.Keywords)}]");
                // The file already carries them: a Dovecot started now reads the same.
                var name = Path.GetFileName(Assert.Single(Directory.GetFiles(Path.Combine(inbox, "cur"), m.Id + "*")));
                var parsed = MaildirFileName.Parse(name);
                Assert.Equal(m.Flags, parsed.Flags);
                Assert.Equal(m.Keywords.OrderBy(k => k), parsed.KeywordLetters.Select(l => keywordFile[l]).OrderBy(k => k));
            }
            Assert.Empty(Directory.GetFiles(inbox, FlagJournal.Prefix + "*")); // replayed and gone
        }
    }

    private static (uint Uid, MessageFlags Flags, string[] Keywords) LastChangeOf(uint uid, int lastAck)
    {
        for (var k = lastAck; k >= 0; k--)
            if (Change(k).Uid == uid) return Change(k);
        return (uid, MessageFlags.None, Array.Empty<string>());
    }

    private static bool Matches(StoredMessage m, (uint Uid, MessageFlags Flags, string[] Keywords) change)
        => m.Flags == change.Flags && m.Keywords.OrderBy(k => k).SequenceEqual(change.Keywords.OrderBy(k => k));

    /// <summary>dovecot-keywords as letter → keyword ("3 Tag1" is letter d).</summary>
    private static Dictionary<char, string> DovecotKeywordsOnDisk(string folder)
        => File.ReadAllLines(Path.Combine(folder, "dovecot-keywords")).Where(l => l.Length > 2)
            .ToDictionary(l => (char)('a' + int.Parse(l.Substring(0, l.IndexOf(' ')))), l => l.Substring(l.IndexOf(' ') + 1));
}
