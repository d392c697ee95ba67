using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailAdmin.Hosting;
using MailAdmin.Store;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>An IMAP server on 127.0.0.1 (ephemeral ports) over an InMemoryStore with alice@example.com/secret and bob@example.com/secret.</summary>
internal sealed class ImapTestServer : IAsyncDisposable
{
    public const string Alice = "alice@example.com";
    public const string Bob = "bob@example.com";
    public const string Password = "secret";

    public readonly InMemoryStore Store = new(1000);
    public readonly ImapServer Server;
    public readonly ImapServerOptions Options;
    public readonly List<ProtocolLogEntry> Log = new();

    private ImapTestServer(ImapServerOptions options)
    {
        Options = options;
        options.ProtocolLog ??= e => { lock (Log) Log.Add(e); };
        Server = new ImapServer(options, Store);
    }

    public static async Task<ImapTestServer> StartAsync(Action<ImapServerOptions>? configure = null, bool tls = false)
    {
        var options = new ImapServerOptions { HostName = "imap.test", AllowInsecureAuth = !tls, AuthFailureDelay = TimeSpan.FromMilliseconds(50) };
        options.Listeners.Add(new ImapListenerOptions(ImapListenerMode.Imap, 0));
        if (tls)
        {
            options.Certificate = TestCertificate.Value;
            options.Listeners.Add(new ImapListenerOptions(ImapListenerMode.Imaps, 0));
        }
        configure?.Invoke(options);
        var server = new ImapTestServer(options);
        await server.Store.Accounts.AddAsync(Alice, Password, quota: 10_000_000);
        await server.Store.Accounts.AddAsync(Bob, Password);
        await server.Server.StartAsync();
        return server;
    }

    public int Port => Server.Endpoints.First(e => e.Mode == ImapListenerMode.Imap).Port;
    public int ImapsPort => Server.Endpoints.First(e => e.Mode == ImapListenerMode.Imaps).Port;

    public string LogText { get { lock (Log) return string.Join("\n", Log.Select(l => l.ToString())); } }

    public Task<StoredMessage> DeliverAsync(string subject, string account = Alice, string folder = "INBOX", string from = "carol@example.org")
        => Store.DeliverAsync(account, folder, Message(subject, from), DateTimeOffset.UtcNow);

    public static byte[] Message(string subject, string from = "carol@example.org", string body = "Hello there.\r\n")
        => Encoding.UTF8.GetBytes($"From: Carol <{from}>\r\nTo: Alice <alice@example.com>\r\nSubject: {subject}\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}");

    public async Task<ImapRawClient> ConnectAsync(bool login = false, string user = Alice)
    {
        var c = await ImapRawClient.ConnectAsync(Port);
        await c.ReadLineAsync();   // greeting
        if (login) await c.OkAsync($"LOGIN {user} {Password}");
        return c;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await Server.StopAsync(cts.Token);
        Server.Dispose();
        Store.Dispose();
    }

    public static readonly Lazy<X509Certificate2> TestCertificate = new(() =>
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    });
}

/// <summary>A line-oriented IMAP client on a socket for transcript tests. Literals in responses are folded into the line.</summary>
internal sealed class ImapRawClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;
    private int _tag;
    public TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private ImapRawClient(TcpClient tcp, Stream stream) { _tcp = tcp; _stream = stream; }

    public static async Task<ImapRawClient> ConnectAsync(int port, bool implicitTls = false)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        Stream stream = tcp.GetStream();
        var client = new ImapRawClient(tcp, stream);
        if (implicitTls) await client.StartTlsAsync();
        return client;
    }

    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        _stream = ssl;
        _start = _end = 0;
    }

    public string NextTag() => "t" + (++_tag).ToString("D3");

    public async Task SendAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async Task SendBytesAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    private async Task<bool> FillAsync(TimeSpan timeout)
    {
        if (_start > 0 && _start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            if (_start > 0) { Array.Copy(_buffer, _start, _buffer, 0, _end - _start); _end -= _start; _start = 0; }
            else Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        using var cts = new CancellationTokenSource(timeout);
        int n = await _stream.ReadAsync(_buffer.AsMemory(_end), cts.Token);
        if (n == 0) return false;
        _end += n;
        return true;
    }

    /// <summary>One response line without CRLF; a literal {n} is read and appended ("{n}\r\n" + data + rest of the line). Null at EOF.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        var sb = new StringBuilder();
        while (true)
        {
            int lf;
            while ((lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start)) < 0)
                if (!await FillAsync(timeout ?? Timeout)) return sb.Length > 0 ? sb.ToString() : null;
            int len = lf - _start;
            if (len > 0 && _buffer[lf - 1] == '\r') len--;
            var line = Encoding.UTF8.GetString(_buffer, _start, len);
            _start = lf + 1;
            sb.Append(line);
            var m = System.Text.RegularExpressions.Regex.Match(line, @"\{(\d+)\}$");
            if (!m.Success) return sb.ToString();
            int size = int.Parse(m.Groups[1].Value);
            while (_end - _start < size) if (!await FillAsync(timeout ?? Timeout)) return null;
            sb.Append("\r\n").Append(Encoding.UTF8.GetString(_buffer, _start, size));
            _start += size;
        }
    }

    /// <summary>Sends "tag command" and returns every line up to and including the tagged one.</summary>
    public async Task<List<string>> CommandAsync(string command)
    {
        var tag = NextTag();
        await SendAsync(tag + " " + command + "\r\n");
        return await ReadUntilTagAsync(tag);
    }

    public async Task<List<string>> ReadUntilTagAsync(string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("connection closed; got: " + string.Join(" | ", lines));
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal)) return lines;
        }
    }

    /// <summary>As <see cref="CommandAsync"/>, asserting a tagged OK.</summary>
    public async Task<List<string>> OkAsync(string command)
    {
        var lines = await CommandAsync(command);
        var last = lines[^1];
        if (!last.Split(' ')[1].Equals("OK", StringComparison.Ordinal))
            throw new Xunit.Sdk.XunitException($"'{command}' failed: {string.Join(" | ", lines)}");
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        try { _stream.Dispose(); } catch { }
        _tcp.Dispose();
        await Task.CompletedTask;
    }
}
