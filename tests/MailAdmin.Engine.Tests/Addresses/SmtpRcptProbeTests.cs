using System.Net;
using System.Net.Sockets;
using System.Text;
using MailAdmin.Addresses;
using Xunit;

namespace MailAdmin.Engine.Tests.Addresses;

/// <summary>
/// SmtpRcptProbe over ProbeConnection, against a scripted SMTP peer that records every byte the
/// probe sends: the dialogue, UTF-8 on the wire for SMTPUTF8, never DATA, and the timeout.
/// (Tests/Test-MailAddress.Tests.ps1 runs it against our real server.)
/// </summary>
public class SmtpRcptProbeTests
{
    /// <summary>Answers each command line with the reply the script gives it (null: stay silent), and keeps what it read.</summary>
    private sealed class ScriptedPeer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly MemoryStream _received = new();
        private readonly Task _run;

        public ScriptedPeer(string greeting, Func<string, string?> reply)
        {
            _listener.Start();
            _run = Task.Run(async () =>
            {
                using var client = await _listener.AcceptTcpClientAsync();
                var stream = client.GetStream();
                async Task Send(string text) => await stream.WriteAsync(Encoding.UTF8.GetBytes(text));
                await Send(greeting);
                var line = new List<byte>();
                var buffer = new byte[1];
                while (await stream.ReadAsync(buffer) == 1)
                {
                    lock (_received) _received.WriteByte(buffer[0]);
                    line.Add(buffer[0]);
                    if (buffer[0] != '\n') continue;
                    var answer = reply(Encoding.UTF8.GetString(line.ToArray()).TrimEnd('\r', '\n'));
                    line.Clear();
                    if (answer == null) { await Task.Delay(TimeSpan.FromSeconds(30)); return; }
                    await Send(answer);
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public async Task<string> ReceivedAsync()
        {
            await Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(5)));
            lock (_received) return Encoding.UTF8.GetString(_received.ToArray());
        }

        public void Dispose() => _listener.Stop();
    }

    private static string Dialogue(string command) => command.Split(' ', ':')[0].ToUpperInvariant() switch
    {
        "EHLO" => "250-mx.test Hello\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n",
        "HELO" => "250 mx.test\r\n",
        "MAIL" => "250 2.1.0 OK\r\n",
        "RCPT" => command.Contains("nobody") ? "550 5.1.1 No such user\r\n" : "250 2.1.5 OK\r\n",
        "RSET" => "250 2.0.0 OK\r\n",
        "QUIT" => "221 2.0.0 Bye\r\n",
        _ => "500 5.5.2 What\r\n",
    };

    private static Task<SmtpProbeResult> Probe(int port, string recipient, bool utf8 = false, int timeoutMs = 5000) =>
        SmtpRcptProbe.ProbeAsync("mx.test", IPAddress.Loopback, port, "", recipient, utf8, "probe.test", TimeSpan.FromMilliseconds(timeoutMs), CancellationToken.None);

    [Fact]
    public async Task Asks_rcpt_with_an_smtputf8_address_in_utf8_and_never_sends_data()
    {
        using var peer = new ScriptedPeer("220 mx.test ESMTP\r\n", Dialogue);
        var result = await Probe(peer.Port, "jürgen@example.com", utf8: true);
        Assert.True(result.Accepted);
        Assert.Equal(250, result.Code);
        Assert.Equal("RCPT", result.Stage);
        Assert.Equal("EHLO probe.test\r\nMAIL FROM:<> SMTPUTF8\r\nRCPT TO:<jürgen@example.com>\r\nRSET\r\nQUIT\r\n", await peer.ReceivedAsync());
    }

    [Fact]
    public async Task A_refused_recipient_is_the_verdict_with_its_code_and_text()
    {
        using var peer = new ScriptedPeer("220 mx.test ESMTP\r\n", Dialogue);
        var result = await Probe(peer.Port, "nobody@example.com");
        Assert.False(result.Accepted);
        Assert.Equal(550, result.Code);
        Assert.Equal("5.1.1 No such user", result.Reply);
        Assert.DoesNotContain("DATA", await peer.ReceivedAsync());
    }

    [Fact]
    public async Task Helo_follows_a_refused_ehlo_and_a_refused_greeting_ends_the_probe()
    {
        using (var peer = new ScriptedPeer("220 old.test\r\n", c => c.StartsWith("EHLO") ? "502 5.5.1 No\r\n" : Dialogue(c)))
        {
            var result = await Probe(peer.Port, "ann@example.com");
            Assert.True(result.Accepted);
            Assert.StartsWith("EHLO probe.test\r\nHELO probe.test\r\nMAIL FROM:<>\r\n", await peer.ReceivedAsync());
        }
        using (var busy = new ScriptedPeer("554-mx.test\r\n554 No service\r\n", Dialogue))
        {
            var result = await Probe(busy.Port, "ann@example.com");
            Assert.Equal(("Greeting", 554, "mx.test\nNo service"), (result.Stage, result.Code, result.Reply));
        }
    }

    [Fact]
    public async Task A_server_that_stops_answering_is_no_verdict_within_the_timeout()
    {
        using var peer = new ScriptedPeer("220 mx.test ESMTP\r\n", c => c.StartsWith("MAIL") ? null : Dialogue(c));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await Probe(peer.Port, "ann@example.com", timeoutMs: 500);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(0, result.Code);
        Assert.Equal("MAIL", result.Stage);
        Assert.Equal("no reply within 0.5 s", result.Reply);
    }

    [Fact]
    public async Task A_closed_port_is_no_verdict_at_connect()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var result = await Probe(port, "ann@example.com");
        Assert.Equal((0, "Connect"), (result.Code, result.Stage));
    }
}
