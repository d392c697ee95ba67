using System.Text;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>MULTIAPPEND (RFC 3502) and APPEND's keywords, over a real socket (messages streamed to the store as they arrive).</summary>
public class ImapMultiAppendTests
{
    private static string Literal(string text) => "{" + Encoding.UTF8.GetByteCount(text) + "+}\r\n" + text;

    private static string Mail(string subject, int bodyBytes = 10)
        => "From: user@domain.org\r\nDate: Sat, 24 Mar 2007 23:00:00 +0200\r\nSubject: " + subject + "\r\n\r\n" + new string('b', bodyBytes) + "\r\n";

    [Fact]
    public async Task SeveralMessagesInOneAppendGetConsecutiveUids()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await s.DeliverAsync("already there");
        var validity = s.Store.GetFolderStatus(ImapTestServer.Alice, "INBOX").UidValidity;
        var r = await c.OkAsync("APPEND INBOX (\\Seen $Forwarded) \"24-Mar-2007 23:00:00 +0200\" " + Literal(Mail("mail1")) + " " + Literal(Mail("mail2")) + " () " + Literal(Mail("mail3")));
        Assert.Contains("OK [APPENDUID " + validity + " 2:4] APPEND completed", r[^1]);

        var messages = s.Store.ListMessages(ImapTestServer.Alice, "INBOX");
        Assert.Equal(4, messages.Count);
        Assert.Equal(MailAdmin.Store.MessageFlags.Seen, messages[1].Flags);
        Assert.Equal(new[] { "$Forwarded" }, messages[1].Keywords);
        Assert.Equal(new DateTimeOffset(2007, 3, 24, 21, 0, 0, TimeSpan.Zero), messages[1].InternalDate.ToUniversalTime());
        Assert.Equal(MailAdmin.Store.MessageFlags.None, messages[2].Flags);   // flags go with one message only
        Assert.Empty(messages[3].Keywords);

        await c.OkAsync("SELECT INBOX");
        var subjects = await c.OkAsync("FETCH 2:4 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.Contains("Subject: mail1", subjects[0]);
        Assert.Contains("Subject: mail3", subjects[2]);
    }

    [Fact]
    public async Task AFailureStoresNoneOfTheMessages()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true, user: ImapTestServer.Bob);
        s.Store.DefaultQuota = 3000;   // Bob has no quota of his own: the first message fits, the second does not
        var r = await c.CommandAsync("APPEND INBOX " + Literal(Mail("fits", 1000)) + " " + Literal(Mail("too much", 2500)));
        Assert.Contains(" NO [OVERQUOTA] ", r[^1]);
        Assert.Empty(s.Store.ListMessages(ImapTestServer.Bob, "INBOX"));
        Assert.Equal(0, await s.Store.GetUsedBytesAsync(ImapTestServer.Bob));

        // A syntax error after the first message: BAD, nothing stored either.
        r = await c.CommandAsync("APPEND INBOX " + Literal(Mail("one")) + " bogus");
        Assert.Contains(" BAD ", r[^1]);
        Assert.Empty(s.Store.ListMessages(ImapTestServer.Bob, "INBOX"));
        Assert.Contains("NO [TRYCREATE]", (await c.CommandAsync("APPEND Nope " + Literal(Mail("one")) + " " + Literal(Mail("two"))))[^1]);
    }

    [Fact]
    public async Task SynchronizingLiteralsAreAskedForOneByOne()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        var one = Mail("sync1");
        var two = Mail("sync2");
        await c.SendAsync("a1 APPEND Sent {" + one.Length + "}\r\n");
        Assert.StartsWith("+", await c.ReadLineAsync());
        await c.SendAsync(one + " (\\Draft) {" + two.Length + "}\r\n");
        Assert.StartsWith("+", await c.ReadLineAsync());
        await c.SendAsync(two + "\r\n");
        var r = await c.ReadUntilTagAsync("a1");
        Assert.Contains("OK [APPENDUID ", r[^1]);
        var sent = s.Store.ListMessages(ImapTestServer.Alice, "Sent");
        Assert.Equal(2, sent.Count);
        Assert.Equal(MailAdmin.Store.MessageFlags.Draft, sent[1].Flags);
    }

    [Fact]
    public async Task MailboxNameAsALiteralIsANameNotAMessage()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("CREATE \"Sent.2026\"");
        var r = await c.OkAsync("APPEND " + Literal("Sent.2026") + " " + Literal(Mail("one")) + " " + Literal(Mail("two")));
        Assert.Contains("[APPENDUID ", r[^1]);
        Assert.Equal(2, s.Store.ListMessages(ImapTestServer.Alice, "Sent.2026").Count);
    }
}
