using System.Text;
using MailAdmin.Delivery;
using MailAdmin.Engine.Tests.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>Both trace stores answer the same queries the same way; the file one survives a reopen and damage.</summary>
public sealed class MessageTraceTests : IDisposable
{
    private readonly TempDirectory root = new();
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    public void Dispose() => root.Dispose();

    private string TracePath => Path.Combine(root.Path, JsonLinesMessageTrace.StoreFileName);

    public static IEnumerable<object[]> Stores() => new[] { new object[] { "file" }, new object[] { "memory" } };

    private IMessageTrace Open(string kind) => kind == "file" ? new JsonLinesMessageTrace(TracePath) : new InMemoryMessageTrace();

    private static MessageTraceEvent Event(int minute, MessageTraceStatus status, string sender, string recipient, string? messageId = null) => new()
    {
        Timestamp = T0.AddMinutes(minute), Status = status, Sender = sender, Recipient = recipient,
        MessageId = messageId, QueueId = "Q" + minute, Subject = "Grüße \"quoted\"\nline", Size = 1234, Reply = "250 2.0.0 OK",
    };

    private static void Fill(IMessageTrace trace)
    {
        trace.Write(Event(1, MessageTraceStatus.Received, "ann@example.com", "bob@example.com", "one@example.com"));
        trace.Write(Event(2, MessageTraceStatus.Delivered, "ann@example.com", "bob@example.com", "one@example.com"));
        trace.Write(Event(3, MessageTraceStatus.Received, "carl@other.test", "dora@example.com", "two@other.test"));
        trace.Write(Event(4, MessageTraceStatus.Deferred, "carl@other.test", "eve@remote.test", "two@other.test"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void Queries_filter_and_return_newest_first(string kind)
    {
        var trace = Open(kind);
        try
        {
            Fill(trace);
            var all = trace.Query(new MessageTraceQuery());
            Assert.Equal(new[] { 4, 3, 2, 1 }, all.Select(e => e.Timestamp.Minute));
            Assert.Equal("Grüße \"quoted\"\nline", all[0].Subject);
            Assert.Equal(1234, all[0].Size);
            Assert.Equal("250 2.0.0 OK", all[0].Reply);

            Assert.Equal(new[] { 2, 1 }, trace.Query(new MessageTraceQuery { MessageId = "<ONE@example.com>" }).Select(e => e.Timestamp.Minute));
            Assert.Equal(new[] { 4, 3 }, trace.Query(new MessageTraceQuery { Sender = "CARL@*" }).Select(e => e.Timestamp.Minute));
            Assert.Equal(new[] { 4 }, trace.Query(new MessageTraceQuery { Recipient = "*@remote.t?st" }).Select(e => e.Timestamp.Minute));
            Assert.Empty(trace.Query(new MessageTraceQuery { Recipient = "*@remote" }));
            Assert.Equal(new[] { 3, 1 }, trace.Query(new MessageTraceQuery { Status = new[] { MessageTraceStatus.Received } }).Select(e => e.Timestamp.Minute));
            Assert.Equal(new[] { 3, 2 }, trace.Query(new MessageTraceQuery { Start = T0.AddMinutes(2), End = T0.AddMinutes(3) }).Select(e => e.Timestamp.Minute));
            Assert.Equal(new[] { 2 }, trace.Query(new MessageTraceQuery { QueueId = "q2" }).Select(e => e.Timestamp.Minute));
            Assert.Equal(new[] { 4, 3 }, trace.Query(new MessageTraceQuery { MaxResults = 2 }).Select(e => e.Timestamp.Minute));
        }
        finally { (trace as IDisposable)?.Dispose(); }
    }

    [Fact]
    public void Ids_that_json_escapes_are_still_found_in_the_file()
    {
        using var trace = new JsonLinesMessageTrace(TracePath);
        Fill(trace);
        trace.Write(Event(5, MessageTraceStatus.Received, "a@b.test", "c@d.test", "odd\"quote\\back@x.test"));
        Assert.Equal(new[] { 5 }, trace.Query(new MessageTraceQuery { MessageId = "<odd\"quote\\back@x.test>" }).Select(e => e.Timestamp.Minute));
        Assert.Equal(new[] { 2, 1 }, trace.Query(new MessageTraceQuery { MessageId = "one@example.com" }).Select(e => e.Timestamp.Minute));
        Assert.Empty(trace.Query(new MessageTraceQuery { MessageId = "one@example" }));
    }

    [Fact]
    public void The_memory_trace_keeps_only_the_newest_events()
    {
        var trace = new InMemoryMessageTrace(capacity: 3);
        for (var i = 1; i <= 5; i++) trace.Write(Event(i, MessageTraceStatus.Received, "a@b.test", "c@d.test"));
        Assert.Equal(new[] { 5, 4, 3 }, trace.Query(new MessageTraceQuery()).Select(e => e.Timestamp.Minute));
    }

    [Fact]
    public void The_file_survives_a_reopen_and_a_torn_last_line()
    {
        using (var first = new JsonLinesMessageTrace(TracePath)) Fill(first);
        // A crash in the middle of a write leaves half a line without its newline.
        File.AppendAllText(TracePath, "{\"Timestamp\":\"2026-12-01T08:0", new UTF8Encoding(false));
        using var second = new JsonLinesMessageTrace(TracePath);
        second.Write(Event(9, MessageTraceStatus.Bounced, "x@y.test", "ann@example.com"));
        Assert.Equal(new[] { 9, 4, 3, 2, 1 }, second.Query(new MessageTraceQuery()).Select(e => e.Timestamp.Minute));
    }

    [Fact]
    public void A_file_larger_than_a_block_reads_back_whole_and_in_order()
    {
        const int count = 5000; // about 1 MB: many 64 KiB blocks, lines cut at block edges
        var clock = -1;
        using (var trace = new JsonLinesMessageTrace(TracePath))
        {
            // Four writers at once, each event stamped as it is made (as the server does): the file is in about time order.
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
            {
                for (var n = 0; n < count / 4; n++)
                {
                    var i = Interlocked.Increment(ref clock);
                    trace.Write(new MessageTraceEvent { Timestamp = T0.AddSeconds(i), Status = MessageTraceStatus.Queued, Sender = "s" + i + "@x.test", Recipient = new string('r', i % 300) + "@y.test" });
                }
            })).ToArray();
            Task.WaitAll(writers);
        }
        Assert.True(new FileInfo(TracePath).Length > 10 * 64 * 1024);
        using var reopened = new JsonLinesMessageTrace(TracePath);
        var all = reopened.Query(new MessageTraceQuery());
        Assert.Equal(count, all.Count);
        Assert.Equal(count, all.Select(e => e.Sender).Distinct().Count());
        var newest = reopened.Query(new MessageTraceQuery { Start = T0.AddSeconds(count - 10) });
        Assert.Equal(10, newest.Count);
    }

    [Fact]
    public void The_trace_file_sits_next_to_the_log_or_in_the_store()
    {
        var withLog = new MailAdmin.Hosting.MailServerOptions { InMemory = true, LogPath = Path.Combine(root.Path, "logs", "lab.log") };
        Assert.Equal(Path.Combine(root.Path, "logs", "lab.trace.jsonl"), JsonLinesMessageTrace.PathFor(withLog));
        var inStore = new MailAdmin.Hosting.MailServerOptions { Path = root.Path };
        Assert.Equal(TracePath, JsonLinesMessageTrace.PathFor(inStore));
        Assert.Null(JsonLinesMessageTrace.PathFor(new MailAdmin.Hosting.MailServerOptions { InMemory = true }));
    }
}
