using System.Diagnostics;
using System.Text;
using MailAdmin.Store;
using Xunit;
using Xunit.Abstractions;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>
/// A child process delivers into a MaildirStore and reports each acknowledged delivery; the test kills it
/// (SIGKILL / TerminateProcess) mid-flight, reopens the store, and checks that every acknowledged message is
/// there byte for byte under its UID, that nothing partial is visible, and that UIDs go on ascending.
/// A process kill does not lose the page cache, so this checks the ordering and the recovery, not the fsyncs.
/// </summary>
public sealed class StoreCrashTests : IDisposable
{
    internal const string WriterRole = "store-crash-writer";
    private const string Account = "crash@example.com";
    private readonly TempDirectory root = new();
    private readonly ITestOutputHelper output;

    public StoreCrashTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => root.Dispose();

    internal static byte[] Expected(int n)
    {
        var size = 200 + (n * 7919) % 150_000; // some messages take many writes
        var sb = new StringBuilder($"Subject: crash {n}\r\nX-N: {n}\r\n\r\n");
        while (sb.Length < size) sb.Append((char)('A' + (sb.Length + n) % 26));
        return Encoding.ASCII.GetBytes(sb.Append("\r\nEND\r\n").ToString());
    }

    /// <summary>The child: args = root, first message number. Prints "ACK uid n" per completed delivery.</summary>
    internal static async Task<int> RunWriter(string[] args)
    {
        using var store = new MaildirStore(args[0], 1000);
        var next = int.Parse(args[1]);
        var stdout = Console.Out;
        var gate = new object();
        Console.WriteLine("READY");
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var n = Interlocked.Increment(ref next);
                var m = await store.DeliverAsync(Account, n % 3 == 0 ? "Sent" : "INBOX", Expected(n), DateTimeOffset.UtcNow);
                lock (gate)
                {
                    stdout.WriteLine($"ACK {(n % 3 == 0 ? "Sent" : "INBOX")} {m.Uid} {n}");
                    stdout.Flush();
                }
            }
        })));
        return 0;
    }

    private async Task<List<(string Folder, uint Uid, int N)>> RunAndKill(int first, int killAfter)
    {
        var assembly = typeof(StoreCrashTests).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", assembly, WriterRole, root.Path, first.ToString() }) psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        var acks = new List<(string, uint, int)>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (acks.Count < killAfter)
        {
            var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (line is null) throw new Exception("writer ended early: " + await child.StandardError.ReadToEndAsync());
            if (!line.StartsWith("ACK ")) continue;
            var parts = line.Split(' ');
            acks.Add((parts[1], uint.Parse(parts[2]), int.Parse(parts[3])));
            Assert.True(DateTime.UtcNow < deadline, "writer too slow");
        }
        child.Kill(); // SIGKILL: no finally blocks, no flushes
        // acknowledgements already in the pipe were also given before the kill
        string? rest;
        while ((rest = await child.StandardOutput.ReadLineAsync()) != null)
        {
            var parts = rest.Split(' ');
            if (parts.Length == 4 && parts[0] == "ACK") acks.Add((parts[1], uint.Parse(parts[2]), int.Parse(parts[3])));
        }
        await child.WaitForExitAsync();
        return acks;
    }

    [Fact]
    public async Task Killed_writer_loses_no_acknowledged_message_and_shows_no_partial_one()
    {
        using (var setup = new MaildirStore(root.Path, 1000))
            await setup.Accounts.AddAsync(Account, "pw");

        var all = new List<(string Folder, uint Uid, int N)>();
        var highest = new Dictionary<string, uint> { ["INBOX"] = 0, ["Sent"] = 0 };
        for (var round = 0; round < 3; round++)
        {
            var acks = await RunAndKill(round * 1_000_000, 150);
            output.WriteLine($"round {round}: {acks.Count} acknowledged");
            all.AddRange(acks);

            using var store = new MaildirStore(root.Path, 1000);
            foreach (var folder in new[] { "INBOX", "Sent" })
            {
                var listed = store.ListMessages(Account, folder);
                Assert.Equal(listed.Count, listed.Select(m => m.Uid).Distinct().Count());
                // nothing partial: every visible message is complete and is one we sent
                foreach (var m in listed)
                {
                    var bytes = await store.ReadMessageAsync(Account, folder, m.Uid);
                    var text = Encoding.ASCII.GetString(bytes);
                    var at = text.IndexOf("X-N: ", StringComparison.Ordinal);
                    var n = int.Parse(text.Substring(at + 5, text.IndexOf('\r', at) - at - 5));
                    Assert.Equal(Expected(n), bytes);
                    Assert.Equal(bytes.Length, m.Size);
                }
                // every acknowledged message is there under the UID it was given
                foreach (var ack in all.Where(a => a.Folder == folder))
                {
                    var m = store.GetMessage(Account, folder, ack.Uid);
                    Assert.True(m != null, $"acknowledged UID {ack.Uid} (message {ack.N}) in {folder} is missing");
                    Assert.Equal(Expected(ack.N), await store.ReadMessageAsync(Account, folder, ack.Uid));
                }
                // UIDs only go up: everything new after the restart is above what was there before
                var before = highest[folder];
                Assert.All(acks.Where(a => a.Folder == folder), a => Assert.True(a.Uid > before, $"UID {a.Uid} not above {before}"));
                highest[folder] = listed.Count == 0 ? before : Math.Max(before, listed.Max(m => m.Uid));
                // a kill mid-write leaves files in tmp/; they are young, so they stay until they are an hour old, and are never listed
                Assert.DoesNotContain(listed, m => File.Exists(Path.Combine(store.GetFolderDirectory(Account, folder), "tmp", m.Id)));
            }
        }
    }
}
