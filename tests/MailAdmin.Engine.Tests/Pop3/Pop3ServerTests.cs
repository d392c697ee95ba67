using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using MailAdmin.Engine.Tests.Smtp;
using MailAdmin.Engine.Tests.Store;
using MailAdmin.Hosting;
using MailAdmin.Protocols.Pop3;
using MailAdmin.Store;
using MailKit.Net.Pop3;
using MailKit.Security;
using Xunit;

namespace MailAdmin.Engine.Tests.Pop3;

/// <summary>Real sockets on 127.0.0.1 with ephemeral ports, over an InMemoryStore (or a MaildirStore).</summary>
public class Pop3ServerTests
{
    private const string Alice = Pop3Fixtures.Alice;
    private const string Password = Pop3Fixtures.Password;

    private sealed class Fixture : IAsyncDisposable
    {
        public readonly IMailStore Store;
        public readonly Pop3Server Server;
        public readonly ConcurrentQueue<ProtocolLogEntry> Log = new();
        private readonly bool _ownsStore;

        public Fixture(IMailStore store, Action<Pop3ServerOptions>? change = null, bool ownsStore = true, params Pop3ListenerMode[] modes)
        {
            Store = store;
            _ownsStore = ownsStore;
            var options = new Pop3ServerOptions
            {
                HostName = "pop.test",
                AuthFailureDelay = TimeSpan.Zero,
                IdleTimeout = TimeSpan.FromSeconds(20),
                ProtocolLog = Log.Enqueue,
            };
            foreach (var mode in modes.Length == 0 ? new[] { Pop3ListenerMode.Pop3 } : modes)
                options.Listeners.Add(new Pop3ListenerOptions(mode, 0));
            change?.Invoke(options);
            Server = new Pop3Server(options, store);
            Server.StartAsync().GetAwaiter().GetResult();
        }

        public static async Task<Fixture> CreateAsync(Action<Pop3ServerOptions>? change = null, params string[] messages)
            => new Fixture(await Pop3Fixtures.StoreAsync(messages), change);

        public int Port(Pop3ListenerMode mode = Pop3ListenerMode.Pop3) => Server.Endpoints.First(e => e.Mode == mode).Port;

        public async Task<Pop3RawClient> ConnectAsync(Pop3ListenerMode mode = Pop3ListenerMode.Pop3)
        {
            var c = await Pop3RawClient.ConnectAsync(Port(mode), tls: mode == Pop3ListenerMode.Pop3s);
            await c.ExpectAsync("+OK pop.test POP3 MailAdmin ready");
            return c;
        }

        public async Task<Pop3RawClient> LoginAsync()
        {
            var c = await ConnectAsync();
            await c.CommandAsync("USER " + Alice, "+OK");
            await c.CommandAsync("PASS " + Password, "+OK Logged in");
            return c;
        }

        public async Task WaitIdleAsync()
        {
            var sw = Stopwatch.StartNew();
            while (Server.Statistics.ActiveSessions > 0 && sw.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
            Assert.Equal(0, Server.Statistics.ActiveSessions);
        }

        public int Count => Store.ListMessages(Alice, "INBOX").Count;

        public async ValueTask DisposeAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Server.StopAsync(cts.Token);
            Server.Dispose();
            if (_ownsStore) Store.Dispose();
        }
    }

    private static void Insecure(Pop3ServerOptions o) => o.AllowInsecureAuth = true;
    private static void WithTls(Pop3ServerOptions o) => o.Certificate = TestCertificates.Localhost;

