using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using MailAdmin.Hosting;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Hosting;

/// <summary>
/// Slow clients (issue 11 §7): a client that trickles bytes must not hold a connection. The
/// idle timeouts here are long (60 s) so that only the core's deadlines can close the
/// connections within the few seconds each test allows: the login deadline (absolute from
/// connect), the per-command deadline (from a command's first byte) and the content rate (DATA,
/// literals). Each trickle sends one byte every 200 ms, or a whole short command each time.
/// </summary>
public class SlowClientTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(2);
    /// <summary>Deadline plus scheduling slack on a shared 2-core machine; far below the 60 s idle timeout.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(8);

    private static void Deadlines(ServerOptions o)
    {
        o.IdleTimeout = Long;
        o.LoginTimeout = Short;
        o.CommandTimeoutGrace = Short;
        o.MinimumDataRate = 1000;
        o.AuthFailureDelay = TimeSpan.Zero;
        o.AllowInsecureAuth = true;
    }

    private static async Task<SmtpServer> SmtpAsync(SmtpListenerMode mode)
    {
        var o = new SmtpServerOptions { HostName = "mx.test", DataTimeout = Long };
        Deadlines(o);
        o.Listeners.Add(new SmtpListenerOptions(mode, 0));
        var server = new SmtpServer(o, new Smtp.MemoryBackend());
        await server.StartAsync();
        return server;
    }

    private static async Task<IMailStore> StoreAsync()
    {
        var store = new InMemoryStore(1000);
        await store.Accounts.AddAsync("alice@example.com", "secret");
        return store;
    }

    private static async Task<ImapServer> ImapAsync()
    {
        var o = new ImapServerOptions { HostName = "imap.test" };
        Deadlines(o);
        o.Listeners.Add(new ImapListenerOptions(ImapListenerMode.Imap, 0));
        var server = new ImapServer(o, await StoreAsync());
        await server.StartAsync();
        return server;
    }

    private static async Task<Pop3Server> Pop3Async()
    {
        var o = new Pop3ServerOptions { HostName = "pop.test" };
        Deadlines(o);
        o.Listeners.Add(new Pop3ListenerOptions(Pop3ListenerMode.Pop3, 0));
        var server = new Pop3Server(o, await StoreAsync());
        await server.StartAsync();
        return server;
    }

    [Fact]
    public async Task SmtpBeforeAnyTransactionIsDroppedAtTheLoginDeadline()
    {
        using var server = await SmtpAsync(SmtpListenerMode.Smtp);
        await using var c = await Client.ConnectAsync(server.Endpoints[0].Port, "220 ");
        var (elapsed, text) = await c.TrickleAsync("NOOP\r\n", whole: true);
        AssertDropped(elapsed, text, "421 4.4.2");
        Assert.Equal(1, server.Statistics.TimedOut);
    }

    [Fact]
    public async Task SubmissionAfterAuthIsDroppedInsideACommandLine()
    {
        using var server = await SmtpAsync(SmtpListenerMode.Submission);
        await using var c = await Client.ConnectAsync(server.Endpoints[0].Port, "220 ");
        await c.CommandAsync("EHLO client", "250 ");
        await c.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0secret")), "235 ");
        // Waiting longer than the command deadline between commands is fine: only the idle timeout applies there.
        await Task.Delay(Short + TimeSpan.FromSeconds(1));
        await c.CommandAsync("NOOP", "250 ");
        var (elapsed, text) = await c.TrickleAsync("MAIL FROM:<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        AssertDropped(elapsed, text, "421 4.4.2");
    }

    [Fact]
    public async Task SmtpDataBelowTheMinimumRateIsDropped()
    {
        using var server = await SmtpAsync(SmtpListenerMode.Smtp);
        await using var c = await Client.ConnectAsync(server.Endpoints[0].Port, "220 ");
        await c.CommandAsync("EHLO client", "250 ");
        await c.CommandAsync("MAIL FROM:<a@remote.example>", "250 ");
        await c.CommandAsync("RCPT TO:<alice@example.com>", "250 ");
        await c.CommandAsync("DATA", "354 ");
        var (elapsed, text) = await c.TrickleAsync("Subject: slow\r\n\r\n" + new string('x', 200));
        AssertDropped(elapsed, text, "421 4.4.2");
        Assert.Equal(0, server.Statistics.Messages);
    }

    [Fact]
    public async Task SmtpDataAtAGoodRateOutlastsTheGrace()
    {
        using var server = await SmtpAsync(SmtpListenerMode.Smtp);
        await using var c = await Client.ConnectAsync(server.Endpoints[0].Port, "220 ");
        await c.CommandAsync("EHLO client", "250 ");
        await c.CommandAsync("MAIL FROM:<a@remote.example>", "250 ");
        await c.CommandAsync("RCPT TO:<alice@example.com>", "250 ");
        await c.CommandAsync("DATA", "354 ");
        // 4 KiB every 200 ms (20 KiB/s, above 1000 B/s) for twice the grace: never cut off.
        var block = Encoding.ASCII.GetBytes(new string('y', 4094) + "\r\n");
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < Short + Short)
        {
            await c.SendAsync(block);
            await Task.Delay(200);
        }
        await c.CommandAsync(".", "250 ");
        Assert.Equal(1, server.Statistics.Messages);
    }

    [Fact]
    public async Task ImapBeforeLoginIsDroppedAtTheLoginDeadlineThoughBusy()
    {
        using var server = await ImapAsync();
        await using var c = await Client.ConnectAsync(server.Endpoints[0].Port, "* OK");
        var (elapsed, text) = await c.TrickleAsync("a NOOP\r\n", whole: true);
        AssertDropped(elapsed, text, "* BYE");
    }

    [Fact]
    public async Task ImapAfterLoginIsDroppedInsideACommandLine()
    {
        using var server = await ImapAsync();
        await using var c = await Client.ConnectAsync(server.Endpoints[0].Port, "* OK");
        await c.CommandAsync("a LOGIN alice@example.com secret", "a OK");
        await Task.Delay(Short + TimeSpan.FromSeconds(1));   // past the login deadline and the grace: still open
        await c.CommandAsync("b NOOP", "b OK");
        var (elapsed, text) = await c.TrickleAsync("c SELECT INBOXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
        AssertDropped(elapsed, text, "* BYE");
    }

    [Fact]
    public async Task ImapLiteralBelowTheMinimumRateIsDropped()
    {
        using var server = await ImapAsync();
        await using var c = await Client.ConnectAsync(server.Endpoints[0].Port, "* OK");
        await c.CommandAsync("a LOGIN alice@example.com secret", "a OK");
        await c.CommandAsync("b APPEND INBOX {300}", "+ ");
        var (elapsed, text) = await c.TrickleAsync("Subject: slow\r\n\r\n" + new string('x', 280));
        AssertDropped(elapsed, text, "* BYE");
    }

    [Fact]
    public async Task Pop3BeforeLoginIsDroppedAtTheLoginDeadlineThoughBusy()
    {
        using var server = await Pop3Async();
        await using var c = await Client.ConnectAsync(server.Endpoints[0].Port, "+OK");
        var (elapsed, text) = await c.TrickleAsync("CAPA\r\n", whole: true);
        AssertDropped(elapsed, text, "-ERR Autologout");
    }

    [Fact]
    public async Task Pop3AfterLoginIsDroppedInsideACommandLine()
    {
        using var server = await Pop3Async();
        await using var c = await Client.ConnectAsync(server.Endpoints[0].Port, "+OK");
        await c.CommandAsync("USER alice@example.com", "+OK");
        await c.CommandAsync("PASS secret", "+OK");
        await Task.Delay(Short + TimeSpan.FromSeconds(1));
        await c.CommandAsync("STAT", "+OK");
        var (elapsed, text) = await c.TrickleAsync("LIST 1111111111111111111111111111111111111111111111111111111");
        AssertDropped(elapsed, text, "-ERR Autologout");
    }

    private static void AssertDropped(TimeSpan elapsed, string text, string goodbye)
    {
        Assert.True(elapsed < Bound, $"still open after {elapsed}: {text}");
        Assert.Contains(goodbye, text);
    }

    /// <summary>A raw loopback client that reads everything the server says until it closes.</summary>
    private sealed class Client : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly StringBuilder _received = new();
        private readonly Task _reader;
        private int _seen;

        private Client(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
            _reader = Task.Run(ReadAllAsync);
        }

        public static async Task<Client> ConnectAsync(int port, string greeting)
        {
            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync("127.0.0.1", port);
            var c = new Client(tcp);
            await c.ExpectAsync(greeting);
            return c;
        }

        private async Task ReadAllAsync()
        {
            var buffer = new byte[4096];
            try
            {
                int n;
                while ((n = await _stream.ReadAsync(buffer)) > 0)
                    lock (_received) _received.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
        }

        public bool Closed => _reader.IsCompleted;

        public async Task SendAsync(byte[] bytes) { await _stream.WriteAsync(bytes); await _stream.FlushAsync(); }

        /// <summary>Waits for a line starting with <paramref name="prefix"/> after what was already seen.</summary>
        public async Task ExpectAsync(string prefix)
        {
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < TimeSpan.FromSeconds(10))
            {
                lock (_received)
                {
                    var text = _received.ToString();
                    for (int pos = _seen, end; (end = text.IndexOf('\n', pos)) >= 0; pos = end + 1)
                    {
                        if (string.CompareOrdinal(text, pos, prefix, 0, prefix.Length) == 0) { _seen = end + 1; return; }
                    }
                }
                if (Closed) break;
                await Task.Delay(10);
            }
            lock (_received) throw new Xunit.Sdk.XunitException($"no '{prefix}' in: {_received}");
        }

        public async Task CommandAsync(string line, string expect)
        {
            await SendAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
            await ExpectAsync(expect);
        }

        /// <summary>Sends <paramref name="text"/> a byte (or, with <paramref name="whole"/>, all of it) every 200 ms, over and over,
        /// until the server closes; returns how long that took and what the server said meanwhile.</summary>
        public async Task<(TimeSpan Elapsed, string Text)> TrickleAsync(string text, bool whole = false)
        {
            var bytes = Encoding.ASCII.GetBytes(text);
            var sw = Stopwatch.StartNew();
            for (int i = 0; !Closed && sw.Elapsed < TimeSpan.FromSeconds(30); i++)
            {
                try { await SendAsync(whole ? bytes : new[] { bytes[i % bytes.Length] }); }
                catch (IOException) { break; }
                await Task.WhenAny(_reader, Task.Delay(200));
            }
            await Task.WhenAny(_reader, Task.Delay(2000));
            lock (_received) return (sw.Elapsed, _received.ToString(_seen, _received.Length - _seen));
        }

        public async ValueTask DisposeAsync()
        {
            _tcp.Dispose();
            await _reader;
        }
    }
}
