using System.Text;
using MailAdmin.Delivery;
using MailAdmin.Protocols.Smtp;
using Xunit;

namespace MailAdmin.Engine.Tests.Hosting;

/// <summary>Loop protection (RFC 5321 §6.3) and notices for local recipients that miss an accepted message.</summary>
public class RelayLoopAndFailureTests
{
    private static string WithReceived(int count, string rcpts) =>
        "EHLO c\nMAIL FROM:<sender@remote.example>\n" + rcpts + "DATA\n"
        + string.Concat(Enumerable.Range(0, count).Select(i => $"Received: from hop{i}.example by hop{i + 1}.example;\n Mon, 1 Jan 2024 10:00:00 +0000\n"))
        + "Message-ID: <loop.1@remote.example>\nSubject: round and round\n\nbody\n.\n";

    private const string Two = "RCPT TO:<alice@example.com>\nRCPT TO:<bob@example.com>\n";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FiftyReceivedLinesCountingOursAreDelivered(bool maildir)
    {
        using var rig = new RelayRig(maildir);
        await rig.AddAsync("alice@example.com");
        await rig.AddAsync("bob@example.com");
        var d = await rig.RunAsync(WithReceived(49, Two));   // + our own Received line = 50
        Assert.Equal(new[] { 250, 250, 250, 250, 354, 250 }, d.Codes);
        Assert.Single(await rig.InboxAsync("alice@example.com"));
        Assert.Single(await rig.InboxAsync("bob@example.com"));
        Assert.Empty(rig.Notices.Sent);
        Assert.Empty(rig.Trace.Of(MessageTraceStatus.Failed));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task FiftyOneAreABounceNotADelivery(bool maildir, bool bdat)
    {
        using var rig = new RelayRig(maildir);
        await rig.AddAsync("alice@example.com");
        await rig.AddAsync("bob@example.com");
        string transcript = WithReceived(50, Two);   // + ours = 51
        if (bdat)
        {
            int at = transcript.IndexOf("DATA\n", StringComparison.Ordinal);
            string content = RelayRig.Crlf(transcript.Substring(at + 5, transcript.Length - at - 5 - 2));
            transcript = RelayRig.Crlf(transcript.Substring(0, at)) + $"BDAT {Encoding.UTF8.GetByteCount(content)} LAST\r\n" + content;
        }
        var d = await rig.RunAsync(transcript);
        Assert.Equal(250, d.Replies.Last().Code);   // accepted: the bounce is ours to send
        Assert.Empty(await rig.InboxAsync("alice@example.com"));
        Assert.Empty(await rig.InboxAsync("bob@example.com"));

        var notice = Assert.Single(rig.Notices.Sent);
        Assert.Equal(NoticeKind.Failure, notice.Kind);
        Assert.Equal("sender@remote.example", notice.Message.Sender);
        Assert.Equal("loop.1@remote.example", notice.Message.MessageId);
        Assert.Equal("round and round", notice.Message.Subject);
        // Headers only, whatever RET said: a loop must not mail a full copy to a forged sender.
        Assert.Equal(DsnReturn.Headers, notice.Message.Ret);
        Assert.Equal(new[] { "alice@example.com", "bob@example.com" }, notice.Recipients.Select(r => r.Address));
        Assert.All(notice.Recipients, r =>
        {
            Assert.Equal(QueueRecipientStatus.Failed, r.Status);
            Assert.StartsWith("554 5.4.6 Routing loop detected: 51 Received", r.LastReply);
        });
        // The original as received: our Received line first, no Delivered-To or Return-Path of ours.
        Assert.StartsWith("Received: from c ([192.0.2.1])", notice.Original);
        Assert.DoesNotContain("Delivered-To:", notice.Original);
        Assert.DoesNotContain("Return-Path:", notice.Original);
        Assert.EndsWith("\r\n\r\nbody\r\n", notice.Original);

        var failed = rig.Trace.Of(MessageTraceStatus.Failed).ToList();
        Assert.Equal(2, failed.Count);
        Assert.All(failed, e => { Assert.Contains("5.4.6", e.Reply); Assert.Equal("routing loop", e.Detail); });
        Assert.Equal(2, rig.Trace.Of(MessageTraceStatus.Received).Count());
        Assert.Empty(rig.Trace.Of(MessageTraceStatus.Delivered));
    }

    /// <summary>The mailbox fills between RCPT and the end of the data: the others get the message, the sender a 5.2.2 notice.</summary>
    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public async Task AMailboxFullAtDeliveryGetsANotice(bool maildir, bool fullFirst)
    {
        using var rig = new RelayRig(maildir);
        await rig.AddAsync("alice@example.com", quota: 3000);
        await rig.AddAsync("bob@example.com");
        var session = rig.Session();
        var driver = new Smtp.SessionDriver(session);
        string rcpts = fullFirst ? Two : "RCPT TO:<bob@example.com>\nRCPT TO:<alice@example.com>\n";
        await driver.FeedAsync(Encoding.UTF8.GetBytes(RelayRig.Crlf("EHLO c\nMAIL FROM:<sender@remote.example>\n" + rcpts)));
        Assert.Equal(new[] { 250, 250, 250, 250 }, driver.Codes);
        await rig.Store.DeliverAsync("alice@example.com", "INBOX", Encoding.ASCII.GetBytes("Subject: filler\r\n\r\n" + new string('x', 2900)), DateTimeOffset.UtcNow);
        await driver.FeedAsync(Encoding.UTF8.GetBytes(RelayRig.Crlf("DATA\nMessage-ID: <m1@remote.example>\nSubject: quarterly\n\n" + new string('y', 500) + "\n.\n")));

        var reply = driver.Replies.Last();
        Assert.Equal(250, reply.Code);
        Assert.Contains("not delivered to alice@example.com (552 5.2.2)", reply.Lines[0]);
        Assert.Single(await rig.InboxAsync("alice@example.com"));   // the filler only
        var bobs = Assert.Single(await rig.InboxAsync("bob@example.com"));
        Assert.StartsWith("Delivered-To: bob@example.com\r\nReturn-Path: <sender@remote.example>\r\n", bobs);

        var notice = Assert.Single(rig.Notices.Sent);
        var failed = Assert.Single(notice.Recipients);
        Assert.Equal("alice@example.com", failed.Address);
        Assert.StartsWith("552 5.2.2", failed.LastReply);
        Assert.StartsWith("Received: from c", notice.Original);
        Assert.Contains("Subject: quarterly", notice.Original);

        var received = rig.Trace.Of(MessageTraceStatus.Received).ToList();
        Assert.Equal(2, received.Count);
        Assert.All(received, e =>
        {
            Assert.Equal("192.0.2.1", e.ClientAddress);
            Assert.Equal("m1@remote.example", e.MessageId);
            Assert.Equal("quarterly", e.Subject);
            Assert.True(e.Size > 500);
            Assert.Equal("sender@remote.example", e.Sender);
        });
        var delivered = Assert.Single(rig.Trace.Of(MessageTraceStatus.Delivered));
        Assert.Equal(("bob@example.com", "INBOX of bob@example.com"), (delivered.Recipient, delivered.Detail));
        var failure = Assert.Single(rig.Trace.Of(MessageTraceStatus.Failed));
        Assert.Equal("alice@example.com", failure.Recipient);
        Assert.StartsWith("552 5.2.2", failure.Reply);
    }

    [Fact]
    public async Task AnAccountRemovedMeanwhileGetsA511Notice()
    {
        using var rig = new RelayRig(maildir: true);
        await rig.AddAsync("alice@example.com");
        await rig.AddAsync("bob@example.com");
        var driver = new Smtp.SessionDriver(rig.Session());
        await driver.FeedAsync(Encoding.UTF8.GetBytes(RelayRig.Crlf("EHLO c\nMAIL FROM:<sender@remote.example> RET=HDRS ENVID=env42\nRCPT TO:<alice@example.com>\nRCPT TO:<bob@example.com> NOTIFY=FAILURE ORCPT=rfc822;bob@old.example\n")));
        await rig.Store.Accounts.RemoveAsync("bob@example.com");
        await driver.FeedAsync(Encoding.UTF8.GetBytes(RelayRig.Crlf("DATA\nSubject: s\n\nb\n.\n")));
        Assert.Equal(250, driver.Replies.Last().Code);
        Assert.Single(await rig.InboxAsync("alice@example.com"));
        var notice = Assert.Single(rig.Notices.Sent);
        Assert.Equal(("env42", DsnReturn.Headers), (notice.Message.EnvelopeId, notice.Message.Ret));
        var bob = Assert.Single(notice.Recipients);
        Assert.Equal(("bob@example.com", DsnNotify.Failure, "rfc822;bob@old.example"), (bob.Address, bob.Notify, bob.OriginalRecipient));
        Assert.StartsWith("550 5.1.1", bob.LastReply);
    }

    [Fact]
    public async Task WhenNobodyGetsItTheClientIsToldAndNoNoticeGoes()
    {
        using var rig = new RelayRig();
        await rig.AddAsync("alice@example.com", quota: 1000);
        var driver = new Smtp.SessionDriver(rig.Session());
        await driver.FeedAsync(Encoding.UTF8.GetBytes(RelayRig.Crlf("EHLO c\nMAIL FROM:<sender@remote.example>\nRCPT TO:<alice@example.com>\nDATA\nSubject: s\n\n" + new string('z', 2000) + "\n.\n")));
        Assert.Equal(552, driver.Replies.Last().Code);
        Assert.Empty(rig.Notices.Sent);
        Assert.Contains("not accepted", Assert.Single(rig.Trace.Of(MessageTraceStatus.Failed)).Detail);
    }
}
