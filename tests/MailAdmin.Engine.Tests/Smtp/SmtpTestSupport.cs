using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailAdmin.Protocols.Smtp;
using Xunit;

namespace MailAdmin.Engine.Tests.Smtp;

/// <summary>An in-memory backend: domain example.com with alice and bob; alice/secret, bearer token "token123".</summary>
internal sealed class MemoryBackend : ISmtpBackend
{
    public readonly ConcurrentQueue<(SmtpEnvelope Envelope, byte[] Message)> Messages = new();
    public Func<Task>? BeforeDeliver;
    public Exception? DeliverThrows;

    public RecipientCheck CheckRecipient(string address, bool authenticated, long declaredSize)
    {
        if (address.Equals("postmaster", StringComparison.OrdinalIgnoreCase)) return RecipientCheck.Local;
        int at = address.LastIndexOf('@');
        string domain = address.Substring(at + 1).ToLowerInvariant();
        if (domain != "example.com") return RecipientCheck.NonLocal;
        string local = address.Substring(0, at).ToLowerInvariant();
        return local is "alice" or "bob" or "full" or "ünïcode" ? RecipientCheck.Local : RecipientCheck.UnknownLocal;
    }

    public Task<bool> AuthenticateAsync(string user, string password, CancellationToken ct)
        => Task.FromResult(user == "alice" && password == "secret");

    public Task<bool> AuthenticateBearerAsync(string user, string token, CancellationToken ct)
        => Task.FromResult(user == "alice" && token == "token123");

    public SmtpMessageSink OpenMessage(SmtpEnvelope envelope) => new MemorySink();

    public async Task<IReadOnlyList<SmtpRecipientFailure>> DeliverAsync(SmtpEnvelope envelope, SmtpMessageSink message, CancellationToken ct)
    {
        if (BeforeDeliver != null) await BeforeDeliver();
        if (DeliverThrows != null) throw DeliverThrows;
        if (envelope.Recipients.Any(r => r.Address.StartsWith("full@"))) throw SmtpDeliveryException.QuotaExceeded();
        Messages.Enqueue((envelope, ((MemorySink)message).Data.ToArray()));
        return Array.Empty<SmtpRecipientFailure>();
    }

    private sealed class MemorySink : SmtpMessageSink
    {
        public readonly MemoryStream Data = new();
        protected override void WriteCore(ReadOnlySpan<byte> data) => Data.Write(data);
        public override void Dispose() { }
    }

    public string Text(int i) => Encoding.UTF8.GetString(Messages.ElementAt(i).Message);
}

/// <summary>Drives an <see cref="SmtpSession"/> with raw client bytes fed in chunks, the way the
/// host does (line framing, DATA decoding, BDAT chunks), without sockets.</summary>
internal sealed class SessionDriver
{
    private enum Mode { Command, Data, Chunk }
    private byte[] _pending = Array.Empty<byte>();
    private Mode _mode = Mode.Command;
    private SmtpLineReader _lines = new(512, 1024, 12288);
    public readonly SmtpSession Session;
    public readonly List<SmtpReply> Replies = new();
    public bool Closed, StartTls;

    public SessionDriver(SmtpSession session) { Session = session; }

    public IEnumerable<int> Codes => Replies.Select(r => r.Code);

    public static async Task<SessionDriver> RunAsync(SmtpSession session, string transcript, int chunk = int.MaxValue, Random? random = null)
    {
        var d = new SessionDriver(session);
        var bytes = Encoding.UTF8.GetBytes(transcript);
        int i = 0;
        while (i < bytes.Length && !d.Closed && !d.StartTls)
        {
            int n = random != null ? random.Next(1, 40) : chunk;
            n = Math.Min(n, bytes.Length - i);
            await d.FeedAsync(bytes.AsMemory(i, n));
            i += n;
        }
        return d;
    }

