using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Imap;

namespace MailAdmin.Hosting;

/// <summary>One accepted IMAP socket: PipeReader framing through <see cref="ImapCommandReader"/>,
/// TLS, literal continuations, IDLE wake-ups, autologout, response batching.</summary>
internal sealed class ImapConnection : IHostedConnection
{
    private const SslProtocols Tls12And13 = SslProtocols.Tls12 | (SslProtocols)12288;

    private readonly ImapServer _server;
    private readonly ImapServerOptions _options;
    private readonly Socket _socket;
    private readonly ImapListenerMode _mode;
    private readonly ImapSession _session;
    private readonly ImapCommandReader _parser;
    private readonly Timer _timer;
    private readonly CancellationToken _abort;
    private readonly Action<ImapLogEntry>? _log;
    private Stream _stream;
    private PipeReader _reader = null!;
    private ReadOnlySequence<byte> _buf;
    private bool _holding, _completed;
    private long _dueOutput;   // output of finished commands not yet flushed: kept when a command fails inside
    private volatile bool _stopRequested, _awaitingCommand, _timedOut, _inHandshake, _readPending, _inWrite;

    public ImapConnection(ImapServer server, ImapServerOptions options, Socket socket, ImapListenerMode mode, long id, CancellationToken abort)
    {
        _server = server;
        _options = options;
        _socket = socket;
        _mode = mode;
        _abort = abort;
        _log = options.ProtocolLog;
        Id = id;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _parser = new ImapCommandReader(options.CreateParserLimits());
        var settings = new ImapSessionSettings
        {
            HostName = options.HostName,
            TlsAvailable = options.Certificate != null,
            AllowInsecureAuth = options.AllowInsecureAuth,
            BearerTokens = options.BearerTokens,
            AppendLimit = options.AppendLimit,
            MaxErrorsBeforeLogin = options.MaxErrorsBeforeLogin,
            AuthFailureDelay = options.AuthFailureDelay,
            Subscriptions = server.Subscriptions,
            AcquireAccount = server.AcquireAccount,
            ReleaseAccount = server.ReleaseAccount,
        };
        _session = new ImapSession(settings, server.Store, isSecure: false);
        _session.FlushOutput = ct => FlushAsync().AsTask();
        _session.AuthenticationFailed += () => Interlocked.Increment(ref server.Statistics._authFailures);
        _session.InternalError += ex => Log(ImapLogDirection.Info, "command failed: " + ex.GetType().Name + ": " + ex.Message);
        _timer = new Timer(OnTimer, null, Timeout.Infinite, Timeout.Infinite);
    }

    public long Id { get; }
    public IPEndPoint? RemoteEndPoint { get; }

    public void RequestStop()
    {
        _stopRequested = true;
        if (_awaitingCommand) CancelRead();
    }

    private void CancelRead()
    {
        try { _reader?.CancelPendingRead(); } catch (InvalidOperationException) { }
    }

    public void Abort()
    {
        try { _socket.Dispose(); } catch { }
    }

    private void OnTimer(object? state)
    {
        if (_inHandshake || _inWrite) { Abort(); return; }
        if (!_readPending) return;
        _timedOut = true;
        CancelRead();
    }

    private void Log(ImapLogDirection direction, string text)
    {
        if (_log == null) return;
        try { _log(new ImapLogEntry(Id, RemoteEndPoint, direction, text)); }
        catch { }
    }

    public async Task RunAsync()
    {
        try
        {
            Log(ImapLogDirection.Info, "connected to " + _mode + " listener");
            if (_mode == ImapListenerMode.Imaps)
            {
                await UpgradeToTlsAsync().ConfigureAwait(false);
                _session.OnTlsEstablished();
            }
            _reader = CreateReader();
            _session.Greeting();
            await CommandLoopAsync().ConfigureAwait(false);
            await FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or AuthenticationException)
        {
            Log(ImapLogDirection.Info, "connection lost: " + ex.GetType().Name + ": " + ex.Message);
        }
        catch (Exception ex)
        {
            Log(ImapLogDirection.Info, "session error: " + ex);
            try
            {
                // Replies of earlier commands are due; only the failed command's partial output goes.
                _session.Output.SetLength(Math.Min(_dueOutput, _session.Output.Length));
                _session.Bye("[SERVERBUG] Internal error, closing");
                await FlushAsync().ConfigureAwait(false);
            }
            catch { }
        }
        finally
        {
            _timer.Dispose();
            try { if (_reader != null) await _reader.CompleteAsync().ConfigureAwait(false); } catch { }
            try { _stream.Dispose(); } catch { }
            _session.Dispose();
            Log(ImapLogDirection.Info, "closed");
        }
    }

