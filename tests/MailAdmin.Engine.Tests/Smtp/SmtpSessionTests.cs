using System.Net;
using System.Text;
using MailAdmin.Protocols.Smtp;
using Xunit;

namespace MailAdmin.Engine.Tests.Smtp;

public class SmtpSessionTests
{
    private static SmtpSessionSettings Settings(Action<SmtpSessionSettings>? change = null)
    {
        var s = new SmtpSessionSettings { HostName = "mx.test", AuthFailureDelay = TimeSpan.Zero, MaxMessageSize = 10_000 };
        change?.Invoke(s);
        return s;
    }

    private static SmtpSession NewSession(MemoryBackend backend, Action<SmtpSessionSettings>? change = null, bool secure = false)
        => new(Settings(change), backend, new IPEndPoint(IPAddress.Loopback, 40000), secure);

    private static async Task<SessionDriver> Run(string transcript, MemoryBackend? backend = null, Action<SmtpSessionSettings>? change = null, bool secure = false)
        => await SessionDriver.RunAsync(NewSession(backend ?? new MemoryBackend(), change, secure), transcript.Replace("\n", "\r\n").Replace("\r\r\n", "\r\n"));

    private const string Transaction =
        "EHLO client.example\nMAIL FROM:<sender@remote.example>\nRCPT TO:<alice@example.com>\nDATA\nSubject: hi\n\nHello\n..dot\n.\nQUIT\n";

    [Fact]
    public async Task FullTransaction()
    {
        var backend = new MemoryBackend();
        var d = await Run(Transaction, backend);
        Assert.Equal(new[] { 250, 250, 250, 354, 250, 221 }, d.Codes);
        Assert.True(d.Closed);
        var (env, data) = Assert.Single(backend.Messages);
        Assert.Equal("sender@remote.example", env.From);
        Assert.Equal("alice@example.com", Assert.Single(env.Recipients).Address);
        Assert.Equal("client.example", env.HeloName);
        Assert.Equal("ESMTP", env.Protocol);
        string text = Encoding.UTF8.GetString(data);
        Assert.StartsWith("Return-Path: <sender@remote.example>\r\nReceived: from client.example ([127.0.0.1])\r\n\tby mx.test with ESMTP id " + env.Id + "\r\n\tfor <alice@example.com>; ", text);
        Assert.EndsWith("\r\nSubject: hi\r\n\r\nHello\r\n.dot\r\n", text);
    }

    [Fact]
    public async Task TranscriptSplitAtEveryByteGivesTheSameReplies()
    {
        string t = Transaction.Replace("\n", "\r\n");
        var whole = await SessionDriver.RunAsync(NewSession(new MemoryBackend()), t);
        for (int chunk = 1; chunk <= 7; chunk++)
        {
            var backend = new MemoryBackend();
            var d = await SessionDriver.RunAsync(NewSession(backend), t, chunk);
            Assert.Equal(whole.Codes, d.Codes);
            Assert.Single(backend.Messages);
        }
        var random = new Random(7);
        for (int i = 0; i < 50; i++)
        {
            var d = await SessionDriver.RunAsync(NewSession(new MemoryBackend()), t, random: random);
            Assert.Equal(whole.Codes, d.Codes);
        }
    }

