using System.Diagnostics;
using MailAdmin.Delivery;
using MailAdmin.Engine.Tests.Store;
using MailAdmin.Store;
using Xunit;
using Xunit.Abstractions;
using static MailAdmin.Engine.Tests.Delivery.QueueTestKit;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>
/// A child process queues messages into a FileQueueStore and sends them through a scripted next hop
/// that prints every recipient it accepts before the 250 reaches the queue; the test kills it
/// (SIGKILL) mid-flight, starts a new queue on the same directory and counts deliveries per
/// recipient over both lives: every acknowledged recipient arrives, none more than twice (the one
/// more delivery of a recipient whose 250 came but whose state was not saved yet).
/// </summary>
public sealed class QueueCrashTests : IDisposable
{
    internal const string ChildRole = "queue-crash-child";
    private readonly TempDirectory root = new();
    private readonly ITestOutputHelper output;

    public QueueCrashTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => root.Dispose();

    private static string[] RecipientsOf(int n) => new[] { $"r{n}a@a.test", $"r{n}b@b.test", $"r{n}c@a.test" };

    /// <summary>The child: args = queue directory, number of messages. Prints "QUEUED n" after each enqueue returned and "DELIVERED address" per acceptance.</summary>
    internal static async Task<int> RunChild(string[] args)
    {
        var stdout = Console.Out;
        var gate = new object();
        void Say(string line) { lock (gate) { stdout.WriteLine(line); stdout.Flush(); } }
        var transport = new QueueScriptedTransport { SendDelay = TimeSpan.FromMilliseconds(2), Accepted = a => Say("DELIVERED " + a) };
        var options = FastOptions(3_600_000);
        options.MaxConnectionsPerDestination = 3;
        options.MaxMessagesPerConnection = 7;
        var queue = NewQueue(transport, options, new FileQueueStore(args[0]));
        queue.Start();
        int count = int.Parse(args[1]);
        for (int n = 0; n < count; n++)
        {
            var m = Message(RecipientsOf(n));
            await queue.EnqueueAsync(m, new ArrayContent(Body("crash " + n)), CancellationToken.None);
            Say("QUEUED " + n);
        }
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    [Fact]
    public async Task After_a_kill_every_acknowledged_recipient_is_delivered_at_least_once_and_at_most_twice()
    {
        const int count = 400;
        var dir = Path.Combine(root.Path, FileQueueStore.DirectoryName);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", typeof(QueueCrashTests).Assembly.Location, ChildRole, dir, count.ToString() }) psi.ArgumentList.Add(a);
        var queued = new HashSet<int>();
        var delivered = new Dictionary<string, int>();
        void Read(string line)
        {
            if (line.StartsWith("QUEUED ")) queued.Add(int.Parse(line.Substring(7)));
            else if (line.StartsWith("DELIVERED ")) { var a = line.Substring(10); delivered[a] = delivered.GetValueOrDefault(a) + 1; }
        }
        using (var child = Process.Start(psi)!)
        {
            while (delivered.Count < 150)
            {
                var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                if (line is null) throw new Exception("child ended early: " + await child.StandardError.ReadToEndAsync());
                Read(line);
            }
            child.Kill(); // SIGKILL: no finally blocks, no stop
            string? rest;
            while ((rest = await child.StandardOutput.ReadLineAsync()) != null) Read(rest);
            await child.WaitForExitAsync();
        }
        int firstLife = delivered.Values.Sum();

        var transport = new QueueScriptedTransport();
        using (var queue = NewQueue(transport, FastOptions(3_600_000), new FileQueueStore(dir)))
        {
            queue.Start();
            Assert.True(await queue.WaitIdleAsync(TimeSpan.FromSeconds(20)), "the restarted queue did not finish");
            Assert.Empty(queue.GetMessages());
        }
        foreach (var address in transport.Sent.SelectMany(s => s.Recipients))
            delivered[address] = delivered.GetValueOrDefault(address) + 1;

        int duplicates = 0;
        foreach (var n in queued)
            foreach (var r in RecipientsOf(n))
            {
                int times = delivered.GetValueOrDefault(r);
                Assert.True(times >= 1, $"{r} was acknowledged but never delivered");
                Assert.True(times <= 2, $"{r} was delivered {times} times");
                if (times == 2) duplicates++;
            }
        Assert.All(delivered, d => Assert.InRange(d.Value, 1, 2)); // unacknowledged ones too
        Assert.Empty(Directory.GetFiles(dir));
        output.WriteLine($"{queued.Count} messages acknowledged before the kill, {firstLife} deliveries before it, {transport.Sent.Sum(s => s.Recipients.Length)} after; {duplicates} recipients delivered twice");
        Assert.True(queued.Count > 20);
        // Only attempts in flight at the kill may repeat: at most one message per connection, 3 connections
        // to a.test (2 recipients each) and 3 to b.test (1 each). A queue that saved late would repeat far more.
        Assert.InRange(duplicates, 0, 3 * 2 + 3 * 1);
    }
}
