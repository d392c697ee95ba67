using System.Text;
using MailAdmin.Delivery;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Hosting;

/// <summary>StoreSmtpBackend.DeliverAsync: local recipients to their mailboxes, the others to the queue as one entry.</summary>
public class RelayRoutingTests
{
    private static string Mixed(string rcpts) =>
        "EHLO c\nAUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice@example.com\0secret")) + "\n"
        + "MAIL FROM:<alice@example.com> RET=HDRS ENVID=e-1\n" + rcpts
        + "DATA\nMessage-ID: <mix@example.com>\nSubject: mixed\n\nhello\n.\n";

    [Theory]
    [InlineData(false, "RCPT TO:<carol@remote.example>\nRCPT TO:<bob@example.com>\nRCPT TO:<dan@other.example> NOTIFY=NEVER\nRCPT TO:<alice@example.com>\n")]
    [InlineData(true, "RCPT TO:<carol@remote.example>\nRCPT TO:<bob@example.com>\nRCPT TO:<dan@other.example> NOTIFY=NEVER\nRCPT TO:<alice@example.com>\n")]
    [InlineData(true, "RCPT TO:<bob@example.com>\nRCPT TO:<carol@remote.example>\nRCPT TO:<alice@example.com>\nRCPT TO:<dan@other.example> NOTIFY=NEVER\n")]
    public async Task OneQueueEntryForTheRemoteOnesAndACopyPerLocalOne(bool maildir, string rcpts)
    {
        using var rig = new RelayRig(maildir);
        await rig.AddAsync("alice@example.com");
        await rig.AddAsync("bob@example.com");
        var queue = rig.UseQueue();
        var d = await rig.RunAsync(Mixed(rcpts));
        Assert.Equal(250, d.Replies.Last().Code);
        Assert.DoesNotContain("not delivered", d.Replies.Last().Lines[0]);

        var queued = Assert.Single(queue.GetMessages());
        Assert.Equal(("alice@example.com", "e-1", DsnReturn.Headers, "mixed", "mix@example.com"), (queued.Sender, queued.EnvelopeId, queued.Ret, queued.Subject, queued.MessageId));
        Assert.Equal(new[] { "carol@remote.example", "dan@other.example" }, queued.Recipients.Select(r => r.Address).OrderBy(a => a));
        Assert.Equal(DsnNotify.Never, queued.Recipients.Single(r => r.Address == "dan@other.example").Notify);
        Assert.True(queued.ClientTrusted);
        Assert.Equal("alice@example.com", queued.AuthenticatedUser);
        string content;
        using (var reader = new StreamReader(queue.Store.OpenContent(queued.Id))) content = reader.ReadToEnd();
        Assert.StartsWith("Received: from c ([192.0.2.1])", content);
        Assert.DoesNotContain("Delivered-To", content);
        Assert.DoesNotContain("Return-Path", content);
        Assert.EndsWith("\r\n\r\nhello\r\n", content);
        Assert.Equal(Encoding.UTF8.GetByteCount(content), queued.Size);

        foreach (var who in new[] { "alice@example.com", "bob@example.com" })
        {
            var copy = Assert.Single(await rig.InboxAsync(who));
            Assert.StartsWith("Delivered-To: " + who + "\r\nReturn-Path: <alice@example.com>\r\n", copy);
            Assert.EndsWith(content, copy);
        }
        Assert.Equal(4, rig.Trace.Of(MessageTraceStatus.Received).Count());
        Assert.Equal(2, rig.Trace.Of(MessageTraceStatus.Queued).Count());
        Assert.Equal(2, rig.Trace.Of(MessageTraceStatus.Delivered).Count());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OnlyRemoteRecipients(bool maildir)
    {
        using var rig = new RelayRig(maildir);
        await rig.AddAsync("alice@example.com");
        var queue = rig.UseQueue();
        var d = await rig.RunAsync(Mixed("RCPT TO:<carol@remote.example>\n"));
        Assert.Equal(250, d.Replies.Last().Code);
        var queued = Assert.Single(queue.GetMessages());
        using var reader = new StreamReader(queue.Store.OpenContent(queued.Id));
        Assert.StartsWith("Received: from c", reader.ReadToEnd());
        Assert.Empty(await rig.InboxAsync("alice@example.com"));
    }

    [Fact]
    public async Task AQueueThatCannotStoreFailsTheWholeTransaction()
    {
        using var rig = new RelayRig();
        await rig.AddAsync("alice@example.com");
        rig.UseQueue(new FailingQueueStore());
        var d = await rig.RunAsync(Mixed("RCPT TO:<alice@example.com>\nRCPT TO:<carol@remote.example>\n"));
        var reply = d.Replies.Last();
        Assert.Equal((452, "4.3.1"), (reply.Code, reply.EnhancedCode));
        // Nothing delivered either: the client sends again, to everyone, and nobody gets it twice.
        Assert.Empty(await rig.InboxAsync("alice@example.com"));
    }

    [Fact]
    public async Task ALoopIsQueuedForNobody()
    {
        using var rig = new RelayRig();
        await rig.AddAsync("alice@example.com");
        var queue = rig.UseQueue();
        string loop = string.Concat(Enumerable.Range(0, 60).Select(i => $"Received: by h{i}.example; Mon, 1 Jan 2024 10:00:00 +0000\n"));
        var d = await rig.RunAsync(Mixed("RCPT TO:<carol@remote.example>\n").Replace("DATA\n", "DATA\n" + loop));
        Assert.Equal(250, d.Replies.Last().Code);
        Assert.Empty(queue.GetMessages());
        var notice = Assert.Single(rig.Notices.Sent);
        Assert.True(notice.Message.ClientTrusted);
        Assert.StartsWith("554 5.4.6", Assert.Single(notice.Recipients).LastReply);
    }

    [Fact]
    public async Task WithoutAQueueRemoteRecipientsFail()
    {
        using var rig = new RelayRig();
        await rig.AddAsync("alice@example.com");
        var d = await rig.RunAsync(Mixed("RCPT TO:<alice@example.com>\nRCPT TO:<carol@remote.example>\n"));
        Assert.Contains("not delivered to carol@remote.example (550 5.4.4)", d.Replies.Last().Lines[0]);
        Assert.Single(await rig.InboxAsync("alice@example.com"));
    }

    private sealed class FailingQueueStore : IQueueStore
    {
        public Task AddAsync(QueueMessage message, MessageContent content, CancellationToken cancellationToken) => throw new IOException("No space left on device");
        public IReadOnlyList<QueueMessage> Load() => Array.Empty<QueueMessage>();
        public Stream OpenContent(string id) => throw new FileNotFoundException(id);
        public void Save(QueueMessage message) { }
        public void Delete(string id, bool durable) { }
        public void Dispose() { }
    }
}
