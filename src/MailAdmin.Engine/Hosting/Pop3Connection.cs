using System;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols;
using MailAdmin.Protocols.Pop3;

namespace MailAdmin.Hosting;

/// <summary>One accepted socket: the I/O side of a <see cref="Pop3Session"/>. Reads through a PipeReader,
/// frames lines, runs TLS (STLS, POP3S), applies the autologout timer and the failed-login delay, and
/// batches replies (pipelined commands, RFC 2449 PIPELINING, get one write).</summary>
internal sealed class Pop3Connection : IHostedConnection
{
    private const int FlushThreshold = 64 * 1024;

    private readonly Pop3Server _server;
    private readonly Pop3ServerOptions _options;
    private readonly Socket _socket;
    private readonly Pop3ListenerMode _mode;
    private readonly Pop3Session _session;
    private readonly ByteBuffer _out = new(4096);
    private readonly Timer _timer;
    private readonly CancellationToken _abort;
    private readonly Action<ProtocolLogEntry>? _log;
    private Stream _stream;
    private PipeReader? _reader;
    private volatile bool _stopRequested, _awaitingCommand, _timedOut, _inHandshake, _readPending, _inWrite;

    public Pop3Connection(Pop3Server server, Pop3ServerOptions options, Socket socket, Pop3ListenerMode mode, long id, CancellationToken abort)
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
        _session = new Pop3Session(options.CreateSessionSettings(RemoteEndPoint?.Address), server.Store, server.Locks, server.Sizes);
        var stats = server.Statistics;
        _session.MessageRetrieved += size =>
        {
            Interlocked.Increment(ref stats._messagesRetrieved);
            Interlocked.Add(ref stats._bytes, size);
        };
        _session.AuthenticationFailed += () => Interlocked.Increment(ref stats._authFailures);
        _session.MessagesDeleted += n => Interlocked.Add(ref stats._messagesDeleted, n);
        _session.LoggedIn += () => Interlocked.Increment(ref stats._logins);
        _timer = new Timer(OnTimer, null, Timeout.Infinite, Timeout.Infinite);
    }

    public long Id { get; }
    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>Graceful stop: a session waiting for a command is told now; a busy one after its current command.
    /// Nothing is deleted (no UPDATE state).</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        if (_awaitingCommand) CancelRead();
    }

    public void Abort()
    {
        try { _socket.Dispose(); } catch { }
    }

    private void CancelRead()
    {
        try { _reader?.CancelPendingRead(); } catch (InvalidOperationException) { }
    }

    private void OnTimer(object? state)
    {
        if (_inHandshake || _inWrite) { Abort(); return; }   // stuck handshake, or a client that does not read
        if (!_readPending) return;
        _timedOut = true;
        CancelRead();
    }

    private void Log(ProtocolLogDirection direction, string text)
    {
        if (_log == null) return;
        try { _log(new ProtocolLogEntry("POP3", Id, RemoteEndPoint, direction, text)); }
        catch { }   // a failing log sink must not break sessions
    }

    public async Task RunAsync()
    {
        try
        {
            Log(ProtocolLogDirection.Info, "connected to " + _mode + " listener");
            if (_mode == Pop3ListenerMode.Pop3s)
            {
                await UpgradeToTlsAsync().ConfigureAwait(false);
                _session.OnTlsEstablished();
            }
            _reader = CreateReader();
            Sent(_session.Greeting(_out));
            await CommandLoopAsync().ConfigureAwait(false);
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
                _out.Clear();
                _out.AppendText("-ERR [SYS/TEMP] Local error, closing\r\n");
                await FlushAsync().ConfigureAwait(false);
            }
            catch { }
        }
        finally
        {
            _timer.Dispose();
            // A session that did not reach UPDATE deletes nothing; this releases its maildrop lock.
            bool deletesDropped = _session.State == Pop3State.Transaction;
            _session.Dispose();
            if (deletesDropped) Log(ProtocolLogDirection.Info, "closed without QUIT: no deletions applied");
            try { if (_reader != null) await _reader.CompleteAsync().ConfigureAwait(false); } catch { }
            try { _stream.Dispose(); } catch { }
            _out.Dispose();
            Log(ProtocolLogDirection.Info, "closed");
        }
    }

    private PipeReader CreateReader()
        => PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 2048, leaveOpen: true));

    private void Sent(Pop3Response response)
    {
        if (_log != null) Log(ProtocolLogDirection.Sent, response.ToString());
    }

    private void SendLine(string line)
    {
        _out.AppendText(line + "\r\n");
        if (_log != null) Log(ProtocolLogDirection.Sent, line);
    }

    private async ValueTask FlushAsync()
    {
        if (_out.Length == 0) return;
        _inWrite = true;
        _timer.Change(_options.IdleTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            await _stream.WriteAsync(_out.Array, 0, _out.Length, _abort).ConfigureAwait(false);
            await _stream.FlushAsync(_abort).ConfigureAwait(false);
        }
        finally
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _inWrite = false;
        }
        _out.Clear();
    }

    /// <summary>Flushes the queued replies, then waits for input (the autologout timer runs meanwhile).</summary>
    private async ValueTask<ReadResult> ReadAsync()
    {
        await FlushAsync().ConfigureAwait(false);
        _readPending = true;
        _timer.Change(_options.IdleTimeout, Timeout.InfiniteTimeSpan);
        _awaitingCommand = true;
        if (_stopRequested) _reader!.CancelPendingRead();
        try
        {
            return await _reader!.ReadAsync(_abort).ConfigureAwait(false);
        }
        finally
        {
            _readPending = false;
            _awaitingCommand = false;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task CommandLoopAsync()
    {
        var lines = new LineFramer();
        while (true)
        {
            var result = await ReadAsync().ConfigureAwait(false);
            if (result.IsCanceled)
            {
                // RFC 1939 §3 autologout: close without entering UPDATE.
                SendLine(_timedOut ? "-ERR Autologout: idle for too long" : "-ERR [SYS/TEMP] Server shutting down");
                return;
            }
            var buffer = result.Buffer;
            while (true)
            {
                if (_stopRequested) { _reader!.AdvanceTo(buffer.Start); SendLine("-ERR [SYS/TEMP] Server shutting down"); return; }
                bool sasl = _session.State == Pop3State.SaslResponse;
                int limit = sasl ? Pop3CommandParser.MaxSaslLength : Pop3CommandParser.LimitFor(buffer);
                var status = lines.TryReadLine(ref buffer, out var line, limit);
                if (status == LineStatus.NeedMore) break;
                Pop3Response response;
                if (status == LineStatus.TooLong)
                {
                    Log(ProtocolLogDirection.Received, "<line too long>");
                    response = _session.LineTooLong(_out);
                }
                else if (sasl)
                {
                    Log(ProtocolLogDirection.Received, "<SASL response redacted>");
                    response = await _session.ContinueSaslAsync(LineFramer.Decode(line) ?? "", _out, _abort).ConfigureAwait(false);
                }
                else
                {
                    var command = Pop3CommandParser.Parse(line);
                    if (_log != null) Log(ProtocolLogDirection.Received, command.ToLogString());
                    response = await _session.ExecuteAsync(command, _out, _abort).ConfigureAwait(false);
                }
                Sent(response);
                if (response.Delay > TimeSpan.Zero)
                {
                    // Everything queued (this reply included) waits: a password guesser gets nothing sooner.
                    await Task.Delay(response.Delay, _abort).ConfigureAwait(false);
                }
                if (_out.Length >= FlushThreshold) await FlushAsync().ConfigureAwait(false);
                switch (response.Action)
                {
                    case Pop3Action.Close:
                        _reader!.AdvanceTo(buffer.Start);
                        return;
                    case Pop3Action.StartTls:
                    {
                        // RFC 2595 §4: whatever followed STLS in the clear is dropped, never interpreted after the handshake.
                        long dropped = buffer.Length;
                        _reader!.AdvanceTo(buffer.End);
                        await FlushAsync().ConfigureAwait(false);
                        await _reader.CompleteAsync().ConfigureAwait(false);
                        if (dropped > 0) Log(ProtocolLogDirection.Info, "discarded " + dropped + " bytes pipelined after STLS");
                        await UpgradeToTlsAsync().ConfigureAwait(false);
                        _session.OnTlsEstablished();
                        _reader = CreateReader();
                        lines = new LineFramer();
                        goto nextRead;
                    }
                }
            }
            if (result.IsCompleted) return;   // the client went away: no UPDATE
            // Replies are flushed by the next ReadAsync, i.e. only when no complete command is waiting
            // (pipelined commands share one write).
            _reader!.AdvanceTo(buffer.Start, buffer.End);
            nextRead:;
        }
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
}
