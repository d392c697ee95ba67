using System.Text;
using MailAdmin.Delivery;
using MailAdmin.Protocols.Smtp;
using MimeKit;
using Xunit;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>
/// RFC 3464 notices built by <see cref="DeliveryStatusNotice"/> and read back with MimeKit's own
/// parser (MultipartReport, MessageDeliveryStatus): the per-message and per-recipient fields, the
/// returned original (whole or headers only), the RFC 6533 types for an SMTPUTF8 original, and the
/// notice's own headers.
/// </summary>
public sealed class NoticeBuilderTests
{
    internal static readonly DateTimeOffset Received = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    internal static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(5);

    internal const string OriginalBody = "The body line that only a full return carries.\r\n";

    internal static byte[] Original(string subject = "Quarterly numbers", string from = "alice@example.com")
        => Encoding.UTF8.GetBytes(
            "From: <" + from + ">\r\n" +
            "To: <bob@remote.test>\r\n" +
            "Subject: " + subject + "\r\n" +
            "Message-ID: <orig-1@example.com>\r\n" +
            "Date: Tue, 01 Dec 2026 08:00:00 +0000\r\n" +
            "\r\n" + OriginalBody);

    internal static QueueMessage Message(string sender = "alice@example.com", DsnReturn ret = DsnReturn.Unspecified, string? envid = null, bool utf8 = false)
        => new("Q1", sender)
        {
            ReceivedAt = Received,
            Ret = ret,
            EnvelopeId = envid,
            SmtpUtf8 = utf8,
            MessageId = "orig-1@example.com",
            Subject = "Quarterly numbers",
            ClientTrusted = true,
        };

    internal static QueueRecipient Recipient(string address, string? reply, string? remoteHost = "mx1.remote.test", string? orcpt = null, DsnNotify notify = DsnNotify.Unspecified)
        => new(address)
        {
            LastReply = reply,
            RemoteHost = remoteHost,
            OriginalRecipient = orcpt,
            Notify = notify,
            LastAttempt = Now.AddMinutes(-1),
            Attempts = 1,
        };

    private static MimeMessage Build(NoticeKind kind, QueueMessage message, byte[]? original, params QueueRecipient[] recipients)
    {
        var notice = DeliveryStatusNotice.Build(kind, message, recipients, original, "mx.example.com", Lifetime, Now);
        return MimeMessage.Load(new MemoryStream(notice.Content));
    }

    private static (MultipartReport Report, HeaderList PerMessage, HeaderList[] PerRecipient) Parts(MimeMessage notice)
    {
        var report = Assert.IsType<MultipartReport>(notice.Body);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        var groups = status.StatusGroups.ToArray();
        return (report, groups[0], groups.Skip(1).ToArray());
    }