    [Fact]
    public async Task FullTranscriptOverASocket()
    {
        await using var f = await Fixture.CreateAsync(Insecure, Pop3Fixtures.First, Pop3Fixtures.Dotted, Pop3Fixtures.BareLf);
        Assert.NotEqual(0, f.Port());
        Assert.Equal(IPAddress.Loopback, f.Server.Endpoints[0].EndPoint.Address);
        using var c = await f.ConnectAsync();
        await c.CommandAsync("CAPA", "+OK");
        var capa = await c.ReadListAsync();
        Assert.Equal(new[] { "TOP", "UIDL", "RESP-CODES", "PIPELINING", "EXPIRE NEVER", "USER", "SASL PLAIN LOGIN SCRAM-SHA-256", "IMPLEMENTATION MailAdmin" }, capa);
        await c.CommandAsync("USER " + Alice, "+OK");
        await c.CommandAsync("PASS " + Password, "+OK Logged in, 3 messages");
        var stat = (await c.CommandAsync("STAT", "+OK 3 ")).Split(' ');
        await c.CommandAsync("LIST", "+OK 3 messages");
        var list = await c.ReadListAsync();
        Assert.Equal(3, list.Count);
        Assert.Equal(long.Parse(stat[2]), list.Sum(l => long.Parse(l.Split(' ')[1])));
        // RETR: dot-stuffed on the wire, size as listed after un-stuffing.
        await c.CommandAsync("RETR 2", "+OK " + list[1].Split(' ')[1] + " octets");
        var wire = await c.ReadBodyAsync();
        Assert.Equal("Subject: dots\r\n\r\n..starts with a dot\r\n...two dots\r\n..\r\nend\r\n.\r\n", Encoding.ASCII.GetString(wire));
        Assert.Equal(Pop3Fixtures.Dotted, Encoding.ASCII.GetString(Pop3MessageEncoder.Decode(wire)));
        // The bare-LF message goes out with CRLF, and its size matches.
        await c.CommandAsync("RETR 3", "+OK " + list[2].Split(' ')[1] + " octets");
        var bare = Pop3MessageEncoder.Decode(await c.ReadBodyAsync());
        Assert.Equal(Pop3Fixtures.BareLf.Replace("\n", "\r\n") + "\r\n", Encoding.ASCII.GetString(bare));
        Assert.Equal(long.Parse(list[2].Split(' ')[1]), bare.Length);
        await c.CommandAsync("TOP 3 1", "+OK");
        Assert.Equal("Subject: bare lf\r\n\r\nline 1\r\n", Encoding.ASCII.GetString(Pop3MessageEncoder.Decode(await c.ReadBodyAsync())));
        await c.CommandAsync("UIDL", "+OK");
        Assert.Equal(3, (await c.ReadListAsync()).Count);
        await c.CommandAsync("NOOP", "+OK");
        await c.CommandAsync("RETR 9", "-ERR No such message");
        await c.CommandAsync("QUIT", "+OK pop.test POP3 MailAdmin signing off (3 messages left)");
        Assert.True(await c.IsClosedAsync());
        await f.WaitIdleAsync();
        var s = f.Server.Statistics;
        Assert.Equal(1, s.Connections);
        Assert.Equal(1, s.Logins);
        Assert.Equal(3, s.Messages);
        Assert.True(s.Bytes > Pop3Fixtures.Dotted.Length);
        Assert.Equal(0, s.AuthFailures);
        // RETR marked the messages \Seen (TOP did not change anything more).
        Assert.All(f.Store.ListMessages(Alice, "INBOX").Skip(1), m => Assert.True(m.Flags.HasFlag(MessageFlags.Seen)));
        Assert.False(f.Store.ListMessages(Alice, "INBOX")[0].Flags.HasFlag(MessageFlags.Seen));
    }

    [Fact]
    public async Task DeleIsAppliedOnlyAfterQuit()
    {
        await using var f = await Fixture.CreateAsync(Insecure, Pop3Fixtures.First, Pop3Fixtures.Dotted, Pop3Fixtures.BareLf);
        using (var dropped = await f.LoginAsync())
        {
            await dropped.CommandAsync("DELE 1", "+OK");
            await dropped.CommandAsync("DELE 2", "+OK");
            await dropped.CommandAsync("STAT", "+OK 1 ");
        }   // connection dropped without QUIT
        await f.WaitIdleAsync();
        Assert.Equal(3, f.Count);

        using (var c = await f.LoginAsync())
        {
            await c.CommandAsync("DELE 2", "+OK");
            await c.CommandAsync("RETR 2", "-ERR Message 2 already deleted");
            await c.CommandAsync("RSET", "+OK Maildrop has 3 messages");
            await c.CommandAsync("DELE 1", "+OK");
            await c.CommandAsync("DELE 3", "+OK");
            Assert.Equal(3, f.Count);   // nothing yet
            await c.CommandAsync("QUIT", "+OK pop.test POP3 MailAdmin signing off (1 message left)");
            Assert.True(await c.IsClosedAsync());
        }
        Assert.Equal(1, f.Count);
        Assert.StartsWith("Subject: dots", Encoding.ASCII.GetString(await f.Store.ReadMessageAsync(Alice, "INBOX", f.Store.ListMessages(Alice, "INBOX")[0].Uid)));
        await f.WaitIdleAsync();
        Assert.Equal(2, f.Server.Statistics.MessagesDeleted);
        Assert.Contains(f.Log, e => e.Text.Contains("closed without QUIT: no deletions applied"));
    }