    private PipeReader CreateReader()
        => PipeReader.Create(new CountingStream(_stream, _server.Statistics, _socket), new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));

    private async ValueTask FlushAsync()
    {
        var output = _session.Output;
        if (output.Length == 0) return;
        int n = (int)output.Length;
        if (_log != null) LogOutput(output.GetBuffer(), n);
        _inWrite = true;
        _timer.Change(_options.IdleTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            await _stream.WriteAsync(output.GetBuffer(), 0, n, _abort).ConfigureAwait(false);
            await _stream.FlushAsync(_abort).ConfigureAwait(false);
        }
        finally
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _inWrite = false;
        }
        Interlocked.Add(ref _server.Statistics._bytesSent, n);
        output.SetLength(0);
        _dueOutput = 0;
        if (output.Capacity > 1024 * 1024) output.Capacity = 64 * 1024;   // a big FETCH must not pin memory for the session's life
    }

    /// <summary>Logs response lines; literal contents (message data) are replaced by their size.</summary>
    private void LogOutput(byte[] data, int length)
    {
        int pos = 0;
        while (pos < length)
        {
            int lf = Array.IndexOf(data, (byte)'\n', pos, length - pos);
            int end = lf < 0 ? length : lf;
            int lineEnd = end > pos && data[end - 1] == '\r' ? end - 1 : end;
            var line = ImapCommandReader.TryLiteralMarker(Slice(data, pos, lineEnd), out long size, out _) ? (long?)size : null;
            string text = Encoding.UTF8.GetString(data, pos, Math.Min(lineEnd - pos, 500));
            Log(ImapLogDirection.Sent, text);
            pos = end + 1;
            if (line is long skip && skip > 0)
            {
                Log(ImapLogDirection.Sent, "<" + skip + " bytes of literal data>");
                pos = (int)Math.Min(length, pos + skip);
            }
        }
    }

    private static byte[] Slice(byte[] data, int start, int end)
    {
        int n = Math.Min(end - start, 64);
        var tail = new byte[Math.Max(0, n)];
        if (n > 0) Array.Copy(data, end - n, tail, 0, n);
        return tail;
    }

    private TimeSpan CommandTimeout => _session.State == ImapState.NotAuthenticated ? _options.LoginTimeout : _options.IdleTimeout;

    /// <summary>Releases the held buffer and reads more. False when the read was cancelled (timeout, stop).</summary>
    private async ValueTask<bool> FillAsync(bool awaitingCommand)
    {
        if (_holding) { _reader.AdvanceTo(_buf.Start, _buf.End); _holding = false; }
        await FlushAsync().ConfigureAwait(false);
        _readPending = true;
        _timer.Change(CommandTimeout, Timeout.InfiniteTimeSpan);
        _awaitingCommand = awaitingCommand;
        if (awaitingCommand && _stopRequested) _reader.CancelPendingRead();
        ReadResult result;
        try { result = await _reader.ReadAsync(_abort).ConfigureAwait(false); }
        finally
        {
            _readPending = false;
            _awaitingCommand = false;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        _holding = true;
        _buf = result.Buffer;
        _completed = result.IsCompleted;
        return !result.IsCanceled;
    }

    private void SayGoodbye()
    {
        _session.Bye(_timedOut ? "Autologout; idle for too long" : "Server shutting down");
        Log(ImapLogDirection.Info, _timedOut ? "autologout" : "stopping");
    }

    private async Task CommandLoopAsync()
    {
        while (true)
        {
            if (!await FillAsync(awaitingCommand: !_parser.InCommand).ConfigureAwait(false)) { SayGoodbye(); return; }
            while (true)
            {
                if (_stopRequested && !_parser.InCommand) { SayGoodbye(); return; }
                _parser.AppendAllowed = _session.State is ImapState.Authenticated or ImapState.Selected;
                _dueOutput = _session.Output.Length;
                var r = _parser.TryRead(ref _buf);
                if (r.Status == ImapReadStatus.NeedMore) break;
                if (r.Status == ImapReadStatus.Continue)
                {
                    _session.WriteLine("+ Ready for literal data");
                    continue;
                }
                ImapResponse response;
                if (r.Status == ImapReadStatus.Error)
                {
                    Log(ImapLogDirection.Received, "<refused: " + r.ErrorText + ">");
                    response = _session.ReadError(r);
                }
                else
                {
                    var command = r.Command!;
                    Interlocked.Increment(ref _server.Statistics._commands);
                    if (_log != null) Log(ImapLogDirection.Received, Redact(command));
                    var wasAuthenticated = _session.State != ImapState.NotAuthenticated;
                    response = await _session.ExecuteAsync(command, _abort).ConfigureAwait(false);
                    if (!wasAuthenticated && _session.State != ImapState.NotAuthenticated) Interlocked.Increment(ref _server.Statistics._logins);
                }
                if (!await HandleAsync(response).ConfigureAwait(false)) return;
            }
            if (_completed) return;
        }
    }

    /// <summary>Carries out a response's action. False when the connection ends.</summary>
    private async Task<bool> HandleAsync(ImapResponse response)
    {
        while (true)
        {
            if (response.Delay > TimeSpan.Zero)
            {
                await Task.Delay(response.Delay, _abort).ConfigureAwait(false);
            }
            switch (response.Action)
            {
                case ImapAction.None:
                    return true;
                case ImapAction.Close:
                    return false;
                case ImapAction.StartTls:
                {
                    // Whatever followed STARTTLS in the clear is dropped, never interpreted after the handshake.
                    long dropped = _buf.Length;
                    _reader.AdvanceTo(_buf.End);
                    _holding = false;
                    _buf = default;
                    await FlushAsync().ConfigureAwait(false);
                    await _reader.CompleteAsync().ConfigureAwait(false);
                    if (dropped > 0) Log(ImapLogDirection.Info, "discarded " + dropped + " bytes pipelined after STARTTLS");
                    await UpgradeToTlsAsync().ConfigureAwait(false);
                    _session.OnTlsEstablished();
                    _reader = CreateReader();
                    _parser.Reset();
                    return true;
                }
                case ImapAction.ReadSaslResponse:
                {
                    var line = await ReadLineAsync().ConfigureAwait(false);
                    if (line == null) return false;
                    Log(ImapLogDirection.Received, "<SASL response redacted>");
                    response = await _session.ContinueAuthenticateAsync(line.Value.Text ?? "*", _abort).ConfigureAwait(false);
                    if (_session.State != ImapState.NotAuthenticated) Interlocked.Increment(ref _server.Statistics._logins);
                    continue;
                }
                case ImapAction.Idle:
                    response = await IdleAsync().ConfigureAwait(false);
                    continue;
            }
            return true;
        }
    }

    /// <summary>One raw line (null Text when too long); null when the connection ended or the read was cancelled.</summary>
    private async Task<(string? Text, bool _)?> ReadLineAsync()
    {
        while (true)
        {
            if (_parser.TryReadLine(ref _buf, out var line)) return (line, true);
            if (_completed) return null;
            if (!await FillAsync(awaitingCommand: true).ConfigureAwait(false)) { SayGoodbye(); return null; }
        }
    }

    /// <summary>IDLE: pushes the mailbox's changes as they happen until a line (DONE) arrives.</summary>
    private async Task<ImapResponse> IdleAsync()
    {
        while (true)
        {
            if (_parser.TryReadLine(ref _buf, out var line))
            {
                Log(ImapLogDirection.Received, line ?? "<line too long>");
                return await _session.EndIdleAsync(line, _abort).ConfigureAwait(false);
            }
            if (_completed) return ImapResponse.Close;
            if (_holding) { _reader.AdvanceTo(_buf.Start, _buf.End); _holding = false; }
            await FlushAsync().ConfigureAwait(false);
            _readPending = true;
            _awaitingCommand = true;
            _timer.Change(_options.IdleTimeout, Timeout.InfiniteTimeSpan);
            if (_stopRequested) _reader.CancelPendingRead();
            var read = _reader.ReadAsync(_abort).AsTask();
            ReadResult result;
            try
            {
                while (!read.IsCompleted)
                {
                    var signal = _session.ChangeSignal;
                    if (_session.HasPendingChanges)
                    {
                        await _session.IdleUpdateAsync(_abort).ConfigureAwait(false);
                        await FlushAsync().ConfigureAwait(false);
                        continue;
                    }
                    await Task.WhenAny(read, signal).ConfigureAwait(false);
                }
                result = await read.ConfigureAwait(false);
            }
            finally
            {
                _readPending = false;
                _awaitingCommand = false;
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            _holding = true;
            _buf = result.Buffer;
            _completed = result.IsCompleted;
            if (result.IsCanceled) { SayGoodbye(); return ImapResponse.Close; }
        }
    }

    private static string Redact(ImapCommand command)
    {
        if (command.Name == "LOGIN")
            return command.Tag + " LOGIN " + (command.Arguments.Count > 0 ? command.Arguments[0].ToString() : "") + " <redacted>";
        if (command.Name == "AUTHENTICATE")
            return command.Tag + " AUTHENTICATE " + (command.Arguments.Count > 0 ? command.Arguments[0].ToString() : "") + (command.Arguments.Count > 1 ? " <redacted>" : "");
        var text = command.ToString();
        return text.Length > 1000 ? text.Substring(0, 1000) + "..." : text;
    }

    private async Task UpgradeToTlsAsync()
    {
        var certificate = _options.Certificate ?? throw new InvalidOperationException("No certificate configured.");
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        _inHandshake = true;
        _timer.Change(_options.TlsHandshakeTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            await ssl.AuthenticateAsServerAsync(certificate, false, Tls12And13, false).ConfigureAwait(false);
        }
        finally
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _inHandshake = false;
        }
        _stream = ssl;
        Log(ImapLogDirection.Info, "TLS established: " + ssl.SslProtocol + " " + ssl.CipherAlgorithm);
    }

    /// <summary>Counts the bytes read for the statistics, and asks for a quick ACK after each read (see TcpQuickAck).</summary>
    private sealed class CountingStream : Stream
    {
        private readonly Stream _inner;
        private readonly ImapServerStatistics _stats;
        private readonly Socket _socket;
        public CountingStream(Stream inner, ImapServerStatistics stats, Socket socket) { _inner = inner; _stats = stats; _socket = socket; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = _inner.Read(buffer, offset, count);
            Interlocked.Add(ref _stats._bytesReceived, n);
            return n;
        }
        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            int n = await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _stats._bytesReceived, n);
            if (n > 0) TcpQuickAck.Request(_socket);
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
