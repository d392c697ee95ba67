using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols;

namespace MailAdmin.Hosting;

/// <summary>What a read is for: a command (graceful stop may interrupt the wait for one), or message content.</summary>
internal enum ReadPhase { Command, Content }

/// <summary>
/// The I/O core of one accepted socket, shared by SMTP, IMAP and POP3: TLS (implicit, or
/// STARTTLS/STLS with whatever the client pipelined before the handshake dropped), the
/// PipeReader with the unconsumed input held in <see cref="Buffer"/>, the timers (idle, login,
/// per-command and content deadlines, handshake, writes), batched writes, graceful stop and
/// abort, a short linger after a final refusal, and the protocol log. A protocol adapter
/// derives from it and keeps only the protocol: framing, its session, and its words.
/// </summary>
internal abstract class ProtocolConnection
{
    private readonly Socket _socket;
    private readonly bool _implicitTls;
    private readonly string _protocol;
    private readonly string _listener;
    private readonly ServerOptions _options;
    private readonly Action<ProtocolLogEntry>? _log;
    private readonly Timer _timer;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Stream _stream;
    private PipeReader? _reader;
    private bool _holding, _pastLogin;
    private TimeSpan? _unitStart;
    private TimeSpan _readDeadline, _lastRead;
    private ByteBuffer? _out;
    private long _unitBytes, _received;
    private volatile bool _stopRequested, _awaitingCommand, _timedOut, _inHandshake, _readPending, _inWrite;

    protected ProtocolConnection(string protocol, ServerOptions options, ServerStatistics statistics, Socket socket, string listener, bool implicitTls, long id, CancellationToken abort)
    {
        _protocol = protocol;
        Statistics = statistics;
        _socket = socket;
        _listener = listener;
        _implicitTls = implicitTls;
        _options = options;
        _log = options.ProtocolLog;
        AbortToken = abort;
        Id = id;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _timer = new Timer(OnTimer, null, Timeout.Infinite, Timeout.Infinite);
    }

    public long Id { get; }
    public IPEndPoint? RemoteEndPoint { get; }
    protected ServerStatistics Statistics { get; }
    /// <summary>Cancelled when the server aborts its sessions.</summary>
    protected CancellationToken AbortToken { get; }
    protected bool LogEnabled => _log != null;
    protected bool StopRequested => _stopRequested;
    /// <summary>Replies not yet written (SMTP, POP3; IMAP writes its session's own output).</summary>
    protected ByteBuffer Out => _out ??= new ByteBuffer(4096);
    /// <summary>Input read and not yet consumed; adapters slice what they use off its front.</summary>
    protected ReadOnlySequence<byte> Buffer;
    /// <summary>The client closed its side: no more input will come.</summary>
    protected bool InputCompleted { get; private set; }
    /// <summary>Set after a final refusal (421, BYE, -ERR): on close, the client's late input is read and dropped for a moment.</summary>
    protected bool LingerOnClose { get; set; }

    /// <summary>True once the client has logged in (or, for SMTP without AUTH, started a transaction): the login deadline no longer applies.</summary>
    protected abstract bool PastLogin { get; }
    /// <summary>A command has begun but not ended (its first bytes are buffered, or IMAP waits for a literal).</summary>
    protected virtual bool MidCommand => !Buffer.IsEmpty;

    /// <summary>The greeting and the command loop.</summary>
    protected abstract Task SessionAsync();
    protected abstract void OnTlsEstablished();
    /// <summary>Queues the words that end a session on a timeout or on a graceful stop.</summary>
    protected abstract void QueueGoodbye(bool timedOut);
    /// <summary>Replaces queued output with a local-error goodbye.</summary>
    protected abstract void QueueInternalError();
    /// <summary>Releases the session (after the socket is closed).</summary>
    protected abstract void OnClosed();

