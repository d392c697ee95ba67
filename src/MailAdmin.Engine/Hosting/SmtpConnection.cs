using System;
using System.Buffers;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Smtp;

namespace MailAdmin.Hosting;

/// <summary>The SMTP side of a connection: frames command lines, feeds DATA/BDAT content to the
/// <see cref="SmtpSession"/>, and batches replies (pipelined commands get one write).</summary>
internal sealed class SmtpConnection : ProtocolConnection
{
    private readonly SmtpListenerMode _mode;
    private readonly SmtpSession _session;
    private readonly int _maxLine;

    public SmtpConnection(SmtpServer server, Socket socket, SmtpListenerMode mode, long id, CancellationToken abort)
        : base("SMTP", server.Options, server.Statistics, socket, mode.ToString(), mode == SmtpListenerMode.Smtps, id, abort)
    {
        _mode = mode;
        _maxLine = server.Options.MaxCommandLineLength;
        _session = new SmtpSession(server.Options.CreateSessionSettings(mode), server.Backend, RemoteEndPoint, isSecure: false);
        var stats = server.Statistics;
        _session.MessageDelivered += size =>
        {
            Interlocked.Increment(ref stats._messages);
            Interlocked.Add(ref stats._bytes, size);
        };
        _session.AuthenticationFailed += () => Interlocked.Increment(ref stats._authFailures);
        _session.DeliveryError += ex => Log(ProtocolLogDirection.Info, "delivery failed: " + ex.GetType().Name + ": " + ex.Message);
    }

    /// <summary>Logged in, or (on a listener without AUTH) a transaction started.</summary>
    protected override bool PastLogin => _session.AuthenticatedUser != null
        || (_mode == SmtpListenerMode.Smtp && _session.State is SmtpState.Mail or SmtpState.Rcpt or SmtpState.Bdat or SmtpState.Data);

    protected override void OnTlsEstablished() => _session.OnTlsEstablished();
    protected override void QueueGoodbye(bool timedOut) => Send(timedOut ? SmtpReply.Timeout : SmtpReply.ShuttingDown);
    protected override void QueueInternalError()
    {
        Out.Clear();
        Send(new SmtpReply(421, "4.3.0", "Local error, closing transmission channel"));
    }
    protected override void OnClosed() => _session.Dispose();

    private void Send(SmtpReply reply)
    {
        if (reply.Code == 421) LingerOnClose = true;   // after QUIT nothing more comes: no need to wait for the client
        reply.WriteTo(Out);
        if (LogEnabled) Log(ProtocolLogDirection.Sent, reply.ToString());
    }

    protected override async Task SessionAsync()
    {
        // The greeting, or what a Connect fault rule puts in its place.
        var opening = _session.Open();
        await DelayAsync(opening.Delay).ConfigureAwait(false);
        if (opening.Reply != null) Send(opening.Reply);
        if (opening.Action == SmtpAction.Close) return;
        var lines = new SmtpLineReader(_maxLine, _maxLine + 512, 12288);
        while (true)
        {
            if (!await FillAsync(ReadPhase.Command).ConfigureAwait(false)) return;
            while (true)
            {
                if (StopRequested) { QueueGoodbye(timedOut: false); return; }
                bool sasl = _session.State == SmtpState.Auth;
                var status = lines.TryReadLine(ref Buffer, out var line, sasl);
                if (status == SmtpLineStatus.NeedMore) break;
                CommandCompleted();
                SmtpResponse response;
                if (status == SmtpLineStatus.TooLong)
                {
                    Log(ProtocolLogDirection.Received, "<line too long>");
                    if (sasl) response = await _session.ContinueAuthAsync("*", AbortToken).ConfigureAwait(false);
                    else response = _session.LineTooLong();
                }
                else if (sasl)
                {
                    Log(ProtocolLogDirection.Received, "<SASL response redacted>");
                    string text = SmtpCommandParser.DecodeLine(ToSpan(line, out var rented)) ?? "";
                    if (rented != null) ArrayPool<byte>.Shared.Return(rented);
                    response = await _session.ContinueAuthAsync(text, AbortToken).ConfigureAwait(false);
                }
                else
                {
                    var command = SmtpCommandParser.Parse(line);
                    if (LogEnabled) Log(ProtocolLogDirection.Received, Redact(command, line));
                    response = await _session.ExecuteAsync(command, AbortToken).ConfigureAwait(false);
                }
                await DelayAsync(response.Delay).ConfigureAwait(false);
                if (response.Reply != null) Send(response.Reply);
                switch (response.Action)
                {
                    case SmtpAction.Close:
                        return;
                    case SmtpAction.StartTls:
                        await StartTlsAsync("STARTTLS").ConfigureAwait(false);
                        break;
                    case SmtpAction.ReadData:
                        if (!await ReadDataAsync().ConfigureAwait(false) || _session.State == SmtpState.Closed) return;
                        break;
                    case SmtpAction.ReadChunk:
                        if (!await ReadChunkAsync().ConfigureAwait(false) || _session.State == SmtpState.Closed) return;
                        break;
                }
            }
            if (InputCompleted) return;   // client went away
        }
    }