    [Fact]
    public void FailureNoticeCarriesTheRemoteReplyAndStatusPerRecipient()
    {
        var notice = Build(NoticeKind.Failure, Message(envid: "env-42"), Original(),
            Recipient("bob@remote.test", "550 5.1.1 <bob@remote.test>: user unknown", orcpt: "rfc822;Bob.Original@remote.test"),
            Recipient("carol@remote.test", "554 transaction failed", remoteHost: "mx2.remote.test"));
        var (report, perMessage, rcpts) = Parts(notice);

        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal(3, report.Count);
        Assert.IsType<TextPart>(report[0]);
        Assert.Equal("dns; mx.example.com", perMessage["Reporting-MTA"]);
        Assert.Equal("env-42", perMessage["Original-Envelope-Id"]);
        Assert.True(MimeKit.Utils.DateUtils.TryParse(perMessage["Arrival-Date"], out var arrival));
        Assert.Equal(Received, arrival);

        Assert.Equal(2, rcpts.Length);
        Assert.Equal("rfc822; Bob.Original@remote.test", rcpts[0]["Original-Recipient"]);
        Assert.Equal("rfc822; bob@remote.test", rcpts[0]["Final-Recipient"]);
        Assert.Equal("failed", rcpts[0]["Action"]);
        Assert.Equal("5.1.1", rcpts[0]["Status"]);
        Assert.Equal("dns; mx1.remote.test", rcpts[0]["Remote-MTA"]);
        Assert.Equal("smtp; 550 5.1.1 <bob@remote.test>: user unknown", rcpts[0]["Diagnostic-Code"]);
        Assert.True(MimeKit.Utils.DateUtils.TryParse(rcpts[0]["Last-Attempt-Date"], out var last));
        Assert.Equal(Now.AddMinutes(-1), last);
        Assert.Null(rcpts[0]["Will-Retry-Until"]);

        // No ORCPT: no Original-Recipient; no enhanced code: the class of the basic one.
        Assert.Null(rcpts[1]["Original-Recipient"]);
        Assert.Equal("rfc822; carol@remote.test", rcpts[1]["Final-Recipient"]);
        Assert.Equal("5.0.0", rcpts[1]["Status"]);
        Assert.Equal("dns; mx2.remote.test", rcpts[1]["Remote-MTA"]);
        Assert.Equal("smtp; 554 transaction failed", rcpts[1]["Diagnostic-Code"]);

        var text = Flat(((TextPart)report[0]).Text);
        Assert.Contains("could not be delivered", text);
        Assert.Contains("bob@remote.test", text);
        Assert.Contains("550 5.1.1 <bob@remote.test>: user unknown", text);
    }

    [Fact]
    public void NoticeHeadersAreAnAutomaticReplyFromTheMailerDaemonToTheSender()
    {
        var notice = Build(NoticeKind.Failure, Message(), Original(), Recipient("bob@remote.test", "550 5.1.1 no"));

        Assert.Equal("auto-replied", notice.Headers["Auto-Submitted"]);
        var from = Assert.IsType<MailboxAddress>(Assert.Single(notice.From));
        Assert.Equal("MAILER-DAEMON@mx.example.com", from.Address);
        Assert.Equal("Mail Delivery System", from.Name);
        Assert.Equal("alice@example.com", Assert.IsType<MailboxAddress>(Assert.Single(notice.To)).Address);
        Assert.Equal("Undelivered Mail Returned to Sender", notice.Subject);
        Assert.Equal(Now, notice.Date);
        Assert.EndsWith("@mx.example.com", notice.MessageId);
        Assert.Equal("orig-1@example.com", notice.InReplyTo);
        Assert.Equal("orig-1@example.com", Assert.Single(notice.References));
        Assert.Equal("multipart/report", notice.Body!.ContentType.MimeType);
    }

    [Fact]
    public void EveryLineEndsInCrlfAndNoLineIsTooLong()
    {
        var content = DeliveryStatusNotice.Build(NoticeKind.Delay, Message(envid: "e"), new[] { Recipient("bob@remote.test", "451 4.7.1 later") },
            Original(), "mx.example.com", Lifetime, Now).Content;
        for (int i = 0; i < content.Length; i++)
            if (content[i] == '\n') Assert.True(i > 0 && content[i - 1] == '\r', "bare LF at " + i);
        Assert.All(Encoding.UTF8.GetString(content).Split("\r\n"), line => Assert.True(line.Length <= 78, line));
    }

    [Fact]
    public void DelayNoticeSaysDelayedAndUntilWhenItIsRetried()
    {
        var message = Message();
        var notice = Build(NoticeKind.Delay, message, Original(), Recipient("bob@remote.test", "451 4.7.1 greylisted, try later"));
        var (report, perMessage, rcpts) = Parts(notice);

        Assert.Equal("Delayed Mail (still being retried)", notice.Subject);
        Assert.Null(perMessage["Original-Envelope-Id"]);
        var r = Assert.Single(rcpts);
        Assert.Equal("delayed", r["Action"]);
        Assert.Equal("4.7.1", r["Status"]);
        Assert.Equal("smtp; 451 4.7.1 greylisted, try later", r["Diagnostic-Code"]);
        Assert.True(MimeKit.Utils.DateUtils.TryParse(r["Will-Retry-Until"], out var until));
        Assert.Equal(Received + Lifetime, until);
        Assert.Contains("not been delivered yet", Flat(((TextPart)report[0]).Text));
        // Without RET a delay notice returns the headers only.
        Assert.IsType<TextRfc822Headers>(report[2]);
    }

