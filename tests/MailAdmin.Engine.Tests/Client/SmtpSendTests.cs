using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailAdmin.Client;
using MailAdmin.Engine.Tests.Smtp;
using MailAdmin.Hosting;
using MailAdmin.Messages;
using MailKit;
using MimeKit;
using Xunit;
using DeliveryNotificationOptions = System.Net.Mail.DeliveryNotificationOptions;

namespace MailAdmin.Engine.Tests.Client;

/// <summary>The envelope Send-SmtpMessage builds, and the DSN options it maps.</summary>
public class SmtpSendEnvelopeTests
{
    private static MimeMessage Headers(string text) => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n") + "\r\n\r\nbody\r\n")));

    [Fact]
    public void Sender_comes_from_Sender_before_From_and_recipients_from_To_Cc_Bcc_once_each()
    {
        var message = Headers("From: Ann <ann@example.com>\nSender: list@example.com\nTo: bob@example.com, Carol <carol@example.com>\nCc: BOB@example.com\nBcc: dave@example.com");
        var envelope = SmtpSendEnvelope.Create(message, null, null);
        Assert.Equal("list@example.com", envelope.Sender.Address);
        Assert.Equal(new[] { "bob@example.com", "carol@example.com", "dave@example.com" }, envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public void From_alone_is_the_sender()
    {
        var envelope = SmtpSendEnvelope.Create(Headers("From: ann@example.com\nTo: bob@example.com"), null, null);
        Assert.Equal("ann@example.com", envelope.Sender.Address);
    }

    [Fact]
    public void From_and_To_override_the_headers()
    {
        var message = Headers("From: ann@example.com\nTo: bob@example.com\nBcc: dave@example.com");
        var envelope = SmtpSendEnvelope.Create(message, "Bounces <bounces@example.com>", new[] { "x@example.com, y@example.com", "z@example.com" });
        Assert.Equal("bounces@example.com", envelope.Sender.Address);
        Assert.Equal(new[] { "x@example.com", "y@example.com", "z@example.com" }, envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public void A_group_contributes_its_members()
    {
        var envelope = SmtpSendEnvelope.Create(Headers("From: ann@example.com\nTo: team: bob@example.com, carol@example.com;"), null, null);
        Assert.Equal(2, envelope.Recipients.Count);
    }

    [Theory]
    [InlineData("To: bob@example.com", null, null, "sender")]
    [InlineData("From: ann@example.com", null, null, "recipients")]
    [InlineData("From: ann@example.com\nTo: bob@example.com", "not an address", null, "-From")]
    [InlineData("From: ann@example.com\nTo: bob@example.com", null, "@@@", "-To")]
    public void Missing_or_bad_addresses_are_argument_errors(string headers, string? from, string? to, string mentions)
    {
        var error = Assert.Throws<ArgumentException>(() => SmtpSendEnvelope.Create(Headers(headers), from, to == null ? null : new[] { to }));
        Assert.Contains(mentions, error.Message);
    }

    [Fact]
    public void A_header_only_message_gives_its_envelope_without_fetching_the_body()
    {
        var header = Encoding.ASCII.GetBytes("From: ann@example.com\r\nTo: bob@example.com\r\nSubject: lazy\r\n\r\n");
        var fetched = false;
        var message = MailMessage.FromHeader(header, 1000, MessageOrigin.None, () => { fetched = true; return header; });
        var envelope = SmtpSendEnvelope.Create(message, null, null);
        Assert.Equal("bob@example.com", envelope.Recipients.Single().Address);
        Assert.False(fetched);
    }

    [Theory]
    [InlineData(DeliveryNotificationOptions.None, null)]
    [InlineData(DeliveryNotificationOptions.Never, DeliveryStatusNotification.Never)]
    [InlineData(DeliveryNotificationOptions.OnSuccess, DeliveryStatusNotification.Success)]
    [InlineData(DeliveryNotificationOptions.OnFailure | DeliveryNotificationOptions.Delay, DeliveryStatusNotification.Failure | DeliveryStatusNotification.Delay)]
    public void Delivery_notification_options_map_to_DSN_NOTIFY(DeliveryNotificationOptions options, DeliveryStatusNotification? expected)
    {
        Assert.Equal(expected, SmtpSendEnvelope.ToNotify(options));
    }

    [Fact]
    public void Never_stands_alone()
    {
        Assert.Throws<ArgumentException>(() => SmtpSendEnvelope.ToNotify(DeliveryNotificationOptions.Never | DeliveryNotificationOptions.OnFailure));
    }
}

public class SmtpRetryPolicyTests
{
    [Fact]
    public void Waits_double_up_to_the_cap()
    {
        var policy = new SmtpRetryPolicy(10, TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), policy.DelayBefore(1));
        Assert.Equal(TimeSpan.FromSeconds(10), policy.DelayBefore(2));
        Assert.Equal(TimeSpan.FromSeconds(20), policy.DelayBefore(3));
        Assert.Equal(SmtpRetryPolicy.MaxDelay, policy.DelayBefore(40));
    }

    [Theory]
    [InlineData(MailClientFailure.CommandFailed, 451, true)]
    [InlineData(MailClientFailure.CommandFailed, 421, true)]
    [InlineData(MailClientFailure.CommandFailed, 550, false)]
    [InlineData(MailClientFailure.CommandFailed, 552, false)]
    [InlineData(MailClientFailure.ConnectionLost, null, true)]
    [InlineData(MailClientFailure.Timeout, null, true)]
    [InlineData(MailClientFailure.AuthenticationFailed, null, false)]
    [InlineData(MailClientFailure.ConnectFailed, null, false)]
    [InlineData(MailClientFailure.TlsFailed, null, false)]
    public void Only_4xx_and_broken_connections_are_transient(MailClientFailure failure, int? code, bool transient)
    {
        var error = new MailClientException(MailClientProtocol.Smtp, failure, "x", replyCode: code);
        Assert.Equal(transient, SmtpRetryPolicy.IsTransient(error));
    }

    [Fact]
    public async Task RunAsync_retries_transient_failures_then_gives_up()
    {
        var waits = new List<TimeSpan>();
        var policy = new SmtpRetryPolicy(2, TimeSpan.FromSeconds(1)) { Wait = (d, _) => { waits.Add(d); return Task.CompletedTask; } };
        var calls = 0;
        var error = await Assert.ThrowsAsync<MailClientException>(() => policy.RunAsync<int>(_ =>
        {
            calls++;
            throw new MailClientException(MailClientProtocol.Smtp, MailClientFailure.CommandFailed, "busy", replyCode: 421);
        }, null, CancellationToken.None));
        Assert.Equal(3, calls);
        Assert.Equal(new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2) }, waits);
        Assert.Equal(421, error.ReplyCode);

        calls = 0;
        var value = await policy.RunAsync(_ =>
        {
            if (++calls == 1) throw new MailClientException(MailClientProtocol.Smtp, MailClientFailure.Timeout, "slow");
            return Task.FromResult(42);
        }, null, CancellationToken.None);
        Assert.Equal(42, value);

        calls = 0;
        await Assert.ThrowsAsync<MailClientException>(() => policy.RunAsync<int>(_ =>
        {
            calls++;
            throw new MailClientException(MailClientProtocol.Smtp, MailClientFailure.AuthenticationFailed, "no");
        }, null, CancellationToken.None));
        Assert.Equal(1, calls);
    }
}

/// <summary>SmtpMessageSender against our own SMTP server (alice and bob are local; others at example.com are refused 550).</summary>
public class SmtpMessageSenderTests : IAsyncLifetime
{
    private readonly MemoryBackend _backend = new();
    private SmtpServer _server = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        var options = new SmtpServerOptions { HostName = "mx.test", CommandTimeout = TimeSpan.FromSeconds(10), DataTimeout = TimeSpan.FromSeconds(10) };
        options.Listeners.Add(new SmtpListenerOptions(SmtpListenerMode.Smtp, 0));
        _server = new SmtpServer(options, _backend);
        await _server.StartAsync();
        _port = _server.Endpoints.First().Port;
    }