    [Fact]
    public async Task SecondSessionGetsInUse()
    {
        await using var f = await Fixture.CreateAsync(Insecure, Pop3Fixtures.First);
        using var first = await f.LoginAsync();
        using (var second = await f.ConnectAsync())
        {
            await second.CommandAsync("USER " + Alice.ToUpperInvariant(), "+OK");
            await second.CommandAsync("PASS " + Password, "-ERR [IN-USE] Mailbox is locked by another POP3 session");
            await second.CommandAsync("QUIT", "+OK");
        }
        await first.CommandAsync("QUIT", "+OK");
        Assert.True(await first.IsClosedAsync());
        await f.WaitIdleAsync();
        using var third = await f.LoginAsync();   // the lock was released
        await third.CommandAsync("QUIT", "+OK");
    }

    [Fact]
    public async Task UidlIsStableAcrossARestartOfAMaildirStore()
    {
        using var dir = new TempDirectory();
        List<string> before, after;
        uint uidValidity;
        List<uint> uids;
        using (var store = new MaildirStore(dir.Path, 1000))
        {
            await store.Accounts.AddAsync(Alice, Password);
            foreach (var m in new[] { Pop3Fixtures.First, Pop3Fixtures.Dotted, Pop3Fixtures.BareLf })
                await store.DeliverAsync(Alice, "INBOX", Encoding.ASCII.GetBytes(m), DateTimeOffset.UtcNow);
            uidValidity = store.GetFolderStatus(Alice, "INBOX").UidValidity;
            uids = store.ListMessages(Alice, "INBOX").Select(m => m.Uid).ToList();
            await using var f = new Fixture(store, Insecure, ownsStore: false);
            using var c = await f.LoginAsync();
            await c.CommandAsync("UIDL", "+OK");
            before = await c.ReadListAsync();
            await c.CommandAsync("DELE 1", "+OK");
            await c.CommandAsync("QUIT", "+OK");
        }
        using (var store = new MaildirStore(dir.Path, 1000))
        {
            await using var f = new Fixture(store, Insecure, ownsStore: false);
            using var c = await f.LoginAsync();
            await c.CommandAsync("UIDL", "+OK");
            after = await c.ReadListAsync();
            await c.CommandAsync("QUIT", "+OK");
        }
        // Same strings for the same messages (renumbered after the deletion), consistent with the IMAP UIDs.
        Assert.Equal(uids.Select((u, i) => (i + 1) + " " + uidValidity + "." + u), before);
        Assert.Equal(before.Skip(1).Select(l => l.Split(' ')[1]), after.Select(l => l.Split(' ')[1]));
    }

    [Fact]
    public async Task StlsThenLoginAndTheInsecureRefusal()
    {
        await using var f = await Fixture.CreateAsync(WithTls, Pop3Fixtures.First);
        using var c = await f.ConnectAsync();
        await c.CommandAsync("CAPA", "+OK");
        var capa = await c.ReadListAsync();
        Assert.Contains("STLS", capa);
        Assert.DoesNotContain("USER", capa);
        Assert.DoesNotContain("SASL PLAIN", capa);
        await c.CommandAsync("USER " + Alice, "-ERR [AUTH] Plaintext authentication disallowed");
        await c.CommandAsync("AUTH PLAIN " + Pop3Fixtures.Plain(Alice, Password), "-ERR [AUTH] Plaintext authentication disallowed");
        // STLS with pipelined commands after it: those bytes are dropped, never run after the handshake.
        await c.SendAsync("STLS\r\nUSER injected\r\n");
        await c.ExpectAsync("+OK Begin TLS negotiation");
        await c.UpgradeTlsAsync();
        await c.CommandAsync("PASS " + Password, "-ERR USER first");
        await c.CommandAsync("CAPA", "+OK");
        capa = await c.ReadListAsync();
        Assert.DoesNotContain("STLS", capa);
        Assert.Contains("USER", capa);
        await c.CommandAsync("STLS", "-ERR TLS is already active");
        await c.CommandAsync("AUTH PLAIN", "+ ");
        await c.CommandAsync(Pop3Fixtures.Plain(Alice, Password), "+OK Logged in, 1 message");
        await c.CommandAsync("QUIT", "+OK");
        Assert.Contains(f.Log, e => e.Text.Contains("discarded 15 bytes pipelined after STLS"));
    }

