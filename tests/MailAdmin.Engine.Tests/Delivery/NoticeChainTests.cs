using MailAdmin.Client;
using MailAdmin.Delivery;
using MailAdmin.Store;
using MimeKit;
using Xunit;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>
/// Notices end to end: the real queue and transport deliver to our own SmtpServer as smarthost
/// (TransportPeer: "unknown..." recipients get 550 5.1.1), and the notice sender writes the notice
/// into a local sender's INBOX, or queues it from the null sender so the same transport carries
/// it to a remote sender.
/// </summary>
public sealed class NoticeChainTests : IAsyncDisposable
{
    private readonly InMemoryStore store = new(1000);
    private readonly InMemoryMessageTrace trace = new();
    private TransportPeer? peer;
    private OutboundQueue? queue;

    private async Task<OutboundQueue> StartAsync()
    {
        await store.Accounts.AddAsync("alice@us.test", "pw");
        peer = await TransportPeer.StartAsync();
        var options = Outbound.Options(o => { o.Smarthost = "127.0.0.1:" + peer.Port; o.SmarthostSecurity = MailSecurity.None; });
        queue = new OutboundQueue(options, new InMemoryQueueStore(), new SmtpOutboundTransport(options), trace);
        queue.Notices = new NoticeSender(store, d => d.Equals("us.test", StringComparison.OrdinalIgnoreCase),
            a => a.Equals("alice@us.test", StringComparison.OrdinalIgnoreCase) ? "alice@us.test" : null, queue, trace, "us.test");
        queue.Start();
        return queue;
    }

    public async ValueTask DisposeAsync()
    {
        if (queue != null)
        {
            await queue.StopAsync(CancellationToken.None);
            queue.Dispose();
        }
        if (peer != null) await peer.DisposeAsync();
        store.Dispose();
    }

    private static QueueMessage Message(string sender, params QueueRecipient[] recipients)
    {
        var message = new QueueMessage(OutboundQueue.NewId(), sender) { MessageId = "chain-1@us.test", Subject = "hi", ClientTrusted = true, EnvelopeId = "chain-env" };
        message.Recipients.AddRange(recipients);
        return message;
    }

    private static HeaderList[] Groups(MimeMessage notice)
        => Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(notice.Body)[1]).StatusGroups.ToArray();

    [Fact]
    public async Task ALocalSenderGetsTheNextHopsRefusalInItsInbox()
    {
        var q = await StartAsync();
        await q.EnqueueAsync(Message("alice@us.test",
                new QueueRecipient("unknown1@far.test") { OriginalRecipient = "rfc822;Unknown1@far.test" },
                new QueueRecipient("ok@far.test")),
            new ArrayContent(Outbound.SimpleContent), CancellationToken.None);
        Assert.True(await q.WaitIdleAsync(TimeSpan.FromSeconds(20)), "queue not idle");

        Assert.Equal("ok@far.test", Assert.Single(Assert.Single(peer!.Backend.Messages).Envelope.Recipients).Address);
        var stored = Assert.Single(store.ListMessages("alice@us.test", "INBOX"));
        var notice = MimeMessage.Load(new MemoryStream(await store.ReadMessageAsync("alice@us.test", "INBOX", stored.Uid)));
        var groups = Groups(notice);
        Assert.Equal("dns; us.test", groups[0]["Reporting-MTA"]);
        Assert.Equal("chain-env", groups[0]["Original-Envelope-Id"]);
        var r = Assert.Single(groups.Skip(1));
        Assert.Equal("rfc822; Unknown1@far.test", r["Original-Recipient"]);
        Assert.Equal("rfc822; unknown1@far.test", r["Final-Recipient"]);
        Assert.Equal("failed", r["Action"]);
        Assert.Equal("5.1.1", r["Status"]);
        Assert.Equal("dns; [127.0.0.1]", r["Remote-MTA"]);
        Assert.StartsWith("smtp; 550 5.1.1", r["Diagnostic-Code"]);
        Assert.Equal("chain-1@us.test", notice.InReplyTo);

        var bounced = Assert.Single(trace.Query(new MessageTraceQuery()), e => e.Status == MessageTraceStatus.Bounced);
        Assert.Equal("unknown1@far.test", bounced.Recipient);
    }

    [Fact]
    public async Task ARemoteSendersNoticeTravelsThroughTheQueueFromTheNullSender()
    {
        var q = await StartAsync();
        await q.EnqueueAsync(Message("dave@far.test", new QueueRecipient("unknown2@far.test")), new ArrayContent(Outbound.SimpleContent), CancellationToken.None);
        Assert.True(await q.WaitIdleAsync(TimeSpan.FromSeconds(20)), "queue not idle");

        Assert.Empty(store.ListMessages("alice@us.test", "INBOX"));
        var (envelope, content) = Assert.Single(peer!.Backend.Messages);
        Assert.Equal("", envelope.From);
        Assert.Equal("dave@far.test", Assert.Single(envelope.Recipients).Address);
        var notice = MimeMessage.Load(new MemoryStream(content));
        Assert.Equal("auto-replied", notice.Headers["Auto-Submitted"]);
        var r = Assert.Single(Groups(notice).Skip(1));
        Assert.Equal("rfc822; unknown2@far.test", r["Final-Recipient"]);
        Assert.Equal("5.1.1", r["Status"]);
        Assert.Empty(q.GetMessages());
    }

    [Fact]
    public async Task ANoticeThatBouncesIsNotBouncedAgain()
    {
        var q = await StartAsync();
        // The sender's own domain refuses it: the notice fails at the next hop and, sent from <>, gets no notice of its own.
        await q.EnqueueAsync(Message("unknown-sender@far.test", new QueueRecipient("unknown3@far.test")), new ArrayContent(Outbound.SimpleContent), CancellationToken.None);
        Assert.True(await q.WaitIdleAsync(TimeSpan.FromSeconds(20)), "queue not idle");

        Assert.Empty(peer!.Backend.Messages);
        Assert.Empty(q.GetMessages());
        var events = trace.Query(new MessageTraceQuery());
        Assert.Single(events, e => e.Status == MessageTraceStatus.Bounced);
        Assert.Contains(events, e => e.Status == MessageTraceStatus.Failed && e.Recipient == "unknown-sender@far.test" && e.Sender == "");
    }
}
