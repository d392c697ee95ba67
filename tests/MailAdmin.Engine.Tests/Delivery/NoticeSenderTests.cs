using MailAdmin.Delivery;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Store;
using MimeKit;
using Xunit;
using static MailAdmin.Engine.Tests.Delivery.NoticeBuilderTests;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>
/// <see cref="NoticeSender"/> over a real in-memory store and queue: who gets a notice (local INBOX,
/// the queue from the null sender) and who never does (null sender, forged local sender, NOTIFY),
/// and what the trace says about each.
/// </summary>
public sealed class NoticeSenderTests : IDisposable
{
    private readonly InMemoryStore store = new(1000);
    private readonly InMemoryMessageTrace trace = new();
    private readonly OutboundQueue queue;
    private readonly NoticeSender sender;

    public NoticeSenderTests()
    {
        var options = new DeliveryOptions { HostName = "mx.example.com" };
        queue = new OutboundQueue(options, new InMemoryQueueStore(), new SmtpOutboundTransport(options), trace);
        store.Accounts.AddAsync("alice@example.com", "pw").GetAwaiter().GetResult();
        store.Accounts.AddAsync("off@example.com", "pw", enabled: false).GetAwaiter().GetResult();
        sender = new NoticeSender(store, d => d.Equals("example.com", StringComparison.OrdinalIgnoreCase),
            a => a.Equals("alice@example.com", StringComparison.OrdinalIgnoreCase) || a.Equals("off@example.com", StringComparison.OrdinalIgnoreCase) ? a.ToLowerInvariant() : null,
            queue, trace, "mx.example.com")
        { Clock = () => Now };
    }

    public void Dispose()
    {
        queue.Dispose();
        store.Dispose();
    }

    private Task<bool> Send(NoticeKind kind, QueueMessage message, params QueueRecipient[] recipients)
    {
        message.Recipients.AddRange(recipients);
        return sender.SendAsync(kind, message, recipients, () => new MemoryStream(Original()), CancellationToken.None);
    }

    private IReadOnlyList<StoredMessage> Inbox(string account = "alice@example.com") => store.ListMessages(account, "INBOX");

    private async Task<MimeMessage> OnlyInboxNoticeAsync()
    {
        var stored = Assert.Single(Inbox());
        return MimeMessage.Load(new MemoryStream(await store.ReadMessageAsync("alice@example.com", "INBOX", stored.Uid)));
    }