    [Fact]
    public async Task EhloAdvertisesExtensions()
    {
        var d = await Run("EHLO c.example\n", change: s => { s.TlsAvailable = true; s.AllowInsecureAuth = true; });
        var lines = d.Replies[0].Lines;
        Assert.Equal("mx.test Hello c.example [127.0.0.1]", lines[0]);
        foreach (var ext in new[] { "PIPELINING", "SIZE 10000", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING", "DSN", "STARTTLS", "AUTH PLAIN LOGIN", "HELP" })
            Assert.Contains(ext, lines);
        Assert.Null(d.Replies[0].EnhancedCode);
    }

    [Fact]
    public async Task AuthIsNotAdvertisedInTheClearByDefault()
    {
        var d = await Run("EHLO c.example\n", change: s => s.TlsAvailable = true);
        Assert.DoesNotContain(d.Replies[0].Lines, l => l.StartsWith("AUTH"));
        var secure = await Run("EHLO c.example\n", change: s => { s.TlsAvailable = true; s.EnableXOAuth2 = true; }, secure: true);
        Assert.Contains("AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER", secure.Replies[0].Lines);
        Assert.DoesNotContain("STARTTLS", secure.Replies[0].Lines);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.example>\n", 503)]                          // before EHLO
    [InlineData("EHLO c\nRCPT TO:<alice@example.com>\n", 250, 503)]       // RCPT before MAIL
    [InlineData("EHLO c\nDATA\n", 250, 503)]                               // DATA before MAIL
    [InlineData("EHLO c\nMAIL FROM:<a@b.example>\nDATA\n", 250, 250, 554)] // DATA without recipients
    [InlineData("EHLO c\nMAIL FROM:<a@b.example>\nMAIL FROM:<a@b.example>\n", 250, 250, 503)]
    [InlineData("EHLO c\nMAIL FROM:<a@b.example>\nRSET\nRCPT TO:<alice@example.com>\n", 250, 250, 250, 503)]
    [InlineData("EHLO c\nMAIL FROM:<a@b.example>\nSTARTTLS\n", 250, 250, 503)]
    [InlineData("VRFY alice\nEXPN staff\nHELP\nNOOP\n", 252, 502, 214, 250)]
    [InlineData("SEND FROM:<a@b.c>\nSOML FROM:<a@b.c>\nSAML FROM:<a@b.c>\nTURN\n", 502, 502, 502, 502)]
    [InlineData("XYZZY\nEHLO c\nRSET now\n", 500, 250, 501)]
    [InlineData("EHLO c\nMAIL FROM:<a@b.example> FOO=bar\n", 250, 555)]
    [InlineData("EHLO c\nMAIL FROM:<a@b.example> SIZE=abc\n", 250, 501)]
    [InlineData("EHLO c\nMAIL FROM:<a@b.example> SIZE=20000\n", 250, 552)]     // early 552 (RFC 1870)
    [InlineData("EHLO c\nMAIL FROM:<a@b.example> BODY=BINARYMIME\n", 250, 501)]
    [InlineData("EHLO c\nMAIL FROM:<a@b.example> BODY=8BITMIME SIZE=100\n", 250, 250)]
    [InlineData("EHLO c\nMAIL FROM:<a@b.example> SIZE=1 SIZE=2\n", 250, 501)]
    [InlineData("HELO c\nMAIL FROM:<a@b.example> SIZE=100\n", 250, 555)]        // no extensions after HELO
    [InlineData("EHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<nobody@example.com>\n", 250, 250, 550)]
    [InlineData("EHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<x@elsewhere.example>\n", 250, 250, 554)]
    [InlineData("EHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<Postmaster>\n", 250, 250, 250)]
    [InlineData("EHLO c\nMAIL FROM:<ünïcode@example.com>\n", 250, 553)]
    [InlineData("EHLO c\nMAIL FROM:<ünïcode@example.com> SMTPUTF8\nRCPT TO:<ünïcode@example.com>\n", 250, 250, 250)]
    [InlineData("EHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<ünïcode@example.com>\n", 250, 250, 553)]
    [InlineData("EHLO c\nAUTH PLAIN\n", 250, 538)]
    [InlineData("EHLO c\nSTARTTLS\n", 250, 454)]
    public async Task Sequences(string transcript, params int[] codes)
    {
        var d = await Run(transcript);
        Assert.Equal(codes, d.Codes);
    }

    [Fact]
    public async Task EnhancedCodesAreSent()
    {
        var d = await Run("EHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<nobody@example.com>\nRCPT TO:<x@else.example>\n");
        Assert.Equal("2.1.0", d.Replies[1].EnhancedCode);
        Assert.Equal("5.1.1", d.Replies[2].EnhancedCode);
        Assert.Equal("5.7.1", d.Replies[3].EnhancedCode);
    }

    [Fact]
    public async Task ExpnCanAnswer252()
    {
        var d = await Run("EXPN staff\n", change: s => s.EnableExpn = true);
        Assert.Equal(new[] { 252 }, d.Codes);
    }

    [Fact]
    public async Task TooManyRecipients()
    {
        var sb = new StringBuilder("EHLO c\nMAIL FROM:<a@b.example>\n");
        for (int i = 0; i < 4; i++) sb.Append("RCPT TO:<alice@example.com>\n");
        var d = await Run(sb.ToString(), change: s => s.MaxRecipients = 3);
        Assert.Equal(new[] { 250, 250, 250, 250, 250, 452 }, d.Codes);
        Assert.Equal("4.5.3", d.Replies[5].EnhancedCode);
    }

    [Fact]
    public async Task TransientRepliesDoNotCountAsErrors()
    {
        var sb = new StringBuilder("EHLO c\nMAIL FROM:<a@b.example>\n");
        for (int i = 0; i < 10; i++) sb.Append("RCPT TO:<alice@example.com>\n");
        sb.Append("DATA\nx\n.\n");
        var backend = new MemoryBackend();
        var d = await Run(sb.ToString(), backend, s => { s.MaxRecipients = 2; s.MaxErrors = 3; });
        Assert.Equal(8, d.Codes.Count(c => c == 452));
        Assert.Equal(250, d.Replies.Last().Code);
        Assert.Equal(2, Assert.Single(backend.Messages).Envelope.Recipients.Count);
    }

    [Fact]
    public async Task TooManyErrorsCloses()
    {
        var d = await Run("BAD1\nBAD2\nBAD3\nNOOP\n", change: s => s.MaxErrors = 2);
        Assert.Equal(new[] { 500, 500, 421 }, d.Codes);
        Assert.True(d.Closed);
    }

    [Fact]
    public async Task LongLineIs500AndSessionSurvives()
    {
        var d = await Run("NOOP " + new string('x', 600) + "\nNOOP\n");
        Assert.Equal(new[] { 500, 250 }, d.Codes);
        Assert.Equal("5.5.2", d.Replies[0].EnhancedCode);
    }

    [Fact]
    public async Task OversizedDataIs552()
    {
        var backend = new MemoryBackend();
        var d = await Run("EHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<alice@example.com>\nDATA\n" + new string('x', 20_000) + "\n.\nNOOP\n", backend);
        Assert.Equal(new[] { 250, 250, 250, 354, 552, 250 }, d.Codes);
        Assert.Empty(backend.Messages);
    }

    [Fact]
    public async Task BareLfInDataIsRejectedNotSplit()
    {
        var backend = new MemoryBackend();
        var s = NewSession(backend);
        var d = await SessionDriver.RunAsync(s,
            "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nbody\n.\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nevil\r\n.\r\nQUIT\r\n");
        Assert.Equal(new[] { 250, 250, 250, 354, 550, 221 }, d.Codes);
        Assert.Equal("5.5.2", d.Replies[4].EnhancedCode);
        Assert.Empty(backend.Messages);
    }

    [Fact]
    public async Task DsnParametersAreCarried()
    {
        var backend = new MemoryBackend();
        var d = await Run("EHLO c\nMAIL FROM:<a@b.example> RET=HDRS ENVID=QQ+2B314\nRCPT TO:<bob@example.com> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;Bob+40example.com\nRCPT TO:<alice@example.com> NOTIFY=NEVER\nDATA\nx\n.\n", backend);
        Assert.Equal(new[] { 250, 250, 250, 250, 354, 250 }, d.Codes);
        var env = Assert.Single(backend.Messages).Envelope;
        Assert.Equal(DsnReturn.Headers, env.Ret);
        Assert.Equal("QQ+314", env.EnvelopeId);
        Assert.Equal(DsnNotify.Success | DsnNotify.Delay, env.Recipients[0].Notify);
        Assert.Equal("rfc822", env.Recipients[0].OriginalRecipientType);
        Assert.Equal("Bob@example.com", env.Recipients[0].OriginalRecipient);
        Assert.Equal(DsnNotify.Never, env.Recipients[1].Notify);
    }

    [Theory]
    [InlineData("RCPT TO:<bob@example.com> NOTIFY=NEVER,SUCCESS")]
    [InlineData("RCPT TO:<bob@example.com> NOTIFY=SOMETIMES")]
    [InlineData("RCPT TO:<bob@example.com> ORCPT=bob@example.com")]
    [InlineData("RCPT TO:<bob@example.com> ORCPT=rfc822;bad+zz")]
    public async Task BadDsnParameters(string rcpt)
    {
        var d = await Run("EHLO c\nMAIL FROM:<a@b.example>\n" + rcpt + "\n");
        Assert.Equal(new[] { 250, 250, 501 }, d.Codes);
    }

    [Fact]
    public async Task BadMailDsnParameters()
    {
        var d = await Run("EHLO c\nMAIL FROM:<a@b.example> RET=ALL\nMAIL FROM:<a@b.example> ENVID=" + new string('a', 101) + "\n");
        Assert.Equal(new[] { 250, 501, 501 }, d.Codes);
    }

    [Fact]
    public async Task Bdat()
    {
        var backend = new MemoryBackend();
        var d = await SessionDriver.RunAsync(NewSession(backend),
            "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nBDAT 12\r\nSubject: x\r\nBDAT 9 LAST\r\n\r\n.body\r\nNOOP\r\n");
        Assert.Equal(new[] { 250, 250, 250, 250, 250, 250 }, d.Codes);
        Assert.EndsWith("\r\nSubject: x\r\n\r\n.body\r\n", backend.Text(0));   // no dot-unstuffing in BDAT
    }

    [Fact]
    public async Task BdatSplitAtEveryByte()
    {
        string t = "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nBDAT 5\r\nHELLOBDAT 0 LAST\r\nQUIT\r\n";
        for (int chunk = 1; chunk < 6; chunk++)
        {
            var backend = new MemoryBackend();
            var d = await SessionDriver.RunAsync(NewSession(backend), t, chunk);
            Assert.Equal(new[] { 250, 250, 250, 250, 250, 221 }, d.Codes);
            Assert.EndsWith("HELLO", backend.Text(0));
        }
    }

    [Fact]
    public async Task BdatAndDataDoNotMix()
    {
        var backend = new MemoryBackend();
        var d = await SessionDriver.RunAsync(NewSession(backend),
            "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nBDAT 3\r\nabcDATA\r\nRSET\r\nBDAT 4 LAST\r\nwxyzNOOP\r\n");
        // BDAT 3: 250; DATA: 503; RSET: 250; BDAT without a transaction: chunk consumed, 503; NOOP still parsed: 250
        Assert.Equal(new[] { 250, 250, 250, 250, 503, 250, 503, 250 }, d.Codes);
        Assert.Empty(backend.Messages);
    }

    [Fact]
    public async Task BdatTooLarge()
    {
        var backend = new MemoryBackend();
        var d = await SessionDriver.RunAsync(NewSession(backend, s => s.MaxMessageSize = 10),
            "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nBDAT 20 LAST\r\n01234567890123456789NOOP\r\n");
        Assert.Equal(new[] { 250, 250, 250, 552, 250 }, d.Codes);
        Assert.Empty(backend.Messages);
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public async Task AuthPlainWithAndWithoutInitialResponse()
    {
        var d = await Run("EHLO c\nAUTH PLAIN " + B64("\0alice\0secret") + "\nAUTH PLAIN\n", secure: true);
        Assert.Equal(new[] { 250, 235, 503 }, d.Codes);
        Assert.Equal("alice", d.Session.AuthenticatedUser);
        d = await Run("EHLO c\nAUTH PLAIN\n" + B64("alice\0alice\0secret") + "\n", secure: true);
        Assert.Equal(new[] { 250, 334, 235 }, d.Codes);
    }

    [Fact]
    public async Task AuthLogin()
    {
        var d = await Run("EHLO c\nAUTH LOGIN\n" + B64("alice") + "\n" + B64("secret") + "\n", secure: true);
        Assert.Equal(new[] { 250, 334, 334, 235 }, d.Codes);
        Assert.Equal("VXNlcm5hbWU6", d.Replies[1].Lines[0]);
        Assert.Equal("UGFzc3dvcmQ6", d.Replies[2].Lines[0]);
        d = await Run("EHLO c\nAUTH LOGIN " + B64("alice") + "\n" + B64("wrong") + "\n", secure: true);
        Assert.Equal(new[] { 250, 334, 535 }, d.Codes);
        Assert.Equal("5.7.8", d.Replies[2].EnhancedCode);
    }

    [Fact]
    public async Task AuthCancelAndBadBase64AndMechanisms()
    {
        var d = await Run("EHLO c\nAUTH LOGIN\n*\nAUTH PLAIN\n!!!notbase64\nAUTH CRAM-MD5\nAUTH XOAUTH2\n", secure: true);
        Assert.Equal(new[] { 250, 334, 501, 334, 501, 504, 504 }, d.Codes);
        Assert.Null(d.Session.AuthenticatedUser);
    }

    [Fact]
    public async Task XOAuth2WhenEnabled()
    {
        var ok = await Run("EHLO c\nAUTH XOAUTH2 " + B64("user=alice\u0001auth=Bearer token123\u0001\u0001") + "\n", change: s => s.EnableXOAuth2 = true, secure: true);
        Assert.Equal(new[] { 250, 235 }, ok.Codes);
        var bad = await Run("EHLO c\nAUTH XOAUTH2 " + B64("user=alice\u0001auth=Bearer nope\u0001\u0001") + "\n", change: s => s.EnableXOAuth2 = true, secure: true);
        Assert.Equal(new[] { 250, 535 }, bad.Codes);
    }

    [Fact]
    public async Task FailedAuthAsksForADelay()
    {
        var s = NewSession(new MemoryBackend(), x => x.AuthFailureDelay = TimeSpan.FromSeconds(3), secure: true);
        await s.ExecuteAsync(SmtpCommandParser.Parse("EHLO c"));
        var r = await s.ExecuteAsync(SmtpCommandParser.Parse("AUTH PLAIN " + B64("\0alice\0bad")));
        Assert.Equal(535, r.Reply!.Code);
        Assert.Equal(TimeSpan.FromSeconds(3), r.Delay);
    }

    [Fact]
    public async Task SubmissionRequiresAuth()
    {
        var d = await Run("EHLO c\nMAIL FROM:<a@b.example>\nAUTH PLAIN " + B64("\0alice\0secret") + "\nMAIL FROM:<a@b.example>\nRCPT TO:<x@elsewhere.example>\n",
            change: s => s.RequireAuthentication = true, secure: true);
        Assert.Equal(new[] { 250, 530, 235, 250, 250 }, d.Codes);   // authenticated relay allowed
        Assert.Equal("5.7.0", d.Replies[1].EnhancedCode);
    }

    [Fact]
    public async Task AuthenticatedRelayCanBeTurnedOff()
    {
        var d = await Run("EHLO c\nAUTH PLAIN " + B64("\0alice\0secret") + "\nMAIL FROM:<a@b.example>\nRCPT TO:<x@elsewhere.example>\n",
            change: s => s.AllowRelayForAuthenticated = false, secure: true);
        Assert.Equal(new[] { 250, 235, 250, 554 }, d.Codes);
    }

    [Fact]
    public async Task StartTlsResetsTheSession()
    {
        var s = NewSession(new MemoryBackend(), x => x.TlsAvailable = true);
        var d = await SessionDriver.RunAsync(s, "EHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@b.example>\r\n");
        Assert.Equal(new[] { 250, 220 }, d.Codes);
        Assert.True(d.StartTls);
        s.OnTlsEstablished();
        Assert.Equal(SmtpState.Connected, s.State);
        var r = await s.ExecuteAsync(SmtpCommandParser.Parse("MAIL FROM:<a@b.example>"));
        Assert.Equal(503, r.Reply!.Code);
        r = await s.ExecuteAsync(SmtpCommandParser.Parse("STARTTLS"));
        Assert.Equal(503, r.Reply!.Code);   // HELO first; and once greeted: TLS already active
        await s.ExecuteAsync(SmtpCommandParser.Parse("EHLO c"));
        r = await s.ExecuteAsync(SmtpCommandParser.Parse("STARTTLS"));
        Assert.Equal(503, r.Reply!.Code);
    }

    [Fact]
    public async Task DeliveryErrorsMapToReplies()
    {
        var d = await Run("EHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<full@example.com>\nDATA\nx\n.\n");
        Assert.Equal(552, d.Replies.Last().Code);
        Assert.Equal("5.2.2", d.Replies.Last().EnhancedCode);
        var backend = new MemoryBackend { DeliverThrows = new IOException("disk gone") };
        d = await Run("EHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<bob@example.com>\nDATA\nx\n.\nMAIL FROM:<a@b.example>\n", backend);
        Assert.Equal(new[] { 250, 250, 250, 354, 451, 250 }, d.Codes);
    }

    [Fact]
    public async Task ProtocolNamesInReceived()
    {
        var backend = new MemoryBackend();
        await Run("EHLO c\nAUTH PLAIN " + B64("\0alice\0secret") + "\nMAIL FROM:<a@b.example> SMTPUTF8\nRCPT TO:<bob@example.com>\nRCPT TO:<alice@example.com>\nDATA\nx\n.\n", backend, secure: true);
        var env = Assert.Single(backend.Messages).Envelope;
        Assert.Equal("UTF8SMTPSA", env.Protocol);
        Assert.Equal("alice", env.AuthenticatedUser);
        Assert.DoesNotContain("\tfor <", backend.Text(0));   // several recipients: no "for" clause
        Assert.Equal("ESMTPSA", SmtpTraceHeaders.ProtocolName(true, false, true, true));
        Assert.Equal("SMTP", SmtpTraceHeaders.ProtocolName(false, false, false, false));
    }

    [Fact]
    public void StateTableCoversEveryCommand()
    {
        foreach (SmtpCommandKind kind in Enum.GetValues<SmtpCommandKind>())
            foreach (var state in new[] { SmtpState.Connected, SmtpState.Greeted, SmtpState.Mail, SmtpState.Rcpt, SmtpState.Bdat })
                _ = SmtpStateTable.IsAllowed(kind, state) ? null : SmtpStateTable.Refusal(kind, state);
        Assert.False(SmtpStateTable.IsAllowed(SmtpCommandKind.Mail, SmtpState.Connected));
        Assert.True(SmtpStateTable.IsAllowed(SmtpCommandKind.Bdat, SmtpState.Bdat));
        Assert.False(SmtpStateTable.IsAllowed(SmtpCommandKind.Data, SmtpState.Bdat));
    }
}
