using MailAdmin.Client;
using MailAdmin.Delivery;
using MailAdmin.Protocols.Smtp;
using Xunit;
using static MailAdmin.Engine.Tests.Delivery.QueueTestKit;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>The queue's scheduler over the real transport, to our SmtpServer as smarthost.</summary>
public class TransportQueueTests
{
    [Fact]
    public async Task The_queue_delivers_defers_and_fails_by_the_peers_replies_over_one_connection()
    {
        await using var peer = await TransportPeer.StartAsync();
        var options = FastOptions(60_000);
        options.HostName = "us.test";
        options.Smarthost = "127.0.0.1:" + peer.Port;
        options.SmarthostSecurity = MailSecurity.None;
        options.Timeout = TimeSpan.FromSeconds(5);
        // One connection at a time, so that the three messages must share it.
        options.MaxConnectionsPerDestination = 1;
        using var queue = NewQueue(new SmtpOutboundTransport(options), options);
        queue.Start();
        var first = Message("ok@peer.test", "full@peer.test", "unknown@peer.test");
        var others = new[] { Message("ok2@peer.test"), Message("ok3@peer.test") };
        await Enqueue(queue, first);
        foreach (var m in others) await Enqueue(queue, m);
        await Idle(queue);

        Assert.Equal(QueueRecipientStatus.Delivered, Recipient(queue, first.Id, "ok@peer.test").Status);
        var full = Recipient(queue, first.Id, "full@peer.test");
        Assert.Equal(QueueRecipientStatus.Deferred, full.Status);
        Assert.StartsWith("452 4.2.2 ", full.LastReply);
        Assert.Equal("127.0.0.1:" + peer.Port, full.RemoteHost);
        var unknown = Recipient(queue, first.Id, "unknown@peer.test");
        Assert.Equal(QueueRecipientStatus.Failed, unknown.Status);
        Assert.StartsWith("550 5.1.1 ", unknown.LastReply);
        Assert.Equal(3, peer.Backend.Messages.Count);
        Assert.True(peer.Backend.Messages.All(m => m.Content.AsSpan().IndexOf(Body()) > 0));
        Assert.Equal(1, peer.Connections);
    }

    [Fact]
    public async Task No_success_notice_of_ours_when_the_next_hop_took_NOTIFY_SUCCESS_on()
    {
        // RFC 3461 §6.2.6.2: relayed to a DSN-capable hop, the request is passed on and that hop
        // (or the final one) reports success; one of ours as well would be a second, wrong "delivered".
        await using var peer = await TransportPeer.StartAsync();
        var options = FastOptions(60_000);
        options.HostName = "us.test";
        options.Smarthost = "127.0.0.1:" + peer.Port;
        options.SmarthostSecurity = MailSecurity.None;
        options.Timeout = TimeSpan.FromSeconds(5);
        var notices = new QueueRecordingNotices();
        using var queue = NewQueue(new SmtpOutboundTransport(options), options, notices: notices);
        queue.Start();
        await Enqueue(queue, Message(DsnNotify.Success | DsnNotify.Failure, "ok@peer.test"));
        await Idle(queue);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (queue.GetMessages().Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(10);

        Assert.Empty(queue.GetMessages());
        var (received, _) = peer.Backend.Single();
        Assert.Equal(DsnNotify.Success | DsnNotify.Failure, Assert.Single(received.Recipients).Notify);
        Assert.Empty(notices.Sent);
    }
}
