using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using MailAdmin.Hosting;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace MailAdmin.Engine.Tests.Smtp;

/// <summary>Real sockets on 127.0.0.1 with ephemeral ports.</summary>
public class SmtpServerTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private sealed class Fixture : IAsyncDisposable
    {
        public readonly MemoryBackend Backend = new();
        public readonly SmtpServer Server;
        public readonly ConcurrentQueue<ProtocolLogEntry> Log = new();

        public Fixture(Action<SmtpServerOptions>? change = null, params SmtpListenerMode[] modes)
        {
            var options = new SmtpServerOptions
            {
                HostName = "mx.test",
                AuthFailureDelay = TimeSpan.Zero,
                CommandTimeout = TimeSpan.FromSeconds(10),
                DataTimeout = TimeSpan.FromSeconds(10),
                ProtocolLog = Log.Enqueue,
            };
            foreach (var mode in modes.Length == 0 ? new[] { SmtpListenerMode.Smtp } : modes)
                options.Listeners.Add(new SmtpListenerOptions(mode, 0));
            change?.Invoke(options);
            Server = new SmtpServer(options, Backend);
            Server.StartAsync().GetAwaiter().GetResult();
        }

        public int Port(SmtpListenerMode mode = SmtpListenerMode.Smtp) => Server.Endpoints.First(e => e.Mode == mode).Port;

        public async Task<RawClient> ConnectAsync(SmtpListenerMode mode = SmtpListenerMode.Smtp, bool greet = true)
        {
            var c = await RawClient.ConnectAsync(Port(mode));
            if (greet) await c.ExpectAsync("220 mx.test");
            return c;
        }

        public async ValueTask DisposeAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Server.StopAsync(cts.Token);
            Server.Dispose();
        }
    }

    private static void WithTls(SmtpServerOptions o) => o.Certificate = TestCertificates.Localhost;

    [Fact]
    public async Task BindsEphemeralPortsAndDeliversAFullTransaction()
    {
        await using var f = new Fixture();
        Assert.NotEqual(0, f.Port());
        Assert.Equal(IPAddress.Loopback, f.Server.Endpoints[0].EndPoint.Address);
        using var c = await f.ConnectAsync();
        await c.CommandAsync("EHLO client.example", "250-mx.test");
        await c.CommandAsync("MAIL FROM:<sender@remote.example>", "250 2.1.0");
        await c.CommandAsync("RCPT TO:<alice@example.com>", "250 2.1.5");
        await c.CommandAsync("DATA", "354");
        await c.SendAsync("Subject: test\r\n\r\nline one\r\n..dotted\r\n.\r\n");
        await c.ExpectAsync("250 2.0.0");
        await c.CommandAsync("QUIT", "221");
        Assert.True(await c.IsClosedAsync());
        var text = f.Backend.Text(0);
        Assert.Contains("Received: from client.example ([127.0.0.1])\r\n\tby mx.test with ESMTP id ", text);
        Assert.EndsWith("Subject: test\r\n\r\nline one\r\n.dotted\r\n", text);
        Assert.Equal(1, f.Server.Statistics.Messages);
        Assert.True(f.Server.Statistics.Bytes > 20);
    }

    [Fact]
    public async Task PipelinedTransactionsGetAllReplies()
    {
        await using var f = new Fixture();
        using var c = await f.ConnectAsync();
        await c.CommandAsync("EHLO c.example", "250");
        var sb = new StringBuilder();
        for (int i = 0; i < 3; i++)
            sb.Append("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nRCPT TO:<nobody@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n");
        // RFC 2920: the client waits for 354 after DATA; send the first group only.
        await c.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nRCPT TO:<nobody@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n");
        await c.ExpectAsync("250 2.1.0");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("550 5.1.1");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("354");
        // Message end, then the next transaction and a BDAT one in the same packet.
        await c.SendAsync("hello\r\n.\r\nRSET\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<bob@example.com>\r\nBDAT 7 LAST\r\nchunk\r\nQUIT\r\n");
        await c.ExpectAsync("250 2.0.0 OK");
        await c.ExpectAsync("250 2.0.0 Reset");
        await c.ExpectAsync("250 2.1.0");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("250 2.0.0 OK");
        await c.ExpectAsync("221");
        Assert.Equal(2, f.Backend.Messages.Count);
        Assert.Equal(2, f.Backend.Messages.First().Envelope.Recipients.Count);
        Assert.EndsWith("\r\nchunk\r\n", f.Backend.Text(1));
    }

    [Fact]
    public async Task BdatInSeveralChunksAcrossPackets()
    {
        await using var f = new Fixture();
        using var c = await f.ConnectAsync();
        await c.CommandAsync("EHLO c.example", "250");
        await c.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nBDAT 12\r\nSubje");
        await c.ExpectAsync("250");
        await c.ExpectAsync("250");
        await Task.Delay(50);
        await c.SendAsync("ct: x\r\n");
        await c.ExpectAsync("250 2.0.0 Chunk");
        await c.SendAsync("BDAT 6 LAST\r\n\r\nbody");
        await c.ExpectAsync("250 2.0.0 OK");
        Assert.EndsWith("Subject: x\r\n\r\nbody", f.Backend.Text(0));
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\r.\r")]
    [InlineData("\n.\r\n")]
    [InlineData("\r\n.\n")]
    public async Task SmtpSmugglingIsRefused(string fakeEnd)
    {
        await using var f = new Fixture();
        using var c = await f.ConnectAsync();
        await c.CommandAsync("EHLO c.example", "250");
        await c.SendAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n");
        await c.ExpectAsync("250");
        await c.ExpectAsync("250");
        await c.ExpectAsync("354");
        await c.SendAsync("Subject: legit\r\n\r\nbody" + fakeEnd + "MAIL FROM:<evil@x.example>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\nNOOP\r\n");
        await c.ExpectAsync("550 5.5.2");   // one reply for the whole thing: no second transaction
        await c.ExpectAsync("250 2.0.0 OK"); // the NOOP
        Assert.Empty(f.Backend.Messages);
    }

    [Fact]
    public async Task StartTlsDiscardsInjectedCommandsAndResetsState()
    {
        await using var f = new Fixture(WithTls);
        using var c = await f.ConnectAsync();
        var ehlo = await c.CommandAsync("EHLO c.example", "250");
        Assert.Contains("STARTTLS", ehlo);
        Assert.DoesNotContain("AUTH", ehlo);
        // Injection: commands in the same packet as STARTTLS.
        await c.SendAsync("STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\nRCPT TO:<alice@example.com>\r\n");
        await c.ExpectAsync("220 2.0.0");
        await c.UpgradeTlsAsync();
        // The injected MAIL was not carried over: the first reply in TLS is for our own command.
        await c.CommandAsync("RCPT TO:<alice@example.com>", "503 5.5.1");   // EHLO needed again
        var ehlo2 = await c.CommandAsync("EHLO c.example", "250");
        Assert.Contains("AUTH PLAIN LOGIN", ehlo2);
        Assert.DoesNotContain("STARTTLS", ehlo2);
        await c.CommandAsync("RCPT TO:<alice@example.com>", "503 5.5.1");   // no MAIL state either
        await c.CommandAsync("MAIL FROM:<a@b.example>", "250");
        await c.CommandAsync("RCPT TO:<alice@example.com>", "250");
        await c.CommandAsync("DATA", "354");
        await c.SendAsync("x\r\n.\r\n");
        await c.ExpectAsync("250");
        Assert.Equal("ESMTPS", f.Backend.Messages.Single().Envelope.Protocol);
        Assert.Contains(f.Log, e => e.Text.StartsWith("discarded ") && e.Text.Contains("after STARTTLS"));
    }

    [Fact]
    public async Task SubmissionRequiresTlsThenAuth()
    {
        await using var f = new Fixture(WithTls, SmtpListenerMode.Submission);
        using var c = await f.ConnectAsync(SmtpListenerMode.Submission);
        await c.CommandAsync("EHLO c.example", "250");
        await c.CommandAsync("MAIL FROM:<a@b.example>", "530 5.7.0");
        await c.CommandAsync("AUTH PLAIN " + B64("\0alice\0secret"), "538 5.7.11");
        await c.CommandAsync("STARTTLS", "220");
        await c.UpgradeTlsAsync();
        await c.CommandAsync("EHLO c.example", "250");
        await c.CommandAsync("AUTH LOGIN", "334 VXNlcm5hbWU6");
        await c.CommandAsync(B64("alice"), "334 UGFzc3dvcmQ6");
        await c.CommandAsync(B64("secret"), "235 2.7.0");
        await c.CommandAsync("MAIL FROM:<alice@example.com>", "250");
        await c.CommandAsync("RCPT TO:<friend@elsewhere.example>", "250");
        await c.CommandAsync("DATA", "354");
        await c.SendAsync("x\r\n.\r\n");
        await c.ExpectAsync("250");
        Assert.Equal("ESMTPSA", f.Backend.Messages.Single().Envelope.Protocol);
        // Credentials never reach the log.
        Assert.DoesNotContain(f.Log, e => e.Text.Contains(B64("\0alice\0secret")) || e.Text.Contains(B64("secret")));
        Assert.Contains(f.Log, e => e.Text == "AUTH PLAIN <redacted>");
    }

    [Fact]
    public async Task InsecureAuthWhenAllowed()
    {
        await using var f = new Fixture(o => o.AllowInsecureAuth = true, SmtpListenerMode.Submission);
        using var c = await f.ConnectAsync(SmtpListenerMode.Submission);
        var ehlo = await c.CommandAsync("EHLO c.example", "250");
        Assert.Contains("AUTH PLAIN LOGIN", ehlo);
        await c.CommandAsync("AUTH PLAIN", "334");
        await c.CommandAsync(B64("\0alice\0secret"), "235");
    }

    [Fact]
    public async Task ImplicitTls()
    {
        await using var f = new Fixture(WithTls, SmtpListenerMode.Smtps);
        using var c = await f.ConnectAsync(SmtpListenerMode.Smtps, greet: false);
        await c.UpgradeTlsAsync();
        await c.ExpectAsync("220 mx.test");
        var ehlo = await c.CommandAsync("EHLO c.example", "250");
        Assert.Contains("AUTH PLAIN LOGIN", ehlo);
        await c.CommandAsync("MAIL FROM:<a@b.example>", "530");
    }

    [Fact]
    public async Task RelayIsRefused()
    {
        await using var f = new Fixture();
        using var c = await f.ConnectAsync();
        await c.CommandAsync("EHLO c.example", "250");
        await c.CommandAsync("MAIL FROM:<a@b.example>", "250");
        await c.CommandAsync("RCPT TO:<victim@elsewhere.example>", "554 5.7.1");
        await c.CommandAsync("RCPT TO:<nobody@example.com>", "550 5.1.1");
    }

    [Fact]
    public async Task LongLineSizeAndRecipientLimits()
    {
        await using var f = new Fixture(o => { o.MaxMessageSize = 1000; o.MaxRecipients = 2; });
        using var c = await f.ConnectAsync();
        await c.CommandAsync("EHLO c.example", "250");
        await c.CommandAsync("NOOP " + new string('x', 5000), "500 5.5.2");
        await c.CommandAsync("NOOP", "250");   // the session survives
        await c.CommandAsync("MAIL FROM:<a@b.example> SIZE=5000", "552 5.3.4");
        await c.CommandAsync("MAIL FROM:<a@b.example> SIZE=500", "250");
        await c.CommandAsync("RCPT TO:<alice@example.com>", "250");
        await c.CommandAsync("RCPT TO:<bob@example.com>", "250");
        await c.CommandAsync("RCPT TO:<alice@example.com>", "452 4.5.3");
        await c.CommandAsync("DATA", "354");
        await c.SendAsync(new string('y', 3000) + "\r\n.\r\n");
        await c.ExpectAsync("552 5.3.4");
        await c.CommandAsync("MAIL FROM:<a@b.example>", "250");
        await c.CommandAsync("RCPT TO:<alice@example.com>", "250");
        await c.SendAsync("BDAT 2000 LAST\r\n" + new string('z', 2000));   // the reply comes after the chunk
        await c.ExpectAsync("552 5.3.4");
        Assert.Empty(f.Backend.Messages);
    }

    [Fact]
    public async Task TooManyErrorsCloses()
    {
        await using var f = new Fixture(o => o.MaxErrors = 3);
        using var c = await f.ConnectAsync();
        for (int i = 0; i < 3; i++) await c.CommandAsync("BOGUS", "500");
        await c.CommandAsync("BOGUS", "421 4.7.0");
        Assert.True(await c.IsClosedAsync());

        // Pipelined: the 421 must arrive even though unread commands are left when the server closes.
        using var p = await f.ConnectAsync();
        await p.SendAsync(string.Concat(Enumerable.Repeat("BOGUS\r\n", 200)));
        for (int i = 0; i < 3; i++) await p.ExpectAsync("500");
        await p.ExpectAsync("421 4.7.0");
        Assert.True(await p.IsClosedAsync());
    }

    [Fact]
    public async Task CommandAndDataTimeouts()
    {
        await using var f = new Fixture(o => { o.CommandTimeout = TimeSpan.FromMilliseconds(300); o.DataTimeout = TimeSpan.FromMilliseconds(300); });
        using (var c = await f.ConnectAsync())
        {
            await c.ExpectAsync("421 4.4.2");
            Assert.True(await c.IsClosedAsync());
        }
        using (var c = await f.ConnectAsync())
        {
            await c.SendAsync("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n");
            for (int i = 0; i < 3; i++) await c.ExpectAsync("250");
            await c.ExpectAsync("354");
            await c.SendAsync("partial line");
            await c.ExpectAsync("421 4.4.2");
            Assert.True(await c.IsClosedAsync());
        }
        Assert.Empty(f.Backend.Messages);
    }

    [Fact]
    public async Task ConnectionLimits()
    {
        await using (var f = new Fixture(o => o.MaxConnections = 2))
        {
            using var a = await f.ConnectAsync();
            using var b = await f.ConnectAsync();
            using var c = await RawClient.ConnectAsync(f.Port());
            await c.ExpectAsync("421 4.7.0");
            Assert.True(await c.IsClosedAsync());
            Assert.Equal(1, f.Server.Statistics.RejectedConnections);
            Assert.Equal(2, f.Server.Statistics.ActiveSessions);
        }
        await using (var f = new Fixture(o => o.MaxConnectionsPerAddress = 1))
        {
            using var a = await f.ConnectAsync();
            using var c = await RawClient.ConnectAsync(f.Port());
            await c.ExpectAsync("421 4.7.0");
            await a.CommandAsync("QUIT", "221");
            Assert.True(await a.IsClosedAsync());
            // The slot is free again once the first session ended.
            for (int i = 0; i < 50 && f.Server.Statistics.ActiveSessions > 0; i++) await Task.Delay(20);
            using var d = await f.ConnectAsync();
        }
    }

    [Fact]
    public async Task FailedAuthIsDelayedAndCounted()
    {
        await using var f = new Fixture(o => { o.AllowInsecureAuth = true; o.AuthFailureDelay = TimeSpan.FromMilliseconds(400); });
        using var c = await f.ConnectAsync();
        await c.CommandAsync("EHLO c", "250");
        var sw = Stopwatch.StartNew();
        await c.CommandAsync("AUTH PLAIN " + B64("\0alice\0wrong"), "535 5.7.8");
        Assert.True(sw.ElapsedMilliseconds >= 350, "answered after " + sw.ElapsedMilliseconds + " ms");
        Assert.Equal(1, f.Server.Statistics.AuthFailures);
        await c.CommandAsync("AUTH PLAIN " + B64("\0alice\0secret"), "235");
    }

    [Fact]
    public async Task GracefulStop()
    {
        var f = new Fixture();
        var release = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        f.Backend.BeforeDeliver = async () => { started.TrySetResult(); await release.Task; };
        using var idle = await f.ConnectAsync();
        using var busy = await f.ConnectAsync();
        await busy.SendAsync("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n");
        for (int i = 0; i < 3; i++) await busy.ExpectAsync("250");
        await busy.ExpectAsync("354");
        await busy.SendAsync("x\r\n.\r\nNOOP\r\n");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var stop = f.Server.StopAsync();
        await idle.ExpectAsync("421 4.3.2");               // idle session told at once
        Assert.False(stop.IsCompleted);                    // delivery still in progress
        release.SetResult();
        await busy.ExpectAsync("250 2.0.0 OK");            // the delivery completes first
        await busy.ExpectAsync("421 4.3.2");               // then its next command gets 421
        await stop.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Single(f.Backend.Messages);
        Assert.Throws<System.Net.Sockets.SocketException>(() =>
        {
            using var t = new System.Net.Sockets.TcpClient();
            t.Connect(IPAddress.Loopback, f.Port());
        });
        f.Server.Dispose();
    }

    [Fact]
    public async Task MailKitClientInterop()
    {
        await using var f = new Fixture(WithTls, SmtpListenerMode.Smtp, SmtpListenerMode.Submission);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@remote.example"));
        message.To.Add(new MailboxAddress("Alice", "alice@example.com"));
        message.Subject = "Grüße from MailKit";
        message.Body = new TextPart("plain") { Text = "Hello Alice,\r\n.leading dot line\r\nBye\r\n" };

        using (var client = new SmtpClient())
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync("127.0.0.1", f.Port(SmtpListenerMode.Submission), SecureSocketOptions.StartTls);
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Chunking));
            await client.AuthenticateAsync("alice", "secret");
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }
        using (var client = new SmtpClient())
        {
            await client.ConnectAsync("127.0.0.1", f.Port(SmtpListenerMode.Smtp), SecureSocketOptions.None);
            await client.SendAsync(message);
            var ex = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(message, MailboxAddress.Parse("a@b.example"), new[] { MailboxAddress.Parse("nobody@example.com") }));
            Assert.Equal(SmtpStatusCode.MailboxUnavailable, ex.StatusCode);
            await client.DisconnectAsync(true);
        }
        Assert.Equal(2, f.Backend.Messages.Count);
        foreach (var (env, data) in f.Backend.Messages)
        {
            var parsed = MimeMessage.Load(new MemoryStream(data));
            Assert.Equal("Grüße from MailKit", parsed.Subject);
            Assert.Contains(".leading dot line", parsed.TextBody);
            Assert.Equal("sender@remote.example", env.From);
        }
        Assert.Equal("ESMTPSA", f.Backend.Messages.First().Envelope.Protocol);
    }

    /// <summary>A fact skipped (with the reason) when an external client is not installed.</summary>
    private sealed class ToolFactAttribute : FactAttribute
    {
        public ToolFactAttribute(string tool) { if (FindTool(tool) == null) Skip = tool + " not found on PATH"; }
    }

    private static string? FindTool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    private static async Task<(int Exit, string Out, string Err)> RunToolAsync(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(FindTool(tool)!) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stdout = p.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = p.StandardError.ReadToEndAsync(cts.Token);
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [ToolFact("curl")]
    public async Task CurlInterop()
    {
        await using var f = new Fixture(WithTls, SmtpListenerMode.Submission);
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "From: s@remote.example\r\nTo: alice@example.com\r\nSubject: from curl\r\n\r\nHello from curl\r\n.dot line\r\n");
            var r = await RunToolAsync("curl", "-sS", "--url", "smtp://127.0.0.1:" + f.Port(SmtpListenerMode.Submission), "--ssl-reqd", "-k",
                "--mail-from", "s@remote.example", "--mail-rcpt", "alice@example.com", "--user", "alice:secret", "--upload-file", file);
            Assert.True(r.Exit == 0, "curl failed: " + r.Err);
        }
        finally { File.Delete(file); }
        var (env, data) = Assert.Single(f.Backend.Messages);
        Assert.Equal("ESMTPSA", env.Protocol);
        var parsed = MimeMessage.Load(new MemoryStream(data));
        Assert.Equal("from curl", parsed.Subject);
        Assert.Contains(".dot line", parsed.TextBody);
    }

    [ToolFact("swaks")]
    public async Task SwaksInterop()
    {
        await using var f = new Fixture(WithTls, SmtpListenerMode.Submission);
        var r = await RunToolAsync("swaks", "--server", "127.0.0.1", "--port", f.Port(SmtpListenerMode.Submission).ToString(),
            "--from", "s@remote.example", "--to", "bob@example.com", "--tls", "--pipeline",
            "--auth", "LOGIN", "--auth-user", "alice", "--auth-password", "secret", "--header", "Subject: from swaks", "--body", "Hello from swaks");
        Assert.True(r.Exit == 0, "swaks failed: " + r.Out + r.Err);
        var (env, data) = Assert.Single(f.Backend.Messages);
        Assert.Equal("ESMTPSA", env.Protocol);
        Assert.Equal("from swaks", MimeMessage.Load(new MemoryStream(data)).Subject);
    }

    [ToolFact("python3")]
    public async Task PythonSmtplibInterop()
    {
        string python = FindTool("python3")!;
        await using var f = new Fixture(WithTls, SmtpListenerMode.Submission);
        string script = string.Join("\n",
            "import smtplib, ssl, sys",
            "from email.message import EmailMessage",
            "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE",
            "m = EmailMessage(); m['From'] = 'py@remote.example'; m['To'] = 'bob@example.com'; m['Subject'] = 'from python'",
            "m.set_content('Hello from smtplib\\n.dot line\\n')",
            "s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)",
            "s.ehlo(); s.starttls(context=ctx); s.ehlo(); s.login('alice', 'secret')",
            "s.send_message(m)",
            "try:",
            "    s.sendmail('py@remote.example', ['nobody@example.com'], 'Subject: x\\r\\n\\r\\nx\\r\\n')",
            "except smtplib.SMTPRecipientsRefused as e:",
            "    print('refused', e.recipients['nobody@example.com'][0])",
            "s.quit()");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(f.Port(SmtpListenerMode.Submission).ToString());
        using var p = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string stdout = await p.StandardOutput.ReadToEndAsync(cts.Token);
        string stderr = await p.StandardError.ReadToEndAsync(cts.Token);
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, "python failed: " + stderr);
        Assert.Contains("refused 550", stdout);
        var (env, data) = Assert.Single(f.Backend.Messages);
        Assert.Equal("ESMTPSA", env.Protocol);
        var parsed = MimeMessage.Load(new MemoryStream(data));
        Assert.Equal("from python", parsed.Subject);
        Assert.Contains(".dot line", parsed.TextBody);
    }

    [Fact]
    public async Task ProtocolLogFileHasNoSecrets()
    {
        string path = Path.Combine(Path.GetTempPath(), "smtp-log-" + Guid.NewGuid().ToString("N") + ".log");
        try
        {
            using (var log = new ProtocolLogFile(path))
            {
                await using var f = new Fixture(o => { o.AllowInsecureAuth = true; o.ProtocolLog = log.Write; });
                using var c = await f.ConnectAsync();
                await c.CommandAsync("EHLO c", "250");
                await c.CommandAsync("AUTH LOGIN " + B64("alice"), "334");
                await c.CommandAsync(B64("secret"), "235");
                await c.CommandAsync("QUIT", "221");
                await c.IsClosedAsync();
            }
            string text = File.ReadAllText(path);
            Assert.Contains("C: EHLO c", text);
            Assert.Contains("S: 235 2.7.0", text);
            Assert.DoesNotContain(B64("secret"), text);
            Assert.DoesNotContain(B64("alice"), text);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task LargeMessageInRandomWritesArrivesIntact()
    {
        await using var f = new Fixture();
        var random = new Random(1234);
        var wire = new StringBuilder("Subject: big\r\n\r\n");
        var expected = new StringBuilder("Subject: big\r\n\r\n");
        while (wire.Length < 300_000)
        {
            int len = random.Next(0, 200);
            string line = new string((char)('a' + random.Next(26)), len);
            if (random.Next(5) == 0) line = "." + line;        // needs stuffing
            wire.Append(line.StartsWith('.') ? "." + line : line).Append("\r\n");
            expected.Append(line).Append("\r\n");
        }
        var bytes = Encoding.ASCII.GetBytes("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n");
        using var c = await f.ConnectAsync();
        await c.SendAsync(bytes);
        for (int i = 0; i < 3; i++) await c.ExpectAsync("250");
        await c.ExpectAsync("354");
        var data = Encoding.ASCII.GetBytes(wire + ".\r\nNOOP\r\nQUIT\r\n");
        for (int i = 0; i < data.Length;)
        {
            int n = Math.Min(data.Length - i, random.Next(1, 40_000));
            await c.SendAsync(data[i..(i + n)]);
            i += n;
        }
        await c.ExpectAsync("250 2.0.0 OK");
        await c.ExpectAsync("250 2.0.0 OK");
        await c.ExpectAsync("221");
        string text = f.Backend.Text(0);
        Assert.EndsWith(expected.ToString(), text);
        Assert.Equal(expected.Length, text.Length - text.IndexOf("Subject: big", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ByteAtATimeClient()
    {
        await using var f = new Fixture();
        using var c = await f.ConnectAsync();
        var script = Encoding.ASCII.GetBytes("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nBDAT 5 LAST\r\nhelloQUIT\r\n");
        foreach (byte b in script) await c.SendAsync(new[] { b });
        await c.ExpectAsync("250-mx.test");
        await c.ExpectAsync("250 2.1.0");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("250 2.0.0 OK");
        await c.ExpectAsync("221");
        Assert.EndsWith("hello", f.Backend.Text(0));
    }

    [Fact]
    public async Task MailKitXOAuth2()
    {
        await using var f = new Fixture(o => { WithTls(o); o.EnableXOAuth2 = true; }, SmtpListenerMode.Smtps);
        using var client = new SmtpClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", f.Port(SmtpListenerMode.Smtps), SecureSocketOptions.SslOnConnect);
        Assert.Contains("XOAUTH2", client.AuthenticationMechanisms);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(new SaslMechanismOAuth2("alice", "wrong")));
        await client.AuthenticateAsync(new SaslMechanismOAuth2("alice", "token123"));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("alice@example.com"));
        message.To.Add(MailboxAddress.Parse("bob@example.com"));
        message.Subject = "oauth";
        message.Body = new TextPart("plain") { Text = "x" };
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
        Assert.Equal("alice", f.Backend.Messages.Single().Envelope.AuthenticatedUser);
    }

    [Fact]
    public void UnusableConfigurationsAreRefused()
    {
        var submission = new SmtpServerOptions();
        submission.Listeners.Add(new SmtpListenerOptions(SmtpListenerMode.Submission, 0));
        Assert.Throws<ArgumentException>(() => new SmtpServer(submission, new MemoryBackend()));
        submission.AllowInsecureAuth = true;
        new SmtpServer(submission, new MemoryBackend()).Dispose();
        var smtps = new SmtpServerOptions();
        smtps.Listeners.Add(new SmtpListenerOptions(SmtpListenerMode.Smtps, 0));
        Assert.Throws<ArgumentException>(() => new SmtpServer(smtps, new MemoryBackend()));
    }

    [Fact]
    public async Task PortInUseFailsStartAndBindsNothing()
    {
        await using var f = new Fixture();
        var options = new SmtpServerOptions();
        options.Listeners.Add(new SmtpListenerOptions(SmtpListenerMode.Smtp, 0));
        options.Listeners.Add(new SmtpListenerOptions(SmtpListenerMode.Smtp, f.Port()));
        using var second = new SmtpServer(options, new MemoryBackend());
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => second.StartAsync());
        Assert.Empty(second.Endpoints);
        Assert.False(second.IsRunning);
    }
}