    [Fact]
    public async Task ImplicitTlsListener()
    {
        await using var f = await Fixture.CreateAsync(o => o.Certificate = TestCertificates.Localhost, Pop3Fixtures.First);
        await using var g = new Fixture(f.Store, WithTls, ownsStore: false, Pop3ListenerMode.Pop3s);
        using var c = await g.ConnectAsync(Pop3ListenerMode.Pop3s);
        await c.CommandAsync("CAPA", "+OK");
        var capa = await c.ReadListAsync();
        Assert.Contains("USER", capa);
        Assert.DoesNotContain("STLS", capa);
        await c.CommandAsync("USER " + Alice, "+OK");
        await c.CommandAsync("PASS " + Password, "+OK Logged in");
        await c.CommandAsync("QUIT", "+OK");
        Assert.Throws<ArgumentException>(() => new Pop3Server(new Pop3ServerOptions { Listeners = { new Pop3ListenerOptions(Pop3ListenerMode.Pop3s, 0) } }, f.Store));
    }

    [Fact]
    public async Task PipelinedCommandsAreAnsweredInOrder()
    {
        await using var f = await Fixture.CreateAsync(Insecure, Pop3Fixtures.First, Pop3Fixtures.Dotted);
        using var c = await f.ConnectAsync();
        await c.SendAsync("USER " + Alice + "\r\nPASS " + Password + "\r\nSTAT\r\nLIST\r\nRETR 1\r\nUIDL 2\r\nDELE 2\r\nQUIT\r\n");
        await c.ExpectAsync("+OK");
        await c.ExpectAsync("+OK Logged in");
        await c.ExpectAsync("+OK 2 ");
        await c.ExpectAsync("+OK 2 messages");
        await c.ReadBodyAsync();
        await c.ExpectAsync("+OK ");
        Assert.StartsWith("From: a@example.com", Encoding.ASCII.GetString(Pop3MessageEncoder.Decode(await c.ReadBodyAsync())));
        await c.ExpectAsync("+OK 2 ");
        await c.ExpectAsync("+OK Message 2 deleted");
        await c.ExpectAsync("+OK pop.test POP3 MailAdmin signing off (1 message left)");
        Assert.True(await c.IsClosedAsync());
        Assert.Equal(1, f.Count);
    }

    [Fact]
    public async Task AutologoutClosesWithoutUpdate()
    {
        await using var f = await Fixture.CreateAsync(o => { o.AllowInsecureAuth = true; o.IdleTimeout = TimeSpan.FromMilliseconds(400); }, Pop3Fixtures.First);
        using var c = await f.LoginAsync();
        await c.CommandAsync("DELE 1", "+OK");
        await c.ExpectAsync("-ERR Autologout");
        Assert.True(await c.IsClosedAsync());
        await f.WaitIdleAsync();
        Assert.Equal(1, f.Count);
        Assert.Equal(TimeSpan.FromMinutes(10), new Pop3ServerOptions().IdleTimeout);
    }

    [Fact]
    public async Task BadCommandLimitAndLongLines()
    {
        await using var f = await Fixture.CreateAsync(o => { o.AllowInsecureAuth = true; o.MaxErrors = 3; });
        using var c = await f.ConnectAsync();
        await c.CommandAsync("USER " + new string('a', 300), "-ERR Line too long");
        await c.CommandAsync("FOO", "-ERR Unknown command");
        await c.CommandAsync("RETR 1", "-ERR Command not valid before login");
        await c.CommandAsync("BAR", "-ERR Too many bad commands");
        Assert.True(await c.IsClosedAsync());
    }

