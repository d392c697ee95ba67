using MailAdmin.Delivery;
using MailAdmin.Protocols.Smtp;
using Xunit;
using static MailAdmin.Engine.Tests.Delivery.QueueTestKit;

namespace MailAdmin.Engine.Tests.Delivery;

public sealed class QueueSchedulerTests
{
    [Fact]
    public async Task Each_recipient_is_delivered_deferred_or_failed_by_its_own_reply()
    {
        var transport = new QueueScriptedTransport
        {
            Reply = a => a.StartsWith("later") ? Reply(a, 451, "4.2.0", "try later") : a.StartsWith("bad") ? Reply(a, 550, "5.1.1", "no such user") : Reply(a, 250, "2.0.0", "ok"),
        };
        var notices = new QueueRecordingNotices();
        var trace = new InMemoryMessageTrace();
        using var queue = NewQueue(transport, FastOptions(60_000), trace: trace, notices: notices);
        queue.Start();
        var m = Message("ok@a.test", "later@a.test", "bad@a.test");
        var before = DateTimeOffset.UtcNow;
        await Enqueue(queue, m);
        await Idle(queue);

        var ok = Recipient(queue, m.Id, "ok@a.test");
        var later = Recipient(queue, m.Id, "later@a.test");
        var bad = Recipient(queue, m.Id, "bad@a.test");
        Assert.Equal(QueueRecipientStatus.Delivered, ok.Status);
        Assert.Equal("250 2.0.0 ok", ok.LastReply);
        Assert.Equal(QueueRecipientStatus.Deferred, later.Status);
        Assert.Equal("451 4.2.0 try later", later.LastReply);
        Assert.Equal(1, later.Attempts);
        Assert.InRange(later.NextAttempt!.Value, before + TimeSpan.FromSeconds(59), DateTimeOffset.UtcNow + TimeSpan.FromSeconds(61));
        Assert.Equal(QueueRecipientStatus.Failed, bad.Status);
        Assert.Equal("550 5.1.1 no such user", bad.LastReply);
        Assert.Equal(1, transport.DeliveriesTo("ok@a.test"));

        var notice = Assert.Single(notices.Sent);
        Assert.Equal(NoticeKind.Failure, notice.Kind);
        Assert.Equal(new[] { "bad@a.test" }, notice.Recipients);
        Assert.Equal(Body().Length, notice.ContentLength);

        var events = trace.Query(new MessageTraceQuery());
        Assert.Equal(3, events.Count(e => e.Status == MessageTraceStatus.Queued && e.QueueId == m.Id && e.Destination == "a.test"));
        Assert.Equal(3, events.Count(e => e.Status == MessageTraceStatus.Attempted && e.RemoteHost == "mx.a.test"));
        Assert.Contains(events, e => e.Status == MessageTraceStatus.Delivered && e.Recipient == "ok@a.test" && e.Reply == "250 2.0.0 ok" && e.MessageId == m.MessageId && e.Sender == m.Sender && e.Size == Body().Length);
        Assert.Contains(events, e => e.Status == MessageTraceStatus.Deferred && e.Recipient == "later@a.test");
        Assert.Contains(events, e => e.Status == MessageTraceStatus.Failed && e.Recipient == "bad@a.test");

        var row = Assert.Single(queue.GetDestinations());
        Assert.Equal("a.test", row.Destination);
        Assert.Equal(1, row.Recipients);
        Assert.Equal(later.NextAttempt, row.NextAttempt);
        Assert.Equal("451 4.2.0 try later", row.LastError);
    }

    [Fact]
    public async Task A_deferred_recipient_is_retried_by_the_schedule_and_the_finished_message_leaves_the_queue()
    {
        int calls = 0;
        var transport = new QueueScriptedTransport { Reply = a => Interlocked.Increment(ref calls) <= 2 ? Reply(a, 421, "4.4.2", "busy") : Reply(a, 250, "2.0.0", "ok") };
        using var queue = NewQueue(transport, FastOptions(150, 300));
        queue.Start();
        var m = Message("r@a.test");
        await Enqueue(queue, m);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(4);
        while (queue.GetMessages().Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Empty(queue.GetMessages());
        var times = transport.Attempts.Select(a => a.At).ToList();
        Assert.Equal(3, times.Count);
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(140), "first retry too early: " + (times[1] - times[0]));
        Assert.True(times[2] - times[1] >= TimeSpan.FromMilliseconds(290), "second retry too early: " + (times[2] - times[1]));
        Assert.True(times[2] - times[0] < TimeSpan.FromSeconds(2), "retries too late");
    }

