using System;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Imap;

namespace MailAdmin.Hosting;

/// <summary>The IMAP side of a connection: framing through <see cref="ImapCommandReader"/>,
/// literal continuations, SASL lines, IDLE wake-ups; replies are the session's own output.</summary>
internal sealed class ImapConnection : ProtocolConnection
{
    private readonly ImapServer _server;
    private readonly ImapSession _session;
    private readonly ImapCommandReader _parser;
    private long _dueOutput;   // output of finished commands not yet flushed: kept when a command fails inside

    public ImapConnection(ImapServer server, Socket socket, ImapListenerMode mode, long id, CancellationToken abort)
        : base("IMAP", server.Options, server.Statistics, socket, mode.ToString(), mode == ImapListenerMode.Imaps, id, abort)
    {
        var options = server.Options;
        _server = server;
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
            Authenticator = options.Authenticator,
            ClientAddress = RemoteEndPoint?.Address,
            Subscriptions = server.Subscriptions,
            AcquireAccount = server.AcquireAccount,
            ReleaseAccount = server.ReleaseAccount,
        };
        _session = new ImapSession(settings, server.Store, isSecure: false);
        _parser.AppendSink = _session.CreateAppendMessage;   // APPEND messages stream to the store
        _session.FlushOutput = ct => FlushAsync().AsTask();
        _session.AuthenticationFailed += () => Interlocked.Increment(ref server.Statistics._authFailures);
        _session.InternalError += ex => Log(ProtocolLogDirection.Info, "command failed: " + ex.GetType().Name + ": " + ex.Message);
    }

    protected override bool PastLogin => _session.State != ImapState.NotAuthenticated;
    protected override bool MidCommand => _parser.InCommand || !Buffer.IsEmpty;
    protected override void OnTlsEstablished() => _session.OnTlsEstablished();
    protected override void OnClosed() => _session.Dispose();

    protected override void QueueGoodbye(bool timedOut) => _session.Bye(timedOut ? "Autologout; idle for too long" : "Server shutting down");

    protected override void QueueInternalError()
    {
        // Replies of earlier commands are due; only the failed command's partial output goes.
        _session.Output.SetLength(Math.Min(_dueOutput, _session.Output.Length));
        _session.Bye("[SERVERBUG] Internal error, closing");
    }

    protected override ArraySegment<byte> PendingOutput
    {
        get
        {
            var output = _session.Output;
            if (output.Length > 0 && LogEnabled) LogOutput(output.GetBuffer(), (int)output.Length);
            return new ArraySegment<byte>(output.GetBuffer(), 0, (int)output.Length);
        }
    }

    protected override void OutputWritten()
    {
        var output = _session.Output;
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
            var literal = ImapCommandReader.TryLiteralMarker(Tail(data, pos, lineEnd), out long size, out _) ? (long?)size : null;
            Log(ProtocolLogDirection.Sent, Encoding.UTF8.GetString(data, pos, Math.Min(lineEnd - pos, 500)));
            pos = end + 1;
            if (literal is long skip && skip > 0)
            {
                Log(ProtocolLogDirection.Sent, "<" + skip + " bytes of literal data>");
                pos = (int)Math.Min(length, pos + skip);
            }
        }
    }

    private static byte[] Tail(byte[] data, int start, int end)
    {
        int n = Math.Min(end - start, 64);
        var tail = new byte[Math.Max(0, n)];
        if (n > 0) Array.Copy(data, end - n, tail, 0, n);
        return tail;
    }

    protected override async Task SessionAsync()
    {
        _session.Greeting();
        while (true)
        {
            if (!await FillAsync(ReadPhase.Command).ConfigureAwait(false)) return;
            while (true)
            {
                if (StopRequested && !_parser.InCommand) { QueueGoodbye(timedOut: false); return; }
                _parser.AppendAllowed = _session.State is ImapState.Authenticated or ImapState.Selected;
                _dueOutput = _session.Output.Length;
                var r = _parser.TryRead(ref Buffer);
                if (r.Status == ImapReadStatus.NeedMore) break;
                if (r.Status == ImapReadStatus.Continue)
                {
                    _session.WriteLine("+ Ready for literal data");
                    continue;
                }
                CommandCompleted();
                ImapResponse response;
                if (r.Status == ImapReadStatus.Error)
                {
                    Log(ProtocolLogDirection.Received, "<refused: " + r.ErrorText + ">");
                    response = _session.ReadError(r);
                }
                else
                {
                    var command = r.Command!;
                    Interlocked.Increment(ref Statistics._commands);
                    if (LogEnabled) Log(ProtocolLogDirection.Received, Redact(command));
                    var wasAuthenticated = _session.State != ImapState.NotAuthenticated;
                    response = await _session.ExecuteAsync(command, AbortToken).ConfigureAwait(false);
                    if (!wasAuthenticated && _session.State != ImapState.NotAuthenticated) Interlocked.Increment(ref Statistics._logins);
                }
                if (!await HandleAsync(response).ConfigureAwait(false)) return;
            }
            if (InputCompleted) return;
        }
    }

    /// <summary>Carries out a response's action. False when the connection ends.</summary>
    private async Task<bool> HandleAsync(ImapResponse response)
    {
        while (true)
        {
            if (response.Delay > TimeSpan.Zero)
                await Task.Delay(response.Delay, AbortToken).ConfigureAwait(false);
            switch (response.Action)
            {
                case ImapAction.Close:
                    return false;
                case ImapAction.StartTls:
                    await StartTlsAsync("STARTTLS").ConfigureAwait(false);
                    _parser.Reset();
                    return true;
                case ImapAction.ReadSaslResponse:
                    {
                        var line = await ReadLineAsync().ConfigureAwait(false);
                        if (line == null) return false;
                        Log(ProtocolLogDirection.Received, "<SASL response redacted>");
                        response = await _session.ContinueAuthenticateAsync(line.Value.Text ?? "*", AbortToken).ConfigureAwait(false);
                        if (_session.State != ImapState.NotAuthenticated) Interlocked.Increment(ref Statistics._logins);
                        continue;
                    }
                case ImapAction.Idle:
                    response = await IdleAsync().ConfigureAwait(false);
                    continue;
            }
            return true;
        }
    }

    /// <summary>One raw line (null Text when too long); null when the connection ended, timed out or is stopping.</summary>
    private async Task<(string? Text, bool _)?> ReadLineAsync()
    {
        while (true)
        {
            if (_parser.TryReadLine(ref Buffer, out var line)) return (line, true);
            if (InputCompleted || !await FillAsync(ReadPhase.Command).ConfigureAwait(false)) return null;
        }
    }

    /// <summary>IDLE: pushes the mailbox's changes as they happen until a line (DONE) arrives.</summary>
    private async Task<ImapResponse> IdleAsync()
    {
        while (true)
        {
            if (_parser.TryReadLine(ref Buffer, out var line))
            {
                Log(ProtocolLogDirection.Received, line ?? "<line too long>");
                return await _session.EndIdleAsync(line, AbortToken).ConfigureAwait(false);
            }
            if (InputCompleted || !await FillAsync(ReadPhase.Command, PushUpdatesAsync).ConfigureAwait(false)) return ImapResponse.Close;
        }
    }

    private async Task PushUpdatesAsync(Task read)
    {
        while (!read.IsCompleted)
        {
            var signal = _session.ChangeSignal;
            if (_session.HasPendingChanges)
            {
                await _session.IdleUpdateAsync(AbortToken).ConfigureAwait(false);
                await FlushAsync().ConfigureAwait(false);
                continue;
            }
            // Other processes' changes raise no signal here: look at the store every few seconds (ImapSession.Sync.cs).
            using var poll = CancellationTokenSource.CreateLinkedTokenSource(AbortToken);
            var tick = Task.Delay(ImapSession.IdlePollInterval, poll.Token);
            var woke = await Task.WhenAny(read, signal, tick).ConfigureAwait(false);
            poll.Cancel();
            if (woke == tick && !read.IsCompleted && !AbortToken.IsCancellationRequested)
                await _session.PollStoreAsync(AbortToken).ConfigureAwait(false);
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
}