    private static HeaderList[] RecipientGroups(MimeMessage notice)
        => Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(notice.Body)[1]).StatusGroups.Skip(1).ToArray();

    private List<MessageTraceEvent> Events(MessageTraceStatus status)
        => trace.Query(new MessageTraceQuery()).Where(e => e.Status == status).ToList();

    [Fact]
    public async Task ALocalSenderGetsTheFailureNoticeInItsInbox()
    {
        Assert.True(await Send(NoticeKind.Failure, Message(), Recipient("bob@remote.test", "550 5.1.1 user unknown")));

        var notice = await OnlyInboxNoticeAsync();
        Assert.Equal("<>", notice.Headers["Return-Path"]);
        Assert.Equal("alice@example.com", notice.Headers["Delivered-To"]);
        Assert.Equal("auto-replied", notice.Headers["Auto-Submitted"]);
        Assert.Equal("alice@example.com", Assert.IsType<MailboxAddress>(Assert.Single(notice.To)).Address);
        var r = Assert.Single(RecipientGroups(notice));
        Assert.Equal("rfc822; bob@remote.test", r["Final-Recipient"]);
        Assert.Equal("5.1.1", r["Status"]);
        Assert.Equal("smtp; 550 5.1.1 user unknown", r["Diagnostic-Code"]);

        var bounced = Assert.Single(Events(MessageTraceStatus.Bounced));
        Assert.Equal("Q1", bounced.QueueId);
        Assert.Equal("bob@remote.test", bounced.Recipient);
        Assert.Equal("alice@example.com", bounced.Sender);
        Assert.Contains("failure notice to <alice@example.com>", bounced.Detail);
        Assert.Contains("INBOX", bounced.Detail);
    }

    [Fact]
    public async Task TwoFailedRecipientsGoInOneNoticeWithOneTraceEventEach()
    {
        Assert.True(await Send(NoticeKind.Failure, Message(),
            Recipient("bob@remote.test", "550 5.1.1 no bob", orcpt: "rfc822;bob@remote.test"),
            Recipient("carol@remote.test", "550 5.1.1 no carol")));

        var groups = RecipientGroups(await OnlyInboxNoticeAsync());
        Assert.Equal(new[] { "rfc822; bob@remote.test", "rfc822; carol@remote.test" }, groups.Select(g => g["Final-Recipient"]));
        Assert.Equal(new[] { "bob@remote.test", "carol@remote.test" }, Events(MessageTraceStatus.Bounced).Select(e => e.Recipient).OrderBy(a => a));
    }

    [Fact]
    public async Task TheNullSenderNeverGetsANotice()
    {
        Assert.False(await Send(NoticeKind.Failure, Message(sender: ""), Recipient("bob@remote.test", "550 5.1.1 no")));
        Assert.Empty(Inbox());
        Assert.Empty(Events(MessageTraceStatus.Bounced));
    }

    [Fact]
    public async Task AForgedLocalSenderFromAnUntrustedClientGetsNoNotice()
    {
        var message = Message();
        message.ClientTrusted = false;
        Assert.False(await Send(NoticeKind.Failure, message, Recipient("bob@remote.test", "550 5.1.1 no")));

        Assert.Empty(Inbox());
        Assert.Empty(Events(MessageTraceStatus.Bounced));
        var dropped = Assert.Single(Events(MessageTraceStatus.Failed));
        Assert.Equal("alice@example.com", dropped.Recipient);
        Assert.Contains("not authenticated", dropped.Detail);
    }

    [Fact]
    public async Task ALocalSenderWithoutAMailboxIsDroppedAndTraced()
    {
        Assert.False(await Send(NoticeKind.Failure, Message(sender: "nobody@example.com"), Recipient("bob@remote.test", "550 5.1.1 no")));
        Assert.Empty(Inbox());
        Assert.Contains("no local mailbox", Assert.Single(Events(MessageTraceStatus.Failed)).Detail);
    }

    [Fact]
    public async Task NotifyNeverMeansNoNotice()
    {
        Assert.False(await Send(NoticeKind.Failure, Message(), Recipient("bob@remote.test", "550 5.1.1 no", notify: DsnNotify.Never)));
        Assert.Empty(Inbox());
    }

    [Fact]
    public async Task NotifySuccessOnlyGetsNoFailureNoticeButASuccessNotice()
    {
        Assert.False(await Send(NoticeKind.Failure, Message(), Recipient("bob@remote.test", "550 5.1.1 no", notify: DsnNotify.Success)));
        Assert.Empty(Inbox());

        Assert.True(await Send(NoticeKind.Success, Message(), Recipient("bob@remote.test", "250 2.0.0 ok", notify: DsnNotify.Success)));
        Assert.Equal("delivered", Assert.Single(RecipientGroups(await OnlyInboxNoticeAsync()))["Action"]);
    }

    [Fact]
    public async Task WithoutNotifyFailureAndDelayAreSentButSuccessIsNot()
    {
        Assert.False(await Send(NoticeKind.Success, Message(), Recipient("bob@remote.test", "250 2.0.0 ok")));
        Assert.Empty(Inbox());
        Assert.True(await Send(NoticeKind.Delay, Message(), Recipient("bob@remote.test", "451 4.7.1 later")));
        Assert.Equal("delayed", Assert.Single(RecipientGroups(await OnlyInboxNoticeAsync()))["Action"]);
    }

    [Fact]
    public async Task OnlyTheRecipientsThatAskedAreInTheNotice()
    {
        Assert.True(await Send(NoticeKind.Failure, Message(),
            Recipient("bob@remote.test", "550 5.1.1 no", notify: DsnNotify.Never),
            Recipient("carol@remote.test", "550 5.1.1 no", notify: DsnNotify.Failure | DsnNotify.Delay)));

        Assert.Equal("rfc822; carol@remote.test", Assert.Single(RecipientGroups(await OnlyInboxNoticeAsync()))["Final-Recipient"]);
        Assert.Equal("carol@remote.test", Assert.Single(Events(MessageTraceStatus.Bounced)).Recipient);
    }

    [Theory]
    [InlineData(DsnNotify.Unspecified, NoticeKind.Failure, true)]
    [InlineData(DsnNotify.Unspecified, NoticeKind.Delay, true)]
    [InlineData(DsnNotify.Unspecified, NoticeKind.Success, false)]
    [InlineData(DsnNotify.Unspecified, NoticeKind.Relayed, false)]
    [InlineData(DsnNotify.Success, NoticeKind.Relayed, true)]
    [InlineData(DsnNotify.Never, NoticeKind.Failure, false)]
    [InlineData(DsnNotify.Failure, NoticeKind.Failure, true)]
    [InlineData(DsnNotify.Failure, NoticeKind.Delay, false)]
    [InlineData(DsnNotify.Delay, NoticeKind.Delay, true)]
    [InlineData(DsnNotify.Success | DsnNotify.Failure, NoticeKind.Success, true)]
    [InlineData(DsnNotify.Success | DsnNotify.Failure, NoticeKind.Delay, false)]
    public void NotifyDecidesTheKinds(DsnNotify notify, NoticeKind kind, bool wanted)
        => Assert.Equal(wanted, NoticeSender.Wants(notify, kind));

    [Fact]
    public async Task ANoticeThatCannotBeStoredIsTracedNotThrown()
    {
        Assert.False(await Send(NoticeKind.Failure, Message(sender: "off@example.com"), Recipient("bob@remote.test", "550 5.1.1 no")));
        Assert.Empty(Events(MessageTraceStatus.Bounced));
        Assert.Contains("could not be stored", Assert.Single(Events(MessageTraceStatus.Failed)).Detail);
    }

    [Fact]
    public async Task AnUnreadableOriginalStillGivesANotice()
    {
        var message = Message();
        var rcpt = Recipient("bob@remote.test", "550 5.1.1 no");
        message.Recipients.Add(rcpt);
        Assert.True(await sender.SendAsync(NoticeKind.Failure, message, new[] { rcpt }, () => throw new FileNotFoundException("gone"), CancellationToken.None));

        var report = Assert.IsType<MultipartReport>((await OnlyInboxNoticeAsync()).Body);
        Assert.Equal(2, report.Count);
    }

    [Fact]
    public async Task ARemoteSenderGetsTheNoticeThroughTheQueueFromTheNullSender()
    {
        var message = Message(sender: "dave@elsewhere.test", envid: "E1");
        message.ClientTrusted = false; // a remote sender needs no trust: the notice goes to its own domain
        Assert.True(await Send(NoticeKind.Failure, message, Recipient("bob@remote.test", "550 5.1.1 no")));

        Assert.Empty(Inbox());
        var queued = Assert.Single(queue.GetMessages());
        Assert.Equal("", queued.Sender);
        Assert.True(queued.ClientTrusted);
        Assert.Equal(Now, queued.ReceivedAt);
        Assert.NotEqual("Q1", queued.Id);
        Assert.Equal("dave@elsewhere.test", Assert.Single(queued.Recipients).Address);
        Assert.Equal("Undelivered Mail Returned to Sender", queued.Subject);

        using var content = new MemoryStream();
        using (var stream = queue.Store.OpenContent(queued.Id)) stream.CopyTo(content);
        Assert.Equal(queued.Size, content.Length);
        content.Position = 0;
        var notice = MimeMessage.Load(content);
        Assert.Equal(queued.MessageId, notice.MessageId);
        Assert.Equal("E1", Assert.IsType<MessageDeliveryStatus>(((MultipartReport)notice.Body!)[1]).StatusGroups[0]["Original-Envelope-Id"]);
        Assert.Contains("queued as " + queued.Id, Assert.Single(Events(MessageTraceStatus.Bounced)).Detail);
    }

    [Fact]
    public async Task AQueuedNoticeAsksForSmtpUtf8And8BitMimeOnlyWhenItCarriesUtf8()
    {
        Assert.True(await Send(NoticeKind.Failure, Message(sender: "dave@elsewhere.test"), Recipient("bob@remote.test", "550 5.1.1 no")));
        Assert.True(await Send(NoticeKind.Failure, Message(sender: "jürgen@elsewhere.test", utf8: true), Recipient("bob@remote.test", "550 5.1.1 no")));

        var ascii = queue.GetMessages().Single(m => m.Recipients[0].Address == "dave@elsewhere.test");
        Assert.False(ascii.SmtpUtf8);
        Assert.Equal(SmtpBodyType.SevenBit, ascii.Body);
        var utf8 = queue.GetMessages().Single(m => m.Recipients[0].Address == "jürgen@elsewhere.test");
        Assert.True(utf8.SmtpUtf8);
        Assert.Equal(SmtpBodyType.EightBitMime, utf8.Body);
    }
}