    public async Task FeedAsync(ReadOnlyMemory<byte> data)
    {
        _pending = _pending.Concat(data.ToArray()).ToArray();
        while (!Closed && !StartTls)
        {
            var seq = new ReadOnlySequence<byte>(_pending);
            if (_mode == Mode.Command)
            {
                bool sasl = Session.State == SmtpState.Auth;
                var status = _lines.TryReadLine(ref seq, out var line, sasl);
                _pending = seq.ToArray();
                if (status == SmtpLineStatus.NeedMore) return;
                SmtpResponse r;
                if (status == SmtpLineStatus.TooLong) r = Session.LineTooLong();
                else if (sasl) r = await Session.ContinueAuthAsync(Encoding.UTF8.GetString(line.ToArray()));
                else r = await Session.ExecuteAsync(SmtpCommandParser.Parse(line));
                if (r.Reply != null) Replies.Add(r.Reply);
                if (r.Action == SmtpAction.Close) Closed = true;
                if (r.Action == SmtpAction.StartTls) StartTls = true;
                if (r.Action == SmtpAction.ReadData) _mode = Mode.Data;
                if (r.Action == SmtpAction.ReadChunk) _mode = Mode.Chunk;
            }
            else if (_mode == Mode.Data)
            {
                long used = Session.DataDecoder.Feed(seq);
                _pending = seq.Slice(used).ToArray();
                if (!Session.DataDecoder.IsComplete) return;
                var r = await Session.CompleteDataAsync();
                if (r.Reply != null) Replies.Add(r.Reply);
                if (r.Action == SmtpAction.Close) Closed = true;
                _mode = Mode.Command;
            }
            else
            {
                int used = Session.AppendChunk(_pending);
                _pending = _pending.AsSpan(used).ToArray();
                if (Session.PendingChunkSize > 0) return;
                var r = await Session.CompleteChunkAsync();
                if (r.Reply != null) Replies.Add(r.Reply);
                if (r.Action == SmtpAction.Close) Closed = true;
                _mode = Mode.Command;
            }
        }
    }
}

/// <summary>A minimal raw SMTP client for socket tests: sends bytes exactly as given, reads whole replies.</summary>
internal sealed class RawClient : IDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly byte[] _buf = new byte[8192];
    private int _start, _end;
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private RawClient(TcpClient tcp) { _tcp = tcp; _stream = tcp.GetStream(); }

    public static async Task<RawClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        tcp.NoDelay = true;
        await tcp.ConnectAsync("127.0.0.1", port);
        return new RawClient(tcp);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));
    public async Task SendAsync(byte[] bytes) { await _stream.WriteAsync(bytes); await _stream.FlushAsync(); }

    /// <summary>Reads one complete (possibly multi-line) reply; null when the server closed the connection.</summary>
    public async Task<string?> ReadReplyAsync()
    {
        var sb = new StringBuilder();
        while (true)
        {
            string? line = await ReadLineAsync();
            if (line == null) return sb.Length == 0 ? null : sb.ToString();
            sb.Append(line);
            if (line.Length < 4 || line[3] == ' ') return sb.ToString();
            sb.Append('\n');
        }
    }

    public async Task<string> ExpectAsync(string prefix)
    {
        var reply = await ReadReplyAsync();
        Assert.True(reply != null && reply.StartsWith(prefix), $"expected '{prefix}...', got '{reply}'");
        return reply!;
    }

    public async Task<string> CommandAsync(string command, string expect)
    {
        await SendAsync(command + "\r\n");
        return await ExpectAsync(expect);
    }

    private async Task<string?> ReadLineAsync()
    {
        using var cts = new CancellationTokenSource(ReadTimeout);
        while (true)
        {
            int lf = Array.IndexOf(_buf, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                string line = Encoding.UTF8.GetString(_buf, _start, lf - _start).TrimEnd('\r');
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

    /// <summary>True when the server closed the connection (EOF or reset) within the timeout.</summary>
    public async Task<bool> IsClosedAsync()
    {
        try { return await ReadLineAsync() == null; }
        catch (OperationCanceledException) { return false; }
    }

    public async Task UpgradeTlsAsync()
    {
        Assert.Equal(_start, _end);   // nothing unread in the clear
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        _stream = ssl;
    }

    public void Dispose() { _stream.Dispose(); _tcp.Dispose(); }
}

internal static class TestCertificates
{
    private static readonly Lazy<X509Certificate2> Lazy = new(() =>
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    });

    public static X509Certificate2 Localhost => Lazy.Value;
}