    [Fact]
    public void SuccessNoticeSaysDelivered()
    {
        var notice = Build(NoticeKind.Success, Message(), Original(), Recipient("bob@remote.test", "250 2.0.0 Ok: queued as 4711"));
        var (report, _, rcpts) = Parts(notice);

        Assert.Equal("Successful Mail Delivery Report", notice.Subject);
        var r = Assert.Single(rcpts);
        Assert.Equal("delivered", r["Action"]);
        Assert.Equal("2.0.0", r["Status"]);
        Assert.Equal("smtp; 250 2.0.0 Ok: queued as 4711", r["Diagnostic-Code"]);
        Assert.Null(r["Will-Retry-Until"]);
        Assert.Contains("was delivered", Flat(((TextPart)report[0]).Text));
        Assert.IsType<TextRfc822Headers>(report[2]);
    }

    [Fact]
    public void RelayedNoticeSaysRelayed()
    {
        var notice = Build(NoticeKind.Relayed, Message(), Original(), Recipient("bob@remote.test", "250 2.0.0 Ok: queued as 4711"));
        var (report, _, rcpts) = Parts(notice);

        Assert.Equal("Relayed Mail Report", notice.Subject);
        var r = Assert.Single(rcpts);
        Assert.Equal("relayed", r["Action"]);
        Assert.Equal("2.0.0", r["Status"]);
        Assert.Contains("no further notice", Flat(((TextPart)report[0]).Text));
    }

    [Fact]
    public void RetFullReturnsTheWholeOriginal()
    {
        var notice = Build(NoticeKind.Delay, Message(ret: DsnReturn.Full), Original(), Recipient("bob@remote.test", "451 4.4.1 later"));
        var report = Parts(notice).Report;

        var part = Assert.IsType<MessagePart>(report[2]);
        Assert.Equal("message/rfc822", part.ContentType.MimeType);
        Assert.Equal("Quarterly numbers", part.Message!.Subject);
        Assert.Equal("orig-1@example.com", part.Message.MessageId);
        Assert.Contains("only a full return carries", ((TextPart)part.Message.Body!).Text);

        // Byte for byte: the original is written as it was queued, not re-encoded.
        var content = DeliveryStatusNotice.Build(NoticeKind.Delay, Message(ret: DsnReturn.Full), new[] { Recipient("bob@remote.test", "451 4.4.1 later") }, Original(),
            "mx.example.com", Lifetime, Now).Content;
        Assert.True(content.AsSpan().IndexOf(Original()) >= 0);
    }

    [Fact]
    public void RetHdrsReturnsOnlyTheHeadersEvenOfASmallFailedMessage()
    {
        var notice = Build(NoticeKind.Failure, Message(ret: DsnReturn.Headers), Original(), Recipient("bob@remote.test", "550 5.1.1 no"));
        var report = Parts(notice).Report;

        var part = Assert.IsType<TextRfc822Headers>(report[2]);
        Assert.Equal("text/rfc822-headers", part.ContentType.MimeType);
        Assert.Equal("Quarterly numbers", part.Message!.Subject);
        Assert.DoesNotContain("only a full return carries", Encoding.UTF8.GetString(Raw(report[2])));
    }