    /// <summary>Graceful stop: a session waiting for a command is told at once; a busy one at its next command.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        if (_awaitingCommand) CancelRead();
    }

    /// <summary>Closes at once.</summary>
    public void Abort()
    {
        try { _socket.Dispose(); } catch { }
    }

    private void CancelRead()
    {
        // The reader may be completed or replaced (STARTTLS) concurrently; never throw from a timer.
        try { _reader?.CancelPendingRead(); } catch (InvalidOperationException) { }   // includes ObjectDisposedException
    }

    private void OnTimer(object? state)
    {
        if (_inHandshake || _inWrite) { try { _socket.Dispose(); } catch { } return; }   // stuck handshake, or a client that does not read
        if (!_readPending) return;   // the read finished just before the timer fired
        _timedOut = true;
        CancelRead();
    }

    protected void Log(ProtocolLogDirection direction, string text)
    {
        if (_log == null) return;
        try { _log(new ProtocolLogEntry(_protocol, Id, RemoteEndPoint, direction, text)); }
        catch { }   // a failing log sink must not break sessions
    }

    public async Task RunAsync()
    {
        try
        {
            Log(ProtocolLogDirection.Info, "connected to " + _listener + " listener");
            if (_implicitTls)
            {
                await UpgradeToTlsAsync().ConfigureAwait(false);
                OnTlsEstablished();
            }
            _reader = CreateReader();
            await SessionAsync().ConfigureAwait(false);
            await FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or AuthenticationException)
        {
            Log(ProtocolLogDirection.Info, "connection lost: " + ex.GetType().Name + ": " + ex.Message);
        }
        catch (Exception ex)
        {
            Log(ProtocolLogDirection.Info, "session error: " + ex);
            try
            {
                QueueInternalError();
                LingerOnClose = true;
                await FlushAsync().ConfigureAwait(false);
            }
            catch { }
        }
        finally
        {
            _timer.Dispose();
            if (_timedOut) Interlocked.Increment(ref Statistics._timedOut);
            try { if (_reader != null) await _reader.CompleteAsync().ConfigureAwait(false); } catch { }
            await LingerAsync().ConfigureAwait(false);
            try { _stream.Dispose(); } catch { }
            OnClosed();
            _out?.Dispose();
            Log(ProtocolLogDirection.Info, "closed");
        }
    }

    /// <summary>After a final refusal: closes our side, then reads and drops what the client still sends for a moment,
    /// so that closing with unread input (pipelined commands) does not turn into a TCP reset that
    /// destroys the last reply before the client reads it.</summary>
    private async Task LingerAsync()
    {
        if (AbortToken.IsCancellationRequested || !LingerOnClose) return;
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
            var drain = new byte[1024];
            var deadline = DateTime.UtcNow.AddSeconds(1);
            while (DateTime.UtcNow < deadline)
            {
                var receive = _socket.ReceiveAsync(new ArraySegment<byte>(drain), SocketFlags.None);
                if (await Task.WhenAny(receive, Task.Delay(deadline - DateTime.UtcNow)).ConfigureAwait(false) != receive) break;
                if (await receive.ConfigureAwait(false) == 0) break;
            }
        }
        catch { }
    }

    private PipeReader CreateReader()
        => PipeReader.Create(new CountingStream(_stream, this), new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));

    /// <summary>The output waiting to be written; IMAP overrides (its session writes its own buffer).</summary>
    protected virtual ArraySegment<byte> PendingOutput => _out == null ? default : new(_out.Array, 0, _out.Length);

    protected virtual void OutputWritten() => _out?.Clear();

    /// <summary>Writes the queued output; a client that does not read is cut off after the idle timeout.</summary>
    protected async ValueTask FlushAsync()
    {
        var output = PendingOutput;
        if (output.Count == 0) return;
        _inWrite = true;
        _timer.Change(_options.IdleTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            await _stream.WriteAsync(output.Array!, output.Offset, output.Count, AbortToken).ConfigureAwait(false);
            await _stream.FlushAsync(AbortToken).ConfigureAwait(false);
        }
        finally
        {
            _inWrite = false;
            // A write during a pending read (IMAP IDLE updates) leaves the read's own deadline armed.
            _timer.Change(_readPending ? Max(TimeSpan.Zero, _readDeadline - _clock.Elapsed) : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        Interlocked.Add(ref Statistics._bytesSent, output.Count);
        OutputWritten();
    }

    /// <summary>Gives back what <see cref="Buffer"/> no longer holds (the adapter sliced it off).</summary>
    private void Release()
    {
        if (_holding) { _reader!.AdvanceTo(Buffer.Start, Buffer.End); _holding = false; }
    }

    /// <summary>A command was read whole: the deadline of the next one counts from the arrival of its
    /// first bytes when they are already buffered (pipelining), else from the next read.</summary>
    protected void CommandCompleted()
    {
        _unitStart = Buffer.IsEmpty ? null : _lastRead;
        _unitBytes = _received - Buffer.Length;
    }

    /// <summary>Marks the start of message content (DATA, BDAT): its deadline counts from now.</summary>
    protected void BeginContent()
    {
        _unitStart = _clock.Elapsed;
        _unitBytes = _received - Buffer.Length;
    }

    /// <summary>
    /// Flushes the queued output, then waits for more input into <see cref="Buffer"/>.
    /// False when the wait ended by a timeout or a graceful stop: the goodbye is then queued and
    /// the adapter returns. <paramref name="whileWaiting"/> runs while the read is pending (IMAP IDLE's updates).
    /// </summary>
    protected async ValueTask<bool> FillAsync(ReadPhase phase, Func<Task, Task>? whileWaiting = null)
    {
        bool awaitingCommand = phase == ReadPhase.Command && !MidCommand;
        if (awaitingCommand) _unitStart = null;
        if (!_pastLogin && PastLogin) _pastLogin = true;
        Release();
        await FlushAsync().ConfigureAwait(false);
        var timeout = NextTimeout(phase, awaitingCommand);
        ReadResult result = default;
        bool cancelled = timeout <= TimeSpan.Zero;
        if (cancelled) _timedOut = true;
        else
        {
            _readDeadline = _clock.Elapsed + timeout;
            _readPending = true;
            _timer.Change(timeout, Timeout.InfiniteTimeSpan);
            _awaitingCommand = awaitingCommand;
            if (awaitingCommand && _stopRequested) _reader!.CancelPendingRead();
            try
            {
                var read = _reader!.ReadAsync(AbortToken);
                if (whileWaiting != null && !read.IsCompleted)
                {
                    var task = read.AsTask();
                    await whileWaiting(task).ConfigureAwait(false);
                    result = await task.ConfigureAwait(false);
                }
                else result = await read.ConfigureAwait(false);
            }
            finally
            {
                _readPending = false;
                _awaitingCommand = false;
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            _lastRead = _clock.Elapsed;
            _holding = true;
            Buffer = result.Buffer;
            InputCompleted = result.IsCompleted;
            cancelled = result.IsCanceled;
            if (_unitStart == null && !Buffer.IsEmpty)
            {
                _unitStart = _clock.Elapsed;
                _unitBytes = _received - Buffer.Length;
            }
        }
        if (!cancelled) return true;
        Log(ProtocolLogDirection.Info, _timedOut ? "timed out" : "stopping");
        QueueGoodbye(_timedOut);
        LingerOnClose = true;
        return false;
    }

    /// <summary>The wait allowed for the next read: the idle timeout between commands; inside a
    /// command or content, what is left of its deadline (grace plus its size at the minimum
    /// rate); never past the login deadline before login.</summary>
    private TimeSpan NextTimeout(ReadPhase phase, bool awaitingCommand)
    {
        var o = _options;
        var now = _clock.Elapsed;
        var timeout = phase == ReadPhase.Content ? o.ContentTimeout : o.IdleTimeout;
        if (!awaitingCommand && _unitStart is TimeSpan start)
        {
            var allowed = o.CommandTimeoutGrace + TimeSpan.FromSeconds((double)(_received - _unitBytes) / o.MinimumDataRate);
            timeout = Min(timeout, start + allowed - now);
        }
        if (!_pastLogin) timeout = Min(timeout, o.LoginTimeout - now);
        return timeout;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>STARTTLS/STLS: drops whatever the client pipelined in the clear after the command
    /// (RFC 3207 §4.2, RFC 2595 §4: never interpreted after the handshake), then runs the handshake.</summary>
    protected async Task StartTlsAsync(string command)
    {
        long dropped = Buffer.Length;
        if (_holding) { _reader!.AdvanceTo(Buffer.End); _holding = false; }
        Buffer = default;
        await FlushAsync().ConfigureAwait(false);
        await _reader!.CompleteAsync().ConfigureAwait(false);
        if (dropped > 0) Log(ProtocolLogDirection.Info, "discarded " + dropped + " bytes pipelined after " + command);
        await UpgradeToTlsAsync().ConfigureAwait(false);
        OnTlsEstablished();
        _reader = CreateReader();
    }

    private async Task UpgradeToTlsAsync()
    {
        var certificate = _options.Certificate ?? throw new InvalidOperationException("No certificate configured.");
        _inHandshake = true;
        _timer.Change(_options.TlsHandshakeTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            var ssl = await ServerTls.AuthenticateAsync(_stream, certificate).ConfigureAwait(false);
            _stream = ssl;
            Log(ProtocolLogDirection.Info, "TLS established: " + ssl.SslProtocol + " " + ssl.CipherAlgorithm);
        }
        finally
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _inHandshake = false;
        }
    }

    /// <summary>Counts the bytes read (statistics, content deadlines), and asks for a quick ACK after each read (see TcpQuickAck).</summary>
    private sealed class CountingStream : Stream
    {
        private readonly Stream _inner;
        private readonly ProtocolConnection _owner;
        public CountingStream(Stream inner, ProtocolConnection owner) { _inner = inner; _owner = owner; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Count(_inner.Read(buffer, offset, count));
        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            int n = Count(await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));
            if (n > 0) TcpQuickAck.Request(_owner._socket);
            return n;
        }
        private int Count(int n)
        {
            _owner._received += n;
            Interlocked.Add(ref _owner.Statistics._bytesReceived, n);
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