    public async Task DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _server.StopAsync(cts.Token);
        _server.Dispose();
    }

    internal static async Task<SmtpClientSession> ConnectAsync(int port) =>
        (SmtpClientSession)await MailClientConnector.ConnectAsync(
            new MailClientOptions(MailClientProtocol.Smtp, "127.0.0.1") { Port = port, Security = MailSecurity.None, Timeout = TimeSpan.FromSeconds(10) }, null, CancellationToken.None);

    private static MailMessage Compose(string to, string? bcc = null) => MessageBuilder.Build(new MessageSpec
    {
        From = "sender@remote.test",
        To = to.Split(','),
        Bcc = bcc == null ? new List<string>() : new List<string> { bcc },
        Subject = "test",
        Body = "hello",
    });

    [Fact]
    public async Task A_refused_recipient_is_collected_and_the_others_get_the_message()
    {
        using var session = await ConnectAsync(_port);
        var sender = new SmtpMessageSender(session, new SmtpRetryPolicy(0, TimeSpan.Zero), DeliveryNotificationOptions.None);
        var message = Compose("alice@example.com,nobody@example.com", bcc: "bob@example.com");

        var outcome = await sender.SendAsync(message, SmtpSendEnvelope.Create(message, null, null), null, CancellationToken.None);

        Assert.Null(outcome.Failure);
        Assert.Equal(new[] { "alice@example.com", "bob@example.com" }, outcome.Result!.Accepted);
        var refusal = Assert.Single(outcome.Refusals);
        Assert.Equal("nobody@example.com", refusal.Recipient.Address);
        Assert.Equal(550, refusal.Recipient.ReplyCode);
        Assert.Equal(550, refusal.Error.ReplyCode);
        Assert.Equal("SmtpRecipientRefused", refusal.Error.ErrorId);
        Assert.Equal(message.MessageId, outcome.Result.MessageId);
        Assert.StartsWith("2.0.0", outcome.Result.Reply);
        Assert.Equal(1, outcome.Result.Attempts);

        var (envelope, delivered) = Assert.Single(_backend.Messages);
        Assert.Equal(new[] { "alice@example.com", "bob@example.com" }, envelope.Recipients.Select(r => r.Address));
        Assert.DoesNotContain("Bcc:", Encoding.UTF8.GetString(delivered));
        Assert.DoesNotContain("bob@example.com", Encoding.UTF8.GetString(delivered).Split("\r\n\r\n")[0].Split("\r\n").Where(l => !l.StartsWith("Received") && !l.StartsWith(" ") && !l.StartsWith("\t")));
    }

    [Fact]
    public async Task When_every_recipient_is_refused_nothing_is_sent_and_the_session_goes_on()
    {
        using var session = await ConnectAsync(_port);
        var sender = new SmtpMessageSender(session, new SmtpRetryPolicy(2, TimeSpan.Zero), DeliveryNotificationOptions.None);
        var refusedAll = Compose("nobody@example.com,none@example.com");

        var outcome = await sender.SendAsync(refusedAll, SmtpSendEnvelope.Create(refusedAll, null, null), null, CancellationToken.None);
        Assert.Null(outcome.Result);
        Assert.Null(outcome.Failure);
        Assert.Equal(2, outcome.Refusals.Count);
        Assert.All(outcome.Refusals, r => Assert.Contains("not sent", r.Error.Message));
        Assert.Empty(_backend.Messages);

        var good = Compose("alice@example.com");
        var second = await sender.SendAsync(good, SmtpSendEnvelope.Create(good, null, null), null, CancellationToken.None);
        Assert.NotNull(second.Result);
        Assert.Single(_backend.Messages);
    }

    [Fact]
    public async Task A_parsed_message_goes_byte_for_byte_less_its_Bcc()
    {
        const string text =
            "From:   \"Ann\"   <ann@remote.test>\r\n" +
            "To: alice@example.com,\r\n\tbob@example.com\r\n" +
            "Bcc: hidden@example.com,\r\n  alice@example.com\r\n" +
            "Subject:  spaced   subject\r\n" +
            "X-Custom:value-without-space\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: multipart/alternative; boundary=\"==b==\"\r\n" +
            "\r\n" +
            "preamble\r\n" +
            "--==b==\r\n" +
            "Content-Type: text/plain\r\n" +
            "\r\n" +
            ".starts with a dot\r\n" +
            "..and two\r\n" +
            "--==b==\r\n" +
            "Content-Type: text/html; charset=\"utf-8\"\r\n" +
            "Content-Transfer-Encoding: quoted-printable\r\n" +
            "\r\n" +
            "<p>caf=C3=A9</p>\r\n" +
            "--==b==--\r\n" +
            "epilogue\r\n";
        var message = MailMessage.FromBytes(Encoding.ASCII.GetBytes(text));
        using var session = await ConnectAsync(_port);
        var sender = new SmtpMessageSender(session, new SmtpRetryPolicy(0, TimeSpan.Zero), DeliveryNotificationOptions.None);

        var outcome = await sender.SendAsync(message, SmtpSendEnvelope.Create(message, null, null), null, CancellationToken.None);

        Assert.Equal(new[] { "alice@example.com", "bob@example.com" }, outcome.Result!.Accepted);
        Assert.Equal("hidden@example.com", Assert.Single(outcome.Refusals).Recipient.Address);
        var delivered = Encoding.ASCII.GetString(Assert.Single(_backend.Messages).Message);
        var expected = text.Replace("Bcc: hidden@example.com,\r\n  alice@example.com\r\n", "");
        Assert.EndsWith(expected, delivered);
    }

    [Fact]
    public async Task The_callers_message_is_not_changed()
    {
        var message = Compose("alice@example.com", bcc: "bob@example.com");
        var before = message.GetBytes();
        using var session = await ConnectAsync(_port);
        var sender = new SmtpMessageSender(session, new SmtpRetryPolicy(0, TimeSpan.Zero), DeliveryNotificationOptions.OnFailure);
        await sender.SendAsync(message, SmtpSendEnvelope.Create(message, null, null), null, CancellationToken.None);
        Assert.Equal(before, message.GetBytes());
        Assert.Contains("bob@example.com", message.Bcc);
        Assert.Equal("Failure", DsnNotifyOf(_backend));
    }

    private static string DsnNotifyOf(MemoryBackend backend) => backend.Messages.Single().Envelope.Recipients[0].Notify.ToString();
}

