using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols;
using MailAdmin.Protocols.Smtp;

namespace MailAdmin.Hosting;

/// <summary>One accepted socket: the I/O side of an <see cref="SmtpSession"/>. Reads through a
/// PipeReader, frames lines, feeds DATA/BDAT content, runs TLS, arms timeouts and batches replies
/// (written when the reader would otherwise wait: pipelined commands get one write).</summary>
internal sealed class SmtpConnection : IHostedConnection
{
    private readonly SmtpServer _server;
    private readonly SmtpServerOptions _options;
    private readonly Socket _socket;
    private readonly SmtpListenerMode _mode;
    private readonly SmtpSession _session;
    private readonly ByteBuffer _out = new(1024);
    private readonly Timer _timer;
    private readonly CancellationToken _abort;
    private readonly Action<SmtpLogEntry>? _log;
    private Stream _stream;
    private PipeReader _reader = null!;
    private bool _bufferedUnexamined;
    private volatile bool _stopRequested;
    private volatile bool _awaitingCommand;
    private volatile bool _timedOut;
    private volatile bool _inHandshake;
    private volatile bool _readPending;
    private volatile bool _inWrite;
    private int _lastReplyCode;

    public SmtpConnection(SmtpServer server, SmtpServerOptions options, Socket socket, SmtpListenerMode mode, long id, CancellationToken abort)
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
        _session = new SmtpSession(options.CreateSessionSettings(mode), server.Backend, RemoteEndPoint, isSecure: false);
        _session.MessageDelivered += size =>
        {
            Interlocked.Increment(ref server.Statistics._messages);
            Interlocked.Add(ref server.Statistics._bytes, size);
        };
        _session.AuthenticationFailed += () => Interlocked.Increment(ref server.Statistics._authFailures);
        _session.DeliveryError += ex => Log(SmtpLogDirection.Info, "delivery failed: " + ex.GetType().Name + ": " + ex.Message);
        _timer = new Timer(OnTimer, null, Timeout.Infinite, Timeout.Infinite);
    }

    public long Id { get; }
    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>Graceful stop: a session waiting for a command gets 421 4.3.2 now; one busy with
    /// DATA or a delivery gets it at its next command.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        if (_awaitingCommand) CancelRead();
    }

    private void CancelRead()
    {
        // The reader may be completed or replaced (STARTTLS) concurrently; never throw from a timer.
        try { _reader?.CancelPendingRead(); } catch (InvalidOperationException) { }   // includes ObjectDisposedException
    }

    public void Abort()
    {
        try { _socket.Dispose(); } catch { }
    }

    private void OnTimer(object? state)
    {
        if (_inHandshake || _inWrite) { Abort(); return; }   // stuck handshake or a client that does not read
        if (!_readPending) return;   // the read finished just before the timer fired
        _timedOut = true;
        CancelRead();
    }

    private void Log(SmtpLogDirection direction, string text)
    {
        if (_log == null) return;
        try { _log(new SmtpLogEntry(Id, RemoteEndPoint, direction, text)); }
        catch { }   // a failing log sink must not break sessions
    }

    public async Task RunAsync()
    {
        try
        {
            Log(SmtpLogDirection.Info, "connected to " + _mode + " listener");
            if (_mode == SmtpListenerMode.Smtps)
            {
                await UpgradeToTlsAsync().ConfigureAwait(false);
                _session.OnTlsEstablished();
            }
            _reader = CreateReader();
            Send(_session.Greeting());
            await CommandLoopAsync().ConfigureAwait(false);
            await FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or AuthenticationException)
        {
            Log(SmtpLogDirection.Info, "connection lost: " + ex.GetType().Name + ": " + ex.Message);
        }
        catch (Exception ex)
        {
            Log(SmtpLogDirection.Info, "session error: " + ex);
            try
            {
                _out.Clear();
                Send(new SmtpReply(421, "4.3.0", "Local error, closing transmission channel"));
                await FlushAsync().ConfigureAwait(false);
            }
            catch { }
        }
        finally
        {
            _timer.Dispose();
            try { if (_reader != null) await _reader.CompleteAsync().ConfigureAwait(false); } catch { }
            await LingerAsync().ConfigureAwait(false);
            try { _stream.Dispose(); } catch { }
            _session.Dispose();
            _out.Dispose();
            Log(SmtpLogDirection.Info, "closed");
        }
    }

    /// <summary>After a 421: closes our side, then reads and drops what the client still sends for a moment,
    /// so that closing with unread input (pipelined commands after a 421) does not turn into a
    /// TCP reset that would destroy the last reply before the client reads it.</summary>
    private async Task LingerAsync()
    {
        // Only after a 421 (errors, timeout, shutdown): after QUIT the client sends nothing more,
        // and waiting for its close would hold the connection slot.
        if (_abort.IsCancellationRequested || _lastReplyCode != 421) return;
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
        => PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 2048, leaveOpen: true));

    private void Send(SmtpReply reply)
    {
        _lastReplyCode = reply.Code;
        reply.WriteTo(_out);
        if (_log != null) Log(SmtpLogDirection.Sent, reply.ToString());
    }

    private async ValueTask FlushAsync()
    {
        if (_out.Length == 0) return;
        int n = _out.Length;
        _inWrite = true;
        _timer.Change(_options.CommandTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            await _stream.WriteAsync(_out.Array, 0, n, _abort).ConfigureAwait(false);
        }
        finally
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _inWrite = false;
        }
        _out.Clear();
    }

    /// <summary>Reads with a timeout; flushes pending replies first when the read would wait for the network.</summary>
    private async ValueTask<ReadResult> ReadAsync(TimeSpan timeout, bool awaitingCommand)
    {
        if (!_bufferedUnexamined) await FlushAsync().ConfigureAwait(false);
        _bufferedUnexamined = false;
        _readPending = true;
        _timer.Change(timeout, Timeout.InfiniteTimeSpan);
        _awaitingCommand = awaitingCommand;
        if (awaitingCommand && _stopRequested) _reader.CancelPendingRead();
        try
        {
            return await _reader.ReadAsync(_abort).ConfigureAwait(false);
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
        var lines = new SmtpLineReader(_options.MaxCommandLineLength, _options.MaxCommandLineLength + 512, 12288);
        while (true)
        {
            var result = await ReadAsync(_options.CommandTimeout, awaitingCommand: true).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                Send(_timedOut ? SmtpReply.Timeout : SmtpReply.ShuttingDown);
                return;
            }
            var buffer = result.Buffer;
            while (true)
            {
                if (_stopRequested) { _reader.AdvanceTo(buffer.Start); Send(SmtpReply.ShuttingDown); return; }
                bool sasl = _session.State == SmtpState.Auth;
                var status = lines.TryReadLine(ref buffer, out var line, sasl);
                if (status == SmtpLineStatus.NeedMore) break;
                SmtpResponse response;
                if (status == SmtpLineStatus.TooLong)
                {
                    Log(SmtpLogDirection.Received, "<line too long>");
                    if (sasl) response = await _session.ContinueAuthAsync("*", _abort).ConfigureAwait(false);
                    else response = _session.LineTooLong();
                }
                else if (sasl)
                {
                    Log(SmtpLogDirection.Received, "<SASL response redacted>");
                    string text = SmtpCommandParser.DecodeLine(ToSpan(line, out var rented)) ?? "";
                    if (rented != null) ArrayPool<byte>.Shared.Return(rented);
                    response = await _session.ContinueAuthAsync(text, _abort).ConfigureAwait(false);
                }
                else
                {
                    var command = SmtpCommandParser.Parse(line);
                    if (_log != null) Log(SmtpLogDirection.Received, Redact(command, line));
                    response = await _session.ExecuteAsync(command, _abort).ConfigureAwait(false);
                }
                if (response.Delay > TimeSpan.Zero)
                {
                    await FlushAsync().ConfigureAwait(false);
                    await Task.Delay(response.Delay, _abort).ConfigureAwait(false);
                }
                if (response.Reply != null) Send(response.Reply);
                switch (response.Action)
                {
                    case SmtpAction.None:
                    case SmtpAction.ReadAuthResponse:
                        continue;
                    case SmtpAction.Close:
                        _reader.AdvanceTo(buffer.Start);
                        return;
                    case SmtpAction.StartTls:
                    {
                        // RFC 3207 §4.2 / STARTTLS injection: whatever followed STARTTLS in the
                        // clear is dropped, never interpreted after the handshake.
                        long dropped = buffer.Length;
                        _reader.AdvanceTo(buffer.End);
                        await FlushAsync().ConfigureAwait(false);
                        await _reader.CompleteAsync().ConfigureAwait(false);
                        if (dropped > 0) Log(SmtpLogDirection.Info, "discarded " + dropped + " bytes pipelined after STARTTLS");
                        await UpgradeToTlsAsync().ConfigureAwait(false);
                        _session.OnTlsEstablished();
                        _reader = CreateReader();
                        _bufferedUnexamined = false;
                        goto nextRead;
                    }
                    case SmtpAction.ReadData:
                        _reader.AdvanceTo(buffer.Start);
                        _bufferedUnexamined = !buffer.IsEmpty;
                        if (!await ReadDataAsync().ConfigureAwait(false)) return;
                        if (_session.State == SmtpState.Closed) return;
                        goto nextRead;
                    case SmtpAction.ReadChunk:
                        _reader.AdvanceTo(buffer.Start);
                        _bufferedUnexamined = !buffer.IsEmpty;
                        if (!await ReadChunkAsync().ConfigureAwait(false)) return;
                        if (_session.State == SmtpState.Closed) return;
                        goto nextRead;
                }
            }
            if (result.IsCompleted) return;   // client went away
            _reader.AdvanceTo(buffer.Start, buffer.End);
            nextRead:;
        }
    }

    private static ReadOnlySpan<byte> ToSpan(in ReadOnlySequence<byte> seq, out byte[]? rented)
    {
        rented = null;
        if (seq.IsSingleSegment) return seq.First.Span;
        rented = ArrayPool<byte>.Shared.Rent((int)seq.Length);
        seq.CopyTo(rented);
        return new ReadOnlySpan<byte>(rented, 0, (int)seq.Length);
    }

    private static string Redact(SmtpCommand command, in ReadOnlySequence<byte> line)
    {
        if (command.Verb == "AUTH")
            return "AUTH " + (command.Kind == SmtpCommandKind.Auth ? command.Argument + (command.InitialResponse != null ? " <redacted>" : "") : "<redacted>");
        var text = SmtpCommandParser.DecodeLine(line.IsSingleSegment ? line.First.Span : line.ToArray()) ?? "<invalid UTF-8>";
        return text;
    }

    /// <summary>Feeds DATA content to the decoder up to &lt;CRLF&gt;.&lt;CRLF&gt;, then delivers. False when the connection is gone.</summary>
    private async Task<bool> ReadDataAsync()
    {
        var decoder = _session.DataDecoder;
        while (true)
        {
            var result = await ReadAsync(_options.DataTimeout, awaitingCommand: false).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                Send(SmtpReply.Timeout);
                return false;
            }
            var buffer = result.Buffer;
            long used = decoder.Feed(buffer);
            if (decoder.IsComplete)
            {
                var consumed = buffer.GetPosition(used);
                _reader.AdvanceTo(consumed);
                _bufferedUnexamined = used < buffer.Length;
                break;
            }
            _reader.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                Log(SmtpLogDirection.Info, "connection closed during DATA; message discarded");
                return false;
            }
        }
        if (_log != null) Log(SmtpLogDirection.Received, "<" + decoder.Size + " bytes of message content>");
        var response = await _session.CompleteDataAsync(_abort).ConfigureAwait(false);
        if (response.Reply != null) Send(response.Reply);
        return response.Action != SmtpAction.Close;
    }

    /// <summary>Reads one BDAT chunk of exactly the announced size (also for a refused BDAT), then replies.</summary>
    private async Task<bool> ReadChunkAsync()
    {
        long total = _session.PendingChunkSize;
        while (_session.PendingChunkSize > 0)
        {
            var result = await ReadAsync(_options.DataTimeout, awaitingCommand: false).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                Send(SmtpReply.Timeout);
                return false;
            }
            var buffer = result.Buffer;
            long take = Math.Min(buffer.Length, _session.PendingChunkSize);
            var slice = buffer.Slice(0, take);
            foreach (var segment in slice) _session.AppendChunk(segment.Span);
            _reader.AdvanceTo(slice.End);
            _bufferedUnexamined = take < buffer.Length;
            if (take == 0 && result.IsCompleted)
            {
                Log(SmtpLogDirection.Info, "connection closed during BDAT; message discarded");
                return false;
            }
        }
        if (_log != null) Log(SmtpLogDirection.Received, "<" + total + " bytes of chunk content>");
        var response = await _session.CompleteChunkAsync(_abort).ConfigureAwait(false);
        if (response.Reply != null) Send(response.Reply);
        return response.Action != SmtpAction.Close;
    }

    private async Task UpgradeToTlsAsync()
    {
        var certificate = _options.Certificate ?? throw new InvalidOperationException("No certificate configured.");
        SslStream ssl;
        _inHandshake = true;
        _timer.Change(_options.TlsHandshakeTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            ssl = await ServerTls.AuthenticateAsync(_stream, certificate).ConfigureAwait(false);
        }
        finally
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _inHandshake = false;
        }
        _stream = ssl;
        Log(SmtpLogDirection.Info, "TLS established: " + ssl.SslProtocol + " " + ssl.CipherAlgorithm);
    }
}
