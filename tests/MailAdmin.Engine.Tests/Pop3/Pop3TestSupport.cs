using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using MailAdmin.Protocols;
using MailAdmin.Protocols.Pop3;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Pop3;

internal static class Pop3Fixtures
{
    public const string Alice = "alice@example.com";
    public const string Password = "s3cret pass";

    public static async Task<InMemoryStore> StoreAsync(params string[] messages)
    {
        var store = new InMemoryStore(1000);
        await store.Accounts.AddAsync(Alice, Password);
        foreach (var m in messages) await store.DeliverAsync(Alice, "INBOX", Encoding.UTF8.GetBytes(m), DateTimeOffset.UtcNow);
        return store;
    }

    public static string Plain(string user, string password, string authz = "")
        => Convert.ToBase64String(Encoding.UTF8.GetBytes(authz + "\0" + user + "\0" + password));

    public const string First = "From: a@example.com\r\nSubject: one\r\n\r\nHello\r\n";
    public const string Dotted = "Subject: dots\r\n\r\n.starts with a dot\r\n..two dots\r\n.\r\nend\r\n";
    public const string BareLf = "Subject: bare lf\n\nline 1\nline 2\n.dot\nno final newline";
}

/// <summary>Drives a pure <see cref="Pop3Session"/> the way the host does: frames lines, parses, executes.</summary>
internal sealed class Pop3Driver : IDisposable
{
    private LineFramer _lines;
    private readonly ByteBuffer _output = new();
    private byte[] _pending = Array.Empty<byte>();
    public readonly Pop3Session Session;
    public bool Closed { get; private set; }
    public bool StartTlsRequested { get; private set; }

    public Pop3Driver(Pop3Session session, bool greet = true)
    {
        Session = session;
        if (greet) session.Greeting(_output);
    }

    public string Output => Encoding.UTF8.GetString(_output.Span);

    public async Task FeedAsync(byte[] data)
    {
        var all = new byte[_pending.Length + data.Length];
        _pending.CopyTo(all, 0);
        data.CopyTo(all, _pending.Length);
        var buffer = new ReadOnlySequence<byte>(all);
        while (!Closed)
        {
            bool sasl = Session.State == Pop3State.SaslResponse;
            var status = _lines.TryReadLine(ref buffer, out var line, sasl ? Pop3CommandParser.MaxSaslLength : Pop3CommandParser.LimitFor(buffer));
            if (status == LineStatus.NeedMore) break;
            Pop3Response r;
            if (status == LineStatus.TooLong) r = Session.LineTooLong(_output);
            else if (sasl) r = await Session.ContinueSaslAsync(LineFramer.Decode(line) ?? "", _output);
            else r = await Session.ExecuteAsync(Pop3CommandParser.Parse(line), _output);
            if (r.Action == Pop3Action.Close) Closed = true;
            if (r.Action == Pop3Action.StartTls) { StartTlsRequested = true; buffer = buffer.Slice(buffer.End); }
        }
        _pending = buffer.ToArray();
    }

    public static async Task<string> RunAsync(Pop3Session session, string transcript, IEnumerable<int>? cuts = null)
    {
        using var d = new Pop3Driver(session);
        var bytes = Encoding.UTF8.GetBytes(transcript);
        int last = 0;
        foreach (int cut in cuts ?? Array.Empty<int>())
        {
            await d.FeedAsync(bytes[last..cut]);
            last = cut;
        }
        await d.FeedAsync(bytes[last..]);
        return d.Output;
    }

    public void Dispose() => _output.Dispose();
}

/// <summary>A minimal raw POP3 client for socket tests.</summary>
internal sealed class Pop3RawClient : IDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly byte[] _buf = new byte[64 * 1024];
    private int _start, _end;

    private Pop3RawClient(TcpClient tcp) { _tcp = tcp; _stream = tcp.GetStream(); }

    public static async Task<Pop3RawClient> ConnectAsync(int port, bool tls = false)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        var c = new Pop3RawClient(tcp);
        if (tls) await c.UpgradeTlsAsync();
        return c;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));
    public async Task SendAsync(byte[] bytes) { await _stream.WriteAsync(bytes); await _stream.FlushAsync(); }

    /// <summary>One line without CRLF; null at EOF.</summary>
    public async Task<string?> ReadLineAsync()
    {
        var bytes = await ReadRawLineAsync();
        return bytes == null ? null : Encoding.UTF8.GetString(bytes).TrimEnd('\r', '\n');
    }

    /// <summary>One line with its line ending, as bytes; null at EOF.</summary>
    public async Task<byte[]?> ReadRawLineAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            int lf = Array.IndexOf(_buf, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                var line = _buf[_start..(lf + 1)];
                _start = lf + 1;
                return line;
            }
            if (_start > 0) { Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start); _end -= _start; _start = 0; }
            int n;
            try { n = await _stream.ReadAsync(_buf.AsMemory(_end), cts.Token); }
            catch (IOException) { return null; }
            if (n == 0) return null;
            _end += n;
        }
    }

    public async Task<string> ExpectAsync(string prefix)
    {
        var line = await ReadLineAsync();
        Assert.True(line != null && line.StartsWith(prefix, StringComparison.Ordinal), $"expected '{prefix}...', got '{line}'");
        return line!;
    }

    public async Task<string> CommandAsync(string command, string expect)
    {
        await SendAsync(command + "\r\n");
        return await ExpectAsync(expect);
    }

    /// <summary>The raw bytes of a multi-line body up to and including ".CRLF".</summary>
    public async Task<byte[]> ReadBodyAsync()
    {
        var all = new List<byte>();
        while (true)
        {
            var line = await ReadRawLineAsync() ?? throw new IOException("closed inside a multi-line response");
            all.AddRange(line);
            if (line.Length == 3 && line[0] == '.' && line[1] == '\r') return all.ToArray();
        }
    }

    public async Task<List<string>> ReadListAsync()
    {
        var body = Pop3MessageEncoder.Decode(await ReadBodyAsync());
        return Encoding.ASCII.GetString(body).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    public async Task<bool> IsClosedAsync()
    {
        try { return await ReadLineAsync() == null; }
        catch (OperationCanceledException) { return false; }
    }

    public async Task UpgradeTlsAsync()
    {
        Assert.Equal(_start, _end);
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        _stream = ssl;
    }

    public void Dispose() { _stream.Dispose(); _tcp.Dispose(); }
}