    [Fact]
    public void WithoutRetAFailureReturnsASmallOriginalWholeAndALargeOneAsHeaders()
    {
        var small = Parts(Build(NoticeKind.Failure, Message(), Original(), Recipient("bob@remote.test", "550 5.1.1 no"))).Report;
        Assert.Equal("message/rfc822", small[2].ContentType.MimeType);
        Assert.Contains("only a full return carries", Encoding.UTF8.GetString(Raw(small[2])));

        var big = Original().Concat(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 1000)))).ToArray();
        Assert.True(big.Length > DeliveryStatusNotice.FullReturnLimit);
        var large = Parts(Build(NoticeKind.Failure, Message(), big, Recipient("bob@remote.test", "550 5.1.1 no"))).Report;
        Assert.Equal("text/rfc822-headers", large[2].ContentType.MimeType);
        Assert.DoesNotContain("only a full return carries", Encoding.UTF8.GetString(Raw(large[2])));
    }

    [Fact]
    public void WithoutTheOriginalTheNoticeHasTwoParts()
    {
        var report = Parts(Build(NoticeKind.Failure, Message(), null, Recipient("bob@remote.test", "550 5.1.1 no"))).Report;
        Assert.Equal(2, report.Count);
    }

    [Fact]
    public void OurOwnWordsAreAnXDiagnosticWithTheKindsStatusClass()
    {
        var notice = Build(NoticeKind.Failure, Message(), Original(), Recipient("bob@remote.test", "connection refused by mx1.remote.test[127.0.0.9]:25", remoteHost: null));
        var r = Assert.Single(Parts(notice).PerRecipient);

        Assert.Equal("5.0.0", r["Status"]);
        Assert.Null(r["Remote-MTA"]);
        Assert.Equal("X-MailAdmin; connection refused by mx1.remote.test[127.0.0.9]:25", r["Diagnostic-Code"]);
    }

    [Fact]
    public void ALocalFailureWithoutRemoteHostStillHasOurSmtpReply()
    {
        var notice = Build(NoticeKind.Failure, Message(), Original(), Recipient("bob@example.com", "552 5.2.2 mailbox full", remoteHost: null));
        var r = Assert.Single(Parts(notice).PerRecipient);

        Assert.Equal("5.2.2", r["Status"]);
        Assert.Null(r["Remote-MTA"]);
        Assert.Equal("smtp; 552 5.2.2 mailbox full", r["Diagnostic-Code"]);
    }

    [Fact]
    public void AMultiLineReplyIsOneDiagnosticLine()
    {
        var notice = Build(NoticeKind.Failure, Message(), Original(), Recipient("bob@remote.test", "550-5.7.1 policy says no\r\n550 5.7.1 see https://remote.test/why"));
        var r = Assert.Single(Parts(notice).PerRecipient);

        Assert.Equal("5.7.1", r["Status"]);
        Assert.Equal("smtp; 550-5.7.1 policy says no 550 5.7.1 see https://remote.test/why", r["Diagnostic-Code"]);
    }

    [Fact]
    public void AnEnvidWithALineBreakCannotAddAField()
    {
        var notice = Build(NoticeKind.Failure, Message(envid: "a\r\nX-Injected: yes"), Original(), Recipient("bob@remote.test", "550 5.1.1 no"));
        var perMessage = Parts(notice).PerMessage;

        Assert.Null(perMessage["X-Injected"]);
        Assert.Equal("a+0D+0AX-Injected: yes", perMessage["Original-Envelope-Id"]);
    }

    [Fact]
    public void AnSmtpUtf8OriginalGetsTheGlobalTypes()
    {
        var original = Original(subject: "Zahlen für das Quartal", from: "jürgen@example.com");
        var message = Message(sender: "jürgen@example.com", utf8: true);
        var notice = Build(NoticeKind.Failure, message, original,
            Recipient("björn@remote.test", "550 5.1.1 unbekannt", orcpt: "utf-8;björn@remote.test"),
            Recipient("bob@remote.test", "550 5.1.1 no"));
        var (report, _, rcpts) = Parts(notice);

        Assert.Equal("global-delivery-status", report.ReportType);
        Assert.Equal("message/global-delivery-status", report[1].ContentType.MimeType);
        Assert.Equal("utf-8; björn@remote.test", rcpts[0]["Final-Recipient"]);
        Assert.Equal("utf-8; björn@remote.test", rcpts[0]["Original-Recipient"]);
        Assert.Equal("rfc822; bob@remote.test", rcpts[1]["Final-Recipient"]);
        Assert.Equal("message/global", report[2].ContentType.MimeType);
        Assert.Contains("Zahlen für das Quartal", Encoding.UTF8.GetString(Raw(report[2])));
        Assert.Equal("jürgen@example.com", Assert.IsType<MailboxAddress>(Assert.Single(notice.To)).Address);
    }

    [Fact]
    public void AnSmtpUtf8OriginalWithRetHdrsReturnsGlobalHeaders()
    {
        var notice = Build(NoticeKind.Failure, Message(sender: "jürgen@example.com", ret: DsnReturn.Headers, utf8: true),
            Original(subject: "Zahlen für das Quartal", from: "jürgen@example.com"), Recipient("bob@remote.test", "550 5.1.1 no"));
        var report = Parts(notice).Report;

        Assert.Equal("message/global-headers", report[2].ContentType.MimeType);
        var raw = Encoding.UTF8.GetString(Raw(report[2]));
        Assert.Contains("Zahlen für das Quartal", raw);
        Assert.DoesNotContain("only a full return carries", raw);
    }

    [Fact]
    public void NonAsciiInAnAsciiNoticeIsXtext()
    {
        var notice = Build(NoticeKind.Failure, Message(envid: "id-ü"), Original(), Recipient("bob@remote.test", "550 5.1.1 no"));
        Assert.Equal("id-+C3+BC", Parts(notice).PerMessage["Original-Envelope-Id"]);
    }

    [Theory]
    [InlineData(NoticeKind.Failure, "550 5.1.1 x", "5.1.1")]
    [InlineData(NoticeKind.Failure, "550 x", "5.0.0")]
    [InlineData(NoticeKind.Failure, "550", "5.0.0")]
    [InlineData(NoticeKind.Delay, "421 4.4.2 closing", "4.4.2")]
    [InlineData(NoticeKind.Delay, "452 too many", "4.0.0")]
    [InlineData(NoticeKind.Delay, "4.4.1 no answer from host", "4.4.1")]
    [InlineData(NoticeKind.Delay, "timed out", "4.0.0")]
    [InlineData(NoticeKind.Success, "250 ok", "2.0.0")]
    [InlineData(NoticeKind.Success, null, "2.0.0")]
    [InlineData(NoticeKind.Failure, null, "5.0.0")]
    public void StatusComesFromTheEnhancedCodeOrTheReplyClass(NoticeKind kind, string? reply, string expected)
        => Assert.Equal(expected, DeliveryStatusNotice.StatusOf(kind, reply));

    [Theory]
    [InlineData("mx1.remote.test", "mx1.remote.test")]
    [InlineData("relay.test:587", "relay.test")]
    [InlineData("127.0.0.1:2525", "[127.0.0.1]")]
    [InlineData("192.0.2.7", "[192.0.2.7]")]
    [InlineData("[2001:db8::1]:25", "[IPv6:2001:db8::1]")]
    [InlineData("2001:db8::1", "[IPv6:2001:db8::1]")]
    public void RemoteMtaIsANameOrAnAddressLiteralWithoutPort(string host, string expected)
        => Assert.Equal(expected, DeliveryStatusNotice.RemoteMtaName(host));

    /// <summary>Text with every run of white space (line ends of the wrapped text) as one space.</summary>
    private static string Flat(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

    /// <summary>The bytes of a part's content as written (decoded for a MimePart, the message for a MessagePart).</summary>
    internal static byte[] Raw(MimeEntity entity)
    {
        using var buffer = new MemoryStream();
        if (entity is MessagePart message) message.Message!.WriteTo(buffer);
        else ((MimePart)entity).Content!.DecodeTo(buffer);
        return buffer.ToArray();
    }
}