    /// <summary>Sends what is queued, then waits (a failed login, a tarpit rule) before the next reply.</summary>
    private async Task DelayAsync(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero) return;
        await FlushAsync().ConfigureAwait(false);
        await Task.Delay(delay, AbortToken).ConfigureAwait(false);
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
        return SmtpCommandParser.DecodeLine(line.IsSingleSegment ? line.First.Span : line.ToArray()) ?? "<invalid UTF-8>";
    }

    /// <summary>Feeds DATA content to the decoder up to &lt;CRLF&gt;.&lt;CRLF&gt;, then delivers. False when the connection ends.</summary>
    private async Task<bool> ReadDataAsync()
    {
        var decoder = _session.DataDecoder;
        BeginContent();
        while (true)
        {
            if (!Buffer.IsEmpty)
            {
                long used = decoder.Feed(Buffer);
                if (decoder.IsComplete) { Buffer = Buffer.Slice(used); break; }
                Buffer = Buffer.Slice(Buffer.End);   // the decoder keeps what it needs of a partial end line
            }
            if (InputCompleted)
            {
                Log(ProtocolLogDirection.Info, "connection closed during DATA; message discarded");
                return false;
            }
            if (!await FillAsync(ReadPhase.Content).ConfigureAwait(false)) return false;
        }
        if (LogEnabled) Log(ProtocolLogDirection.Received, "<" + decoder.Size + " bytes of message content>");
        var response = await _session.CompleteDataAsync(AbortToken).ConfigureAwait(false);
        await DelayAsync(response.Delay).ConfigureAwait(false);
        if (response.Reply != null) Send(response.Reply);
        return response.Action != SmtpAction.Close;
    }

    /// <summary>Reads one BDAT chunk of exactly the announced size (also for a refused BDAT), then replies.</summary>
    private async Task<bool> ReadChunkAsync()
    {
        long total = _session.PendingChunkSize;
        BeginContent();
        while (_session.PendingChunkSize > 0)
        {
            if (!Buffer.IsEmpty)
            {
                var slice = Buffer.Slice(0, Math.Min(Buffer.Length, _session.PendingChunkSize));
                foreach (var segment in slice) _session.AppendChunk(segment.Span);
                Buffer = Buffer.Slice(slice.End);
                continue;
            }
            if (InputCompleted)
            {
                Log(ProtocolLogDirection.Info, "connection closed during BDAT; message discarded");
                return false;
            }
            if (!await FillAsync(ReadPhase.Content).ConfigureAwait(false)) return false;
        }
        if (LogEnabled) Log(ProtocolLogDirection.Received, "<" + total + " bytes of chunk content>");
        var response = await _session.CompleteChunkAsync(AbortToken).ConfigureAwait(false);
        await DelayAsync(response.Delay).ConfigureAwait(false);
        if (response.Reply != null) Send(response.Reply);
        return response.Action != SmtpAction.Close;
    }
}