    [Fact]
    public async Task A_recipient_still_deferred_after_the_queue_lifetime_fails_with_4_4_7()
    {
        var transport = new QueueScriptedTransport { Reply = a => Reply(a, 451, "4.3.0", "always later") };
        var notices = new QueueRecordingNotices();
        var options = FastOptions(60);
        options.MaxQueueLifetime = TimeSpan.FromMilliseconds(400);
        using var queue = NewQueue(transport, options, notices: notices);
        queue.Start();
        var m = Message("r@a.test");
        await Enqueue(queue, m);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(4);
        while (notices.Sent.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(20);
        var notice = Assert.Single(notices.Sent);
        Assert.Equal(NoticeKind.Failure, notice.Kind);
        Assert.StartsWith("451 4.4.7 delivery time expired", notice.Replies[0]);
        Assert.Contains("451 4.3.0 always later", notice.Replies[0]);
        Assert.True(transport.Attempts.Count >= 3);
        Assert.True(transport.Attempts.Last().At - transport.Attempts.First().At >= TimeSpan.FromMilliseconds(350));
        await Idle(queue);
        Assert.Empty(queue.GetMessages());
    }

    [Fact]
    public async Task Connections_per_destination_and_in_all_stay_within_the_limits()
    {
        var transport = new QueueScriptedTransport { SendDelay = TimeSpan.FromMilliseconds(25) };
        var options = FastOptions();
        options.MaxConnectionsPerDestination = 2;
        options.MaxConnections = 3;
        options.MaxMessagesPerConnection = 3;
        using var queue = NewQueue(transport, options);
        for (int i = 0; i < 15; i++) { await Enqueue(queue, Message($"x{i}@a.test")); await Enqueue(queue, Message($"y{i}@b.test")); }
        queue.Start();
        await Idle(queue, 10);
        Assert.Empty(queue.GetMessages());
        Assert.Equal(30, transport.Sent.Count);
        Assert.Equal(2, transport.MaxConcurrentFor("a.test"));
        Assert.Equal(2, transport.MaxConcurrentFor("b.test"));
        Assert.Equal(3, transport.MaxConcurrent);
        Assert.All(transport.MessagesPerConnection.Values, n => Assert.InRange(n, 1, 3));
    }

    [Fact]
    public async Task One_connection_carries_several_messages_for_its_destination()
    {
        var transport = new QueueScriptedTransport();
        var options = FastOptions();
        options.MaxConnectionsPerDestination = 2;
        options.MaxMessagesPerConnection = 10;
        using var queue = NewQueue(transport, options);
        for (int i = 0; i < 20; i++) await Enqueue(queue, Message($"x{i}@a.test", $"z{i}@a.test"));
        queue.Start();
        await Idle(queue);
        Assert.Equal(20, transport.Sent.Count); // one transaction per message, both recipients in it
        Assert.All(transport.Sent, s => Assert.Equal(2, s.Recipients.Length));
        Assert.InRange(transport.Connections, 2, 4);
        Assert.Equal(20, transport.MessagesPerConnection.Values.Sum());
    }

    [Fact]
    public async Task Messages_arriving_one_by_one_share_a_connection_kept_open_a_moment()
    {
        var transport = new QueueScriptedTransport();
        using var queue = NewQueue(transport);
        queue.Start();
        for (int i = 0; i < 5; i++)
        {
            await Enqueue(queue, Message($"r{i}@a.test"));
            await Task.Delay(50);
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Idle(queue);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), "an idle connection is not work in progress");
        Assert.Equal(5, transport.Sent.Count);
        Assert.Equal(1, transport.Connections);
    }

