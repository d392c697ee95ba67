using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols;
using MailAdmin.Protocols.Pop3;

namespace MailAdmin.Hosting;

/// <summary>The POP3 side of a connection: frames lines for the <see cref="Pop3Session"/>, applies
/// the failed-login delay, and batches replies (pipelined commands, RFC 2449 PIPELINING, get one write).</summary>
internal sealed class Pop3Connection : ProtocolConnection
{
    private const int FlushThreshold = 64 * 1024;

    private readonly Pop3Server _server;
    private readonly Pop3Session _session;
    private string? _countedAccount;

    public Pop3Connection(Pop3Server server, Socket socket, Pop3ListenerMode mode, long id, CancellationToken abort)
        : base("POP3", server.Options, server.Statistics, socket, mode.ToString(), mode == Pop3ListenerMode.Pop3s, id, abort)
    {
        _server = server;
        _session = new Pop3Session(server.Options.CreateSessionSettings(RemoteEndPoint?.Address), server.Store, server.Locks, server.Sizes);
        var stats = server.Statistics;
        _session.MessageRetrieved += size =>
        {
            Interlocked.Increment(ref stats._messages);
            Interlocked.Add(ref stats._bytes, size);
        };
        _session.AuthenticationFailed += () => Interlocked.Increment(ref stats._authFailures);
        _session.MessagesDeleted += n => Interlocked.Add(ref stats._messagesDeleted, n);
        _session.LoggedIn += () =>
        {
            Interlocked.Increment(ref stats._logins);
            // Counted, never refused here: the maildrop lock already allows one POP3 session per account.
            if (_session.Account is string account && server.AccountSessions.TryEnter(account, int.MaxValue, int.MaxValue)) _countedAccount = account;
        };
    }

    protected override bool PastLogin => _session.State is not (Pop3State.Authorization or Pop3State.SaslResponse);
    protected override void OnTlsEstablished() => _session.OnTlsEstablished();
    // RFC 1939 §3 autologout: close without entering UPDATE.
    protected override void QueueGoodbye(bool timedOut) => SendLine(timedOut ? "-ERR Autologout: idle for too long" : "-ERR [SYS/TEMP] Server shutting down");

    protected override void QueueInternalError()
    {
        Out.Clear();
        Out.AppendText("-ERR [SYS/TEMP] Local error, closing\r\n");
    }

    protected override void OnClosed()
    {
        // A session that did not reach UPDATE deletes nothing; this releases its maildrop lock.
        bool deletesDropped = _session.State == Pop3State.Transaction;
        _session.Dispose();
        if (_countedAccount != null) _server.AccountSessions.Leave(_countedAccount);
        if (deletesDropped) Log(ProtocolLogDirection.Info, "closed without QUIT: no deletions applied");
    }

    private void Sent(Pop3Response response)
    {
        if (LogEnabled) Log(ProtocolLogDirection.Sent, response.ToString());
    }

    private void SendLine(string line)
    {
        Out.AppendText(line + "\r\n");
        if (LogEnabled) Log(ProtocolLogDirection.Sent, line);
    }

    protected override async Task SessionAsync()
    {
        Sent(_session.Greeting(Out));
        var lines = new LineFramer();
        while (true)
        {
            // Replies are flushed by the next read, i.e. only when no complete command is waiting
            // (pipelined commands share one write).
            if (!await FillAsync(ReadPhase.Command).ConfigureAwait(false)) return;
            while (true)
            {
                if (StopRequested) { QueueGoodbye(timedOut: false); return; }
                bool sasl = _session.State == Pop3State.SaslResponse;
                int limit = sasl ? Pop3CommandParser.MaxSaslLength : Pop3CommandParser.LimitFor(Buffer);
                var status = lines.TryReadLine(ref Buffer, out var line, limit);
                if (status == LineStatus.NeedMore) break;
                CommandCompleted();
                Pop3Response response;
                if (status == LineStatus.TooLong)
                {
                    Log(ProtocolLogDirection.Received, "<line too long>");
                    response = _session.LineTooLong(Out);
                }
                else if (sasl)
                {
                    Log(ProtocolLogDirection.Received, "<SASL response redacted>");
                    response = await _session.ContinueSaslAsync(LineFramer.Decode(line) ?? "", Out, AbortToken).ConfigureAwait(false);
                }
                else
                {
                    var command = Pop3CommandParser.Parse(line);
                    if (LogEnabled) Log(ProtocolLogDirection.Received, command.ToLogString());
                    response = await _session.ExecuteAsync(command, Out, AbortToken).ConfigureAwait(false);
                }
                Sent(response);
                // Everything queued (this reply included) waits: a password guesser gets nothing sooner.
                if (response.Delay > TimeSpan.Zero) await Task.Delay(response.Delay, AbortToken).ConfigureAwait(false);
                if (Out.Length >= FlushThreshold) await FlushAsync().ConfigureAwait(false);
                switch (response.Action)
                {
                    case Pop3Action.Close:
                        return;
                    case Pop3Action.StartTls:
                        await StartTlsAsync("STLS").ConfigureAwait(false);
                        lines = new LineFramer();
                        break;
                }
            }
            if (InputCompleted) return;   // the client went away: no UPDATE
        }
    }
}