/// <summary>Retries, against a scripted server: replies are decided per command by the test.</summary>
public class SmtpMessageSenderRetryTests
{
    /// <summary>
    /// A minimal SMTP server on loopback. <see cref="Rule"/> sees each command (and "DATA-END",
    /// "GREETING") and returns a reply to send instead of the normal one, or null; a reply
    /// ending in "!close" is sent and the connection dropped.
    /// </summary>
    private sealed class ScriptedServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        public readonly ConcurrentQueue<(int Connection, string[] Recipients)> Messages = new();
        public Func<string, string?> Rule = _ => null;
        public int Connections;

        public ScriptedServer()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                var number = Interlocked.Increment(ref Connections);
                _ = Task.Run(() => ServeAsync(client, number));
            }
        }

        private async Task ServeAsync(TcpClient client, int number)
        {
            using var _ = client;
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.Latin1);
            var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
            async Task<bool> Reply(string normal, string? scripted)
            {
                var text = scripted ?? normal;
                var close = text.EndsWith("!close");
                await writer.WriteLineAsync(close ? text[..^6] : text);
                return !close;
            }
            try
            {
                if (!await Reply("220 scripted.test ESMTP", Rule("GREETING"))) return;
                var recipients = new List<string>();
                var mail = false;
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    var scripted = Rule(line);
                    switch (verb)
                    {
                        case "EHLO": await writer.WriteLineAsync("250-scripted.test\r\n250-PIPELINING\r\n250 8BITMIME"); break;
                        case "MAIL":
                            if (scripted == null) { mail = true; recipients.Clear(); }
                            if (!await Reply("250 2.1.0 Ok", scripted)) return;
                            break;
                        case "RCPT":
                            if (!mail) { await Reply("503 5.5.1 MAIL first", null); break; }
                            if (scripted == null) recipients.Add(line.Substring(line.IndexOf('<') + 1).TrimEnd('>'));
                            if (!await Reply("250 2.1.5 Ok", scripted)) return;
                            break;
                        case "DATA":
                            await Reply("354 go ahead", null);
                            while ((line = await reader.ReadLineAsync()) != null && line != ".") { }
                            var end = Rule("DATA-END");
                            if (end == null) Messages.Enqueue((number, recipients.ToArray()));
                            mail = false;
                            if (!await Reply("250 2.0.0 Ok: queued", end)) return;
                            break;
                        case "RSET": mail = false; await Reply("250 Ok", null); break;
                        case "QUIT": await Reply("221 Bye", null); return;
                        default: await Reply("250 Ok", scripted); break;
                    }
                }
            }
            catch (IOException) { }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }

    private static Func<string, string?> Once(Func<string, bool> when, string reply)
    {
        var fired = 0;
        return line => when(line) && Interlocked.Exchange(ref fired, 1) == 0 ? reply : null;
    }

    private static async Task<(SmtpSendOutcome Outcome, List<TimeSpan> Waits)> SendAsync(ScriptedServer server, int retries, params string[] to)
    {
        using var session = await SmtpMessageSenderTests.ConnectAsync(server.Port);
        var waits = new List<TimeSpan>();
        var policy = new SmtpRetryPolicy(retries, TimeSpan.FromSeconds(3)) { Wait = (d, _) => { waits.Add(d); return Task.CompletedTask; } };
        var sender = new SmtpMessageSender(session, policy, DeliveryNotificationOptions.None);
        var message = MessageBuilder.Build(new MessageSpec { From = "a@remote.test", To = to, Subject = "retry", Body = "x" });
        var outcome = await sender.SendAsync(message, SmtpSendEnvelope.Create(message, null, null), null, CancellationToken.None);
        return (outcome, waits);
    }

    [Fact]
    public async Task A_recipient_answered_4xx_is_retried_alone()
    {
        using var server = new ScriptedServer();
        server.Rule = Once(l => l.StartsWith("RCPT TO:<bob@"), "451 4.7.1 greylisted, come back later");
        var (outcome, waits) = await SendAsync(server, 2, "alice@example.com", "bob@example.com");
        Assert.Equal(new[] { "alice@example.com", "bob@example.com" }, outcome.Result!.Accepted);
        Assert.Empty(outcome.Refusals);
        Assert.Equal(2, outcome.Result.Attempts);
        Assert.Equal(new[] { TimeSpan.FromSeconds(3) }, waits);
        Assert.Equal(new[] { new[] { "alice@example.com" }, new[] { "bob@example.com" } }, server.Messages.Select(m => m.Recipients));
    }

    [Fact]
    public async Task A_4xx_after_the_data_sends_again()
    {
        using var server = new ScriptedServer();
        server.Rule = Once(l => l == "DATA-END", "452 4.3.1 out of space");
        var (outcome, _) = await SendAsync(server, 1, "alice@example.com");
        Assert.Equal(2, outcome.Result!.Attempts);
        Assert.Single(server.Messages);
    }

    [Fact]
    public async Task A_421_that_hangs_up_reconnects()
    {
        using var server = new ScriptedServer();
        server.Rule = Once(l => l.StartsWith("MAIL FROM"), "421 4.3.2 shutting down!close");
        var (outcome, _) = await SendAsync(server, 1, "alice@example.com");
        Assert.NotNull(outcome.Result);
        Assert.Equal(2, server.Connections);
        Assert.Equal(2, server.Messages.Single().Connection);
    }

    [Fact]
    public async Task Retries_run_out_with_the_last_reply()
    {
        using var server = new ScriptedServer();
        server.Rule = l => l.StartsWith("MAIL FROM") ? "451 4.3.0 try later" : null;
        var (outcome, waits) = await SendAsync(server, 2, "alice@example.com");
        Assert.Null(outcome.Result);
        Assert.Equal(451, outcome.Failure!.ReplyCode);
        Assert.Equal("SmtpCommandFailed", outcome.Failure.ErrorId);
        Assert.Equal(new[] { TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(6) }, waits);
    }

    [Fact]
    public async Task A_permanent_failure_is_not_retried()
    {
        using var server = new ScriptedServer();
        server.Rule = Once(l => l.StartsWith("MAIL FROM"), "554 5.7.1 rejected");
        var (outcome, waits) = await SendAsync(server, 3, "alice@example.com");
        Assert.Equal(554, outcome.Failure!.ReplyCode);
        Assert.Empty(waits);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task A_later_permanent_failure_counts_against_the_recipients_still_waiting()
    {
        using var server = new ScriptedServer();
        var mails = 0;
        server.Rule = l =>
        {
            if (l.StartsWith("RCPT TO:<bob@") && mails == 1) return "450 4.2.1 mailbox busy";
            if (l.StartsWith("MAIL FROM") && ++mails == 2) return "550 5.7.1 no more from you";
            return null;
        };
        var (outcome, _) = await SendAsync(server, 2, "alice@example.com", "bob@example.com");
        Assert.Null(outcome.Failure);
        Assert.Equal(new[] { "alice@example.com" }, outcome.Result!.Accepted);
        var refusal = Assert.Single(outcome.Refusals);
        Assert.Equal("bob@example.com", refusal.Recipient.Address);
        Assert.Equal(550, refusal.Recipient.ReplyCode);
    }
}