    [Fact]
    public async Task An_idle_connection_makes_room_when_another_destination_needs_the_only_slot()
    {
        var transport = new QueueScriptedTransport();
        var options = FastOptions();
        options.MaxConnections = 1;
        using var queue = NewQueue(transport, options);
        queue.ConnectionIdleTime = TimeSpan.FromSeconds(30);
        queue.Start();
        await Enqueue(queue, Message("r@a.test"));
        await Idle(queue);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Enqueue(queue, Message("r@b.test"));
        while (transport.Sent.Count < 2 && watch.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(10);
        Assert.Equal(2, transport.Sent.Count);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), "waited for the idle connection's time: " + watch.Elapsed);
        Assert.Equal(1, transport.MaxConcurrent);
    }

    [Fact]
    public async Task A_destination_that_refuses_connections_is_deferred_with_one_attempt_then_delivered_when_back()
    {
        var down = true;
        var transport = new QueueScriptedTransport { ConnectFailure = d => down ? new OutboundConnectException("connection refused by mx.a.test", false) : null };
        var options = FastOptions(60_000);
        options.MaxConnectionsPerDestination = 1;
        using var queue = NewQueue(transport, options);
        var ids = new List<string>();
        for (int i = 0; i < 5; i++) { var m = Message($"r{i}@a.test"); ids.Add(m.Id); await Enqueue(queue, m); }
        queue.Start();
        await Idle(queue);
        Assert.Equal(1, transport.ConnectAttempts);
        foreach (var id in ids)
        {
            var r = queue.GetMessages().Single(m => m.Id == id).Recipients[0];
            Assert.Equal(QueueRecipientStatus.Deferred, r.Status);
            Assert.Equal("451 4.4.1 connection refused by mx.a.test", r.LastReply);
        }
        down = false;
        foreach (var id in ids) Assert.True(queue.Resume(id));
        await Idle(queue);
        Assert.Empty(queue.GetMessages());
        Assert.Equal(5, transport.Sent.Count);
    }

    [Fact]
    public async Task A_permanent_connection_failure_fails_every_recipient()
    {
        var transport = new QueueScriptedTransport { ConnectFailure = d => new OutboundConnectException("null MX: a.test accepts no mail", true, "5.1.10") };
        var notices = new QueueRecordingNotices();
        using var queue = NewQueue(transport, notices: notices);
        queue.Start();
        var m = Message("r@a.test", "s@a.test");
        await Enqueue(queue, m);
        await Idle(queue);
        Assert.Empty(queue.GetMessages());
        var notice = Assert.Single(notices.Sent);
        Assert.Equal(new[] { "r@a.test", "s@a.test" }, notice.Recipients);
        Assert.All(notice.Replies, r => Assert.Equal("550 5.1.10 null MX: a.test accepts no mail", r));
    }

    [Fact]
    public async Task Suspended_messages_wait_resume_sends_at_once_and_remove_bounces_only_when_asked()
    {
        var transport = new QueueScriptedTransport();
        var notices = new QueueRecordingNotices();
        var trace = new InMemoryMessageTrace();
        using var queue = NewQueue(transport, FastOptions(60_000), trace: trace, notices: notices);
        var held = Message("h@a.test");
        var bounced = Message("b1@b.test", "b2@b.test");
        var silent = Message("s@c.test");
        foreach (var m in new[] { held, bounced, silent }) await Enqueue(queue, m);
        foreach (var m in new[] { held, bounced, silent }) Assert.True(queue.Suspend(m.Id));
        Assert.False(queue.Suspend("no-such-id"));
        queue.Start();
        await Idle(queue);
        Assert.Equal(0, transport.ConnectAttempts);
        Assert.All(queue.GetDestinations(), d => Assert.Equal(1, d.Suspended));
        Assert.True(queue.GetMessages().All(m => m.Suspended));

        Assert.True(queue.Resume(held.Id));
        await Idle(queue);
        Assert.Equal(1, transport.DeliveriesTo("h@a.test"));

        Assert.True(await queue.RemoveAsync(bounced.Id, bounce: true, CancellationToken.None));
        Assert.True(await queue.RemoveAsync(silent.Id, bounce: false, CancellationToken.None));
        Assert.False(await queue.RemoveAsync(silent.Id, bounce: false, CancellationToken.None));
        Assert.Empty(queue.GetMessages());
        var notice = Assert.Single(notices.Sent);
        Assert.Equal(NoticeKind.Failure, notice.Kind);
        Assert.Equal(bounced.Id, notice.QueueId);
        Assert.Equal(new[] { "b1@b.test", "b2@b.test" }, notice.Recipients);
        Assert.All(notice.Replies, r => Assert.Equal(OutboundQueue.RemovedReply, r));
        Assert.Equal(1, transport.ConnectAttempts);

        var events = trace.Query(new MessageTraceQuery());
        Assert.Equal(4, events.Count(e => e.Status == MessageTraceStatus.Suspended));
        Assert.Contains(events, e => e.Status == MessageTraceStatus.Resumed && e.Recipient == "h@a.test");
        Assert.Equal(3, events.Count(e => e.Status == MessageTraceStatus.Removed));
    }

    [Fact]
    public async Task Resume_retries_a_deferred_recipient_now()
    {
        var answer = 451;
        var transport = new QueueScriptedTransport { Reply = a => Reply(a, answer, answer == 250 ? "2.0.0" : "4.0.0") };
        using var queue = NewQueue(transport, FastOptions(3_600_000));
        queue.Start();
        var m = Message("r@a.test");
        await Enqueue(queue, m);
        await Idle(queue);
        Assert.Equal(QueueRecipientStatus.Deferred, Recipient(queue, m.Id, "r@a.test").Status);
        answer = 250;
        Assert.True(queue.Resume(m.Id));
        await Idle(queue);
        Assert.Empty(queue.GetMessages());
        Assert.Equal(2, transport.Attempts.Count);
    }

    [Fact]
    public async Task Success_and_one_delay_notice_go_when_NOTIFY_asks()
    {
        int round = 0;
        var transport = new QueueScriptedTransport { Reply = a => a.StartsWith("slow") && Volatile.Read(ref round) < 3 ? Reply(a, 451, "4.4.1") : Reply(a, 250, "2.0.0") };
        var notices = new QueueRecordingNotices();
        var options = FastOptions(50);
        options.DelayNoticeAfter = TimeSpan.Zero;
        using var queue = NewQueue(transport, options, notices: notices);
        queue.Start();
        await Enqueue(queue, Message(DsnNotify.Success, "fast@a.test"));
        await Enqueue(queue, Message(DsnNotify.Delay | DsnNotify.Failure, "slow@a.test"));
        await Enqueue(queue, Message(DsnNotify.Never, "slow-never@a.test"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (transport.Attempts.Count(a => a.Address == "slow@a.test") < 2 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Interlocked.Exchange(ref round, 3);
        await Idle(queue);
        while (queue.GetMessages().Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Empty(queue.GetMessages());
        Assert.Single(notices.Sent, n => n.Kind == NoticeKind.Relayed && n.Recipients.SequenceEqual(new[] { "fast@a.test" }));
        Assert.Single(notices.Sent, n => n.Kind == NoticeKind.Delay && n.Recipients.SequenceEqual(new[] { "slow@a.test" }));
        Assert.Equal(2, notices.Sent.Count);
    }

    [Fact]
    public void Destinations_are_the_smarthost_or_the_ascii_domain()
    {
        var transport = new QueueScriptedTransport();
        using var direct = NewQueue(transport);
        Assert.Equal("xn--bcher-kva.example", direct.DestinationOf("User@Bücher.Example"));
        Assert.Equal("b.test", direct.DestinationOf("\"a@x\"@B.Test."));
        Assert.Equal("[127.0.0.1]", direct.DestinationOf("u@[127.0.0.1]"));
        var options = FastOptions();
        options.Smarthost = "Relay.Example:2525";
        using var viaSmarthost = NewQueue(transport, options);
        Assert.Equal("relay.example:2525", viaSmarthost.DestinationOf("u@b.test"));
    }

    [Fact]
    public async Task Stop_cancels_an_attempt_in_flight_promptly_and_leaves_it_pending()
    {
        var transport = new QueueScriptedTransport { SendDelay = TimeSpan.FromSeconds(30) };
        var store = new InMemoryQueueStore();
        var queue = NewQueue(transport, store: store);
        queue.Start();
        var m = Message("r@a.test");
        await Enqueue(queue, m);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (transport.Connections == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await queue.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), "stop took " + watch.Elapsed);
        var saved = Assert.Single(store.Load());
        Assert.Equal(QueueRecipientStatus.Pending, saved.Recipients[0].Status);
        Assert.Equal(0, saved.Recipients[0].Attempts);
        queue.Dispose();
    }

    [Fact]
    public async Task Ids_that_are_not_file_names_are_refused()
    {
        using var queue = NewQueue(new QueueScriptedTransport());
        var bad = new QueueMessage("../x", "a@b.test");
        bad.Recipients.Add(new QueueRecipient("r@a.test"));
        await Assert.ThrowsAsync<ArgumentException>(() => Enqueue(queue, bad));
    }
}