    [Fact]
    public async Task FailedLoginIsDelayedAndCounted()
    {
        await using var f = await Fixture.CreateAsync(o => { o.AllowInsecureAuth = true; o.AuthFailureDelay = TimeSpan.FromMilliseconds(300); });
        using var c = await f.ConnectAsync();
        await c.CommandAsync("USER " + Alice, "+OK");
        var sw = Stopwatch.StartNew();
        await c.CommandAsync("PASS wrong", "-ERR [AUTH] Invalid user name or password");
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(250), sw.Elapsed.ToString());
        await c.CommandAsync("USER nobody@example.com", "+OK");
        await c.CommandAsync("PASS " + Password, "-ERR [AUTH]");
        Assert.Equal(2, f.Server.Statistics.AuthFailures);
    }

    [Fact]
    public async Task ProtocolLogRedactsPasswords()
    {
        await using var f = await Fixture.CreateAsync(Insecure, Pop3Fixtures.First);
        using (var c = await f.ConnectAsync())
        {
            await c.CommandAsync("USER " + Alice, "+OK");
            await c.CommandAsync("PASS " + Password, "+OK");
            await c.CommandAsync("RETR 1", "+OK");
            await c.ReadBodyAsync();
            await c.CommandAsync("QUIT", "+OK");
            await c.IsClosedAsync();
        }
        using (var c = await f.ConnectAsync())
        {
            await c.CommandAsync("AUTH PLAIN " + Pop3Fixtures.Plain(Alice, Password), "+OK");
            await c.CommandAsync("QUIT", "+OK");
            await c.IsClosedAsync();
        }
        using (var c = await f.ConnectAsync())
        {
            await c.CommandAsync("AUTH PLAIN", "+ ");
            await c.CommandAsync(Pop3Fixtures.Plain(Alice, Password), "+OK");
            await c.CommandAsync("QUIT", "+OK");
            await c.IsClosedAsync();
        }
        await f.WaitIdleAsync();
        var text = string.Join("\n", f.Log.Select(e => e.ToString()));
        Assert.Contains("POP3 [1] C: USER " + Alice, text);
        Assert.Contains("C: PASS <redacted>", text);
        Assert.Contains("C: AUTH PLAIN <redacted>", text);
        Assert.Contains("C: <SASL response redacted>", text);
        Assert.Contains("bytes follow>", text);
        Assert.DoesNotContain(Password, text);
        Assert.DoesNotContain(Pop3Fixtures.Plain(Alice, Password), text);
        Assert.DoesNotContain("Hello", text);   // no message content
    }

    [Fact]
    public async Task GracefulStopTellsIdleSessionsAndDeletesNothing()
    {
        var f = await Fixture.CreateAsync(Insecure, Pop3Fixtures.First);
        try
        {
            using var c = await f.LoginAsync();
            await c.CommandAsync("DELE 1", "+OK");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await f.Server.StopAsync(cts.Token);
            await c.ExpectAsync("-ERR [SYS/TEMP] Server shutting down");
            Assert.True(await c.IsClosedAsync());
            Assert.Equal(1, f.Count);
            Assert.False(f.Server.IsRunning);
        }
        finally { await f.DisposeAsync(); }
    }

    [Fact]
    public async Task ConnectionLimit()
    {
        await using var f = await Fixture.CreateAsync(o => { o.AllowInsecureAuth = true; o.MaxConnections = 1; });
        using var first = await f.ConnectAsync();
        using var second = await Pop3RawClient.ConnectAsync(f.Port());
        await second.ExpectAsync("-ERR [SYS/TEMP] Too many connections");
        Assert.Equal(1, f.Server.Statistics.RejectedConnections);
    }

    [Fact]
    public async Task PortInUseBindsNothing()
    {
        await using var f = await Fixture.CreateAsync(Insecure);
        var options = new Pop3ServerOptions();
        options.Listeners.Add(new Pop3ListenerOptions(Pop3ListenerMode.Pop3, 0));
        options.Listeners.Add(new Pop3ListenerOptions(Pop3ListenerMode.Pop3, f.Port()));
        using var other = new Pop3Server(options, f.Store);
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => other.StartAsync());
        Assert.Empty(other.Endpoints);
    }

    // --- interop with clients we did not write --------------------------------------------

    [Fact]
    public async Task MailKitPop3ClientWithStls()
    {
        var body = "From: a@example.com\r\nTo: alice@example.com\r\nSubject: for mailkit\r\n\r\nHello\r\n.dot line\r\n..two\r\n";
        await using var f = await Fixture.CreateAsync(WithTls, body, Pop3Fixtures.BareLf);
        using (var client = new Pop3Client())
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync("127.0.0.1", f.Port(), SecureSocketOptions.StartTls);
            Assert.True(client.IsSecure);
            Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.UIDL));
            Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.Top));
            Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.Pipelining));
            await client.AuthenticateAsync(Alice, Password);
            Assert.Equal(2, client.Count);
            var message = await client.GetMessageAsync(0);
            Assert.Equal("for mailkit", message.Subject);
            Assert.Contains(".dot line\r\n..two", (message.TextBody ?? "").Replace("\n", "\r\n").Replace("\r\r", "\r"));
            var sizes = await client.GetMessageSizesAsync();
            using (var raw = await client.GetStreamAsync(1))
            {
                var ms = new MemoryStream();
                await raw.CopyToAsync(ms);
                Assert.Equal(sizes[1], ms.Length);
            }
            var uids = await client.GetMessageUidsAsync();
            var status = f.Store.GetFolderStatus(Alice, "INBOX");
            Assert.Equal(f.Store.ListMessages(Alice, "INBOX").Select(m => status.UidValidity + "." + m.Uid), uids);
            var headers = await client.GetMessageHeadersAsync(1);
            Assert.Equal("bare lf", headers["Subject"]);
            await client.DeleteMessageAsync(0);
            Assert.Equal(2, f.Count);
            await client.DisconnectAsync(true);
        }
        Assert.Equal(1, f.Count);
    }

    [Fact]
    public async Task MailKitPop3ClientOverImplicitTls()
    {
        var store = await Pop3Fixtures.StoreAsync(Pop3Fixtures.First);
        await using var f = new Fixture(store, WithTls, true, Pop3ListenerMode.Pop3s);
        using var client = new Pop3Client();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", f.Port(Pop3ListenerMode.Pop3s), SecureSocketOptions.SslOnConnect);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        await client.AuthenticateAsync(Alice, Password);
        Assert.Equal("one", (await client.GetMessageAsync(0)).Subject);
        await client.DisconnectAsync(true);
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

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string tool, params string[] args)
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

    [ToolFact("python3")]
    public async Task PythonPoplibWithStls()
    {
        await using var f = await Fixture.CreateAsync(WithTls, Pop3Fixtures.First, Pop3Fixtures.Dotted, Pop3Fixtures.BareLf);
        string script = string.Join("\n",
            "import poplib, ssl, sys",
            "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE",
            "p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=10)",
            "caps = p.capa()",
            "print('stls', 'STLS' in caps)",
            "p.stls(context=ctx)",
            "p.user(sys.argv[2]); p.pass_(sys.argv[3])",
            "count, size = p.stat()",
            "print('stat', count, size)",
            "resp, listing, _ = p.list()",
            "sizes = [int(x.split()[1]) for x in listing]",
            "print('sum', sum(sizes) == size)",
            "for i in range(1, count + 1):",
            "    resp, lines, octets = p.retr(i)",
            "    print('retr', i, octets == sizes[i - 1], lines[2].decode() if len(lines) > 2 else '')",
            "resp, uidls, _ = p.uidl()",
            "print('uidl', ' '.join(x.decode().split()[1] for x in uidls))",
            "resp, top, _ = p.top(3, 1)",
            "print('top', b'|'.join(top).decode())",
            "p.dele(1)",
            "print(p.quit().decode())");
        var status = f.Store.GetFolderStatus(Alice, "INBOX");
        var expectedUidl = "uidl " + string.Join(" ", f.Store.ListMessages(Alice, "INBOX").Select(m => status.UidValidity + "." + m.Uid));
        var r = await RunAsync("python3", "-c", script, f.Port().ToString(), Alice, Password);
        Assert.True(r.Exit == 0, "python failed: " + r.Err);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("stls True", lines[0]);
        Assert.StartsWith("stat 3 ", lines[1]);
        Assert.Equal("sum True", lines[2]);
        Assert.StartsWith("retr 1 True", lines[3]);
        Assert.Equal("retr 2 True .starts with a dot", lines[4]);   // poplib un-stuffs
        Assert.Equal("retr 3 True line 1", lines[5]);
        Assert.Equal(expectedUidl, lines[6]);
        Assert.Equal("top Subject: bare lf||line 1", lines[7]);
        Assert.StartsWith("+OK pop.test POP3 MailAdmin signing off (2 messages left)", lines[8]);
        Assert.Equal(2, f.Count);
    }

    [ToolFact("curl")]
    public async Task CurlPop3WithStls()
    {
        await using var f = await Fixture.CreateAsync(WithTls, Pop3Fixtures.First, Pop3Fixtures.Dotted);
        var url = "pop3://127.0.0.1:" + f.Port();
        var list = await RunAsync("curl", "-sS", "--ssl-reqd", "-k", "--user", Alice + ":" + Password, url);
        Assert.True(list.Exit == 0, "curl failed: " + list.Err);
        Assert.Equal(2, list.Out.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        var retr = await RunAsync("curl", "-sS", "--ssl-reqd", "-k", "--user", Alice + ":" + Password, url + "/2");
        Assert.True(retr.Exit == 0, "curl failed: " + retr.Err);
        Assert.Equal(Pop3Fixtures.Dotted, retr.Out);
    }
}
