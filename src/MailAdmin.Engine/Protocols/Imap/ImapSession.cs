using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Sasl;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

public enum ImapState { NotAuthenticated, Authenticated, Selected, Logout }

/// <summary>What the host does after a command.</summary>
public enum ImapAction
{
    None,
    /// <summary>Close the connection (after LOGOUT, BYE).</summary>
    Close,
    /// <summary>Flush, then negotiate TLS; call <see cref="ImapSession.OnTlsEstablished"/>.</summary>
    StartTls,
    /// <summary>The next line is a SASL response: pass it to <see cref="ImapSession.ContinueAuthenticateAsync"/>.</summary>
    ReadSaslResponse,
    /// <summary>IDLE: "+ idling" was written; push updates on <see cref="ImapSession.Changed"/> until a line arrives, then <see cref="ImapSession.EndIdleAsync"/>.</summary>
    Idle,
}

public readonly struct ImapResponse
{
    public ImapResponse(ImapAction action, TimeSpan delay = default) { Action = action; Delay = delay; }
    public ImapAction Action { get; }
    /// <summary>Wait this long before sending the buffered answer (failed authentication).</summary>
    public TimeSpan Delay { get; }
    public static readonly ImapResponse None = new(ImapAction.None);
    public static readonly ImapResponse Close = new(ImapAction.Close);
}

/// <summary>
/// The IMAP4rev1 state machine (RFC 3501 §3) with the extensions of docs/imap.md. Writes
/// responses into <see cref="Output"/>; the host sends them. Never touches a socket or a timer.
/// Other sessions' changes arrive through the store's events and are reported at the points
/// RFC 3501 §7.4.1 allows (never an EXPUNGE during FETCH, STORE or SEARCH).
/// </summary>
public sealed partial class ImapSession : IDisposable
{
    internal const string PermanentFlags = @"\Answered \Flagged \Deleted \Seen \Draft";

    private readonly ImapSessionSettings _settings;
    private readonly IMailStore _store;
    private readonly MemoryStream _out = new();
    private TaskCompletionSource<bool> _changed = NewSignal();
    private Selection? _selected;
    private string? _account;
    private bool _accountAcquired;
    private int _errors;
    private bool _utf8;
    /// <summary>ENABLE IMAP4rev2 was given (RFC 9051 behaviours: ESEARCH replies, no \Recent, ...).</summary>
    private bool _imap4rev2;
    private string? _idleTag;
    // SASL exchange in progress
    private string? _saslTag;
    private SaslExchange? _sasl;
    private SaslAuthenticator? _authenticator;

    public ImapSession(ImapSessionSettings settings, IMailStore store, bool isSecure)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        IsSecure = isSecure;
        _store.FolderChanged += OnFolderChanged;
    }

    /// <summary>Responses not yet sent. The host writes and clears it.</summary>
    public MemoryStream Output => _out;
    /// <summary>Called by long responses (FETCH) when <see cref="Output"/> grows: the host sends and clears it.</summary>
    public Func<CancellationToken, Task>? FlushOutput { get; set; }

    public ImapState State { get; private set; } = ImapState.NotAuthenticated;
    public bool IsSecure { get; private set; }
    public string? Account => _account;
    public string? SelectedFolder => _selected?.Folder;
    public bool Utf8Enabled => _utf8;

    /// <summary>Raised (on the store's thread) when the selected mailbox changed; the host wakes IDLE.</summary>
    public event Action? Changed;
    public event Action? AuthenticationFailed;
    /// <summary>An unexpected exception answered with NO [SERVERBUG]; the host logs it.</summary>
    public event Action<Exception>? InternalError;

    /// <summary>A task that completes at the next change of the selected mailbox.</summary>
    public Task ChangeSignal => Volatile.Read(ref _changed).Task;
    public bool HasPendingChanges => _selected?.Dirty == true;

    private static TaskCompletionSource<bool> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool PlaintextAllowed => IsSecure || _settings.AllowInsecureAuth;

    public string Capabilities()
    {
        var sb = new StringBuilder("IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT CHILDREN SPECIAL-USE UIDPLUS MOVE QUOTA QUOTA=RES-STORAGE UTF8=ACCEPT CONDSTORE QRESYNC"
            + " LIST-EXTENDED LIST-STATUS STATUS=SIZE CREATE-SPECIAL-USE MULTIAPPEND BINARY");
        sb.Append(SearchCapabilities);
        if (_settings.AppendLimit > 0) sb.Append(" APPENDLIMIT=").Append(_settings.AppendLimit.ToString(CultureInfo.InvariantCulture));
        else sb.Append(" APPENDLIMIT");
        if (State == ImapState.NotAuthenticated)
        {
            if (!IsSecure && _settings.TlsAvailable) sb.Append(" STARTTLS");
            if (PlaintextAllowed)
                foreach (var mechanism in Authenticator.Mechanisms) sb.Append(" AUTH=").Append(mechanism);
            else sb.Append(" LOGINDISABLED");
        }
        return sb.ToString();
    }

    public void Greeting() => WriteLine("* OK [CAPABILITY " + Capabilities() + "] " + _settings.HostName + " IMAP4rev1 MailAdmin ready");

    /// <summary>An untagged BYE (shutdown, autologout); the host closes afterwards.</summary>
    public void Bye(string text)
    {
        WriteLine("* BYE " + text);
        State = ImapState.Logout;
    }

    public void OnTlsEstablished() => IsSecure = true;

    // ---------------------------------------------------------------- output

    internal void WriteLine(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\r\n");
        _out.Write(bytes, 0, bytes.Length);
    }

    private ImapResponse Ok(string tag, string text) { WriteLine(tag + " OK " + AfterVanishedCode(text) + text); return ImapResponse.None; }
    private ImapResponse No(string tag, string text) { WriteLine(tag + " NO " + text); return ImapResponse.None; }

    private ImapResponse Bad(string tag, string text)
    {
        WriteLine(tag + " BAD " + text);
        return CountError();
    }

    private ImapResponse CountError()
    {
        if (State == ImapState.NotAuthenticated && ++_errors >= _settings.MaxErrorsBeforeLogin)
        {
            Bye("Too many invalid commands");
            return ImapResponse.Close;
        }
        return ImapResponse.None;
    }

    /// <summary>Answers a command the reader refused (syntax, limits).</summary>
    public ImapResponse ReadError(ImapReadResult error)
    {
        var tag = error.Tag ?? "*";
        var code = error.ResponseCode != null ? "[" + error.ResponseCode + "] " : "";
        if (error.IsNo) { WriteLine(tag + " NO " + code + error.ErrorText); return ImapResponse.None; }
        WriteLine(tag + " BAD " + code + error.ErrorText);
        return CountError();
    }

    /// <summary>A string for the wire: quoted, or a literal when it holds CR, LF or (without UTF8=ACCEPT) 8-bit text.</summary>
    internal string Quote(string s)
    {
        bool literal = false;
        foreach (var c in s)
            if (c == '\r' || c == '\n' || c == '\0' || (c > 0x7e && !_utf8)) { literal = true; break; }
        if (literal) return "{" + Encoding.UTF8.GetByteCount(s) + "}\r\n" + s;
        return "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    private string WireName(string folder) => Quote(_utf8 ? folder : ImapMailboxName.Encode(folder));

    private string? MailboxArg(ImapToken token)
    {
        var s = token.AsAstring;
        if (s == null) return null;
        if (s.Equals("INBOX", StringComparison.OrdinalIgnoreCase)) return MailboxNames.Inbox;
        return ImapMailboxName.FromWire(s, _utf8);
    }

    // ---------------------------------------------------------------- dispatch

    public async Task<ImapResponse> ExecuteAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        var tag = command.Tag;
        var args = command.Arguments;
        try
        {
            var response = await DispatchAsync(command, tag, args, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch (ImapParseException ex)
        {
            if (ex.ResponseCode != null) return No(tag, "[" + ex.ResponseCode + "] " + ex.Message);
            return Bad(tag, ex.Message);
        }
        catch (OperationCanceledException) { throw; }
        catch (Exception ex) when (MapStoreError(ex) is string reply)
        {
            return No(tag, reply);
        }
        catch (Exception ex)
        {
            // A bug must cost one command, not the connection.
            try { InternalError?.Invoke(ex); } catch { }
            return No(tag, "[SERVERBUG] Internal error");
        }
        finally
        {
            // An APPEND message streamed to the store and not delivered (refused, failed) is discarded here.
            DisposeStreamed(args);
        }
    }

    private void DisposeStreamed(IReadOnlyList<ImapToken> args)
    {
        foreach (var a in args)
        {
            if (a.Message != null)
            {
                a.Message.Dispose();
                lock (_incoming) _incoming.Remove(a.Message);
            }
            if (a.Kind == ImapTokenKind.List) DisposeStreamed(a.Items);
        }
    }

    /// <summary>
    /// Where the command reader writes an APPEND message as it arrives (<see cref="ImapCommandReader.AppendSink"/>):
    /// a store message, whose first bytes are kept to fill the header cache once it is stored.
    /// </summary>
    public IncomingMessage CreateAppendMessage()
    {
        var message = _store.CreateIncomingMessage();
        message.KeepHead(AppendHeadBytes);
        lock (_incoming) _incoming.Add(message);
        return message;
    }

    // APPEND messages being received or not yet executed: a connection that ends mid-literal discards them in Dispose.
    private readonly HashSet<IncomingMessage> _incoming = new HashSet<IncomingMessage>();

    private void DisposeIncoming()
    {
        lock (_incoming)
        {
            foreach (var m in _incoming) m.Dispose();
            _incoming.Clear();
        }
    }

    /// <summary>The head of an APPEND kept for the header cache (a larger header is read from the file when fetched).</summary>
    private const int AppendHeadBytes = 32 * 1024;

    /// <summary>Store exceptions as a NO text with a response code (RFC 5530).</summary>
    internal static string? MapStoreError(Exception ex) => ex switch
    {
        FolderNotFoundException => "[NONEXISTENT] No such mailbox",
        FolderExistsException => "[ALREADYEXISTS] Mailbox already exists",
        InvalidFolderNameException e => "[CANNOT] Invalid mailbox name: " + OneLine(e.Message),
        QuotaExceededException => "[OVERQUOTA] Quota exceeded",
        MessageNotFoundException => "[EXPUNGEISSUED] Message was expunged",
        AccountNotFoundException or AccountDisabledException => "[UNAVAILABLE] Account unavailable",
        MailStoreException e => "[SERVERBUG] " + OneLine(e.Message),
        IOException => "[UNAVAILABLE] Local I/O error",
        NotImplementedException => "[SERVERBUG] Not implemented",
        _ => null,
    };

    private static string OneLine(string s) => s.Replace('\r', ' ').Replace('\n', ' ');

    private static readonly HashSet<string> AnyState = new(StringComparer.Ordinal) { "CAPABILITY", "NOOP", "LOGOUT", "ID" };
    private static readonly HashSet<string> NotAuthOnly = new(StringComparer.Ordinal) { "STARTTLS", "AUTHENTICATE", "LOGIN" };
    private static readonly HashSet<string> AuthCommands = new(StringComparer.Ordinal)
    { "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "STATUS", "APPEND", "NAMESPACE", "ENABLE", "IDLE", "GETQUOTA", "GETQUOTAROOT", "SETQUOTA" };
    private static readonly HashSet<string> SelectedCommands = new(StringComparer.Ordinal)
    { "CHECK", "CLOSE", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID", "UNSELECT", "SORT", "THREAD" };

    private async Task<ImapResponse> DispatchAsync(ImapCommand command, string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        var name = command.Name;
        if (!AnyState.Contains(name))
        {
            if (NotAuthOnly.Contains(name))
            {
                if (State != ImapState.NotAuthenticated) return Bad(tag, "Already authenticated");
            }
            else if (AuthCommands.Contains(name))
            {
                if (State == ImapState.NotAuthenticated) return Bad(tag, "Log in first");
            }
            else if (SelectedCommands.Contains(name))
            {
                if (State == ImapState.NotAuthenticated) return Bad(tag, "Log in first");
                if (State != ImapState.Selected) return Bad(tag, "No mailbox selected");
            }
            else return Bad(tag, "Unknown command " + (name.Length > 32 ? name.Substring(0, 32) : name));
        }

        switch (name)
        {
            case "CAPABILITY":
                if (args.Count != 0) return Bad(tag, "CAPABILITY takes no arguments");
                WriteLine("* CAPABILITY " + Capabilities());
                return await CompleteAsync(tag, "CAPABILITY completed", Notify.All, ct).ConfigureAwait(false);
            case "NOOP":
                await SynchronizeSelectedAsync(ct).ConfigureAwait(false);
                return await CompleteAsync(tag, "NOOP completed", Notify.All, ct).ConfigureAwait(false);
            case "CHECK":
                await SynchronizeSelectedAsync(ct).ConfigureAwait(false);
                return await CompleteAsync(tag, "CHECK completed", Notify.All, ct).ConfigureAwait(false);
            case "LOGOUT":
                Bye("Logging out");
                WriteLine(tag + " OK LOGOUT completed");
                return ImapResponse.Close;
            case "ID":
                WriteLine("* ID (\"name\" \"MailAdmin\" \"vendor\" \"MailAdmin\")");
                return await CompleteAsync(tag, "ID completed", Notify.All, ct).ConfigureAwait(false);
            case "STARTTLS":
                if (IsSecure) return Bad(tag, "TLS is already active");
                if (!_settings.TlsAvailable) return Bad(tag, "STARTTLS is not available");
                WriteLine(tag + " OK Begin TLS negotiation now");
                return new ImapResponse(ImapAction.StartTls);
            case "LOGIN": return await LoginAsync(tag, args, ct).ConfigureAwait(false);
            case "AUTHENTICATE": return await AuthenticateAsync(tag, args, ct).ConfigureAwait(false);
            case "SELECT": return await SelectAsync(tag, args, readOnly: false, ct).ConfigureAwait(false);
            case "EXAMINE": return await SelectAsync(tag, args, readOnly: true, ct).ConfigureAwait(false);
            case "CREATE": return await CreateAsync(tag, args, ct).ConfigureAwait(false);
            case "DELETE": return await DeleteAsync(tag, args, ct).ConfigureAwait(false);
            case "RENAME": return await RenameAsync(tag, args, ct).ConfigureAwait(false);
            case "SUBSCRIBE": return await SubscribeAsync(tag, args, true, ct).ConfigureAwait(false);
            case "UNSUBSCRIBE": return await SubscribeAsync(tag, args, false, ct).ConfigureAwait(false);
            case "LIST": return await ListAsync(tag, args, lsub: false, ct).ConfigureAwait(false);
            case "LSUB": return await ListAsync(tag, args, lsub: true, ct).ConfigureAwait(false);
            case "STATUS": return await StatusAsync(tag, args, ct).ConfigureAwait(false);
            case "APPEND": return await AppendAsync(tag, args, ct).ConfigureAwait(false);
            case "NAMESPACE":
                WriteLine("* NAMESPACE ((\"\" \".\")) NIL NIL");
                return await CompleteAsync(tag, "NAMESPACE completed", Notify.All, ct).ConfigureAwait(false);
            case "ENABLE": return await EnableAsync(tag, args, ct).ConfigureAwait(false);
            case "GETQUOTA": return await GetQuotaAsync(tag, args, root: false, ct).ConfigureAwait(false);
            case "GETQUOTAROOT": return await GetQuotaAsync(tag, args, root: true, ct).ConfigureAwait(false);
            case "SETQUOTA": return No(tag, "[NOPERM] Quotas are set by the administrator");
            case "IDLE":
                if (args.Count != 0) return Bad(tag, "IDLE takes no arguments");
                _idleTag = tag;
                await SynchronizeSelectedAsync(ct).ConfigureAwait(false);
                await FlushUpdatesAsync(Notify.All, ct).ConfigureAwait(false);
                WriteLine("+ idling");
                return new ImapResponse(ImapAction.Idle);
            case "CLOSE":
            case "UNSELECT":
                if (args.Count != 0) return Bad(tag, name + " takes no arguments");
                if (name == "CLOSE" && !_selected!.ReadOnly)
                {
                    try { await _store.ExpungeAsync(_account!, _selected.Folder, null, ct).ConfigureAwait(false); }
                    catch (FolderNotFoundException) { }
                }
                Deselect();
                return Ok(tag, name + " completed");
            case "EXPUNGE":
                if (args.Count != 0) return Bad(tag, "EXPUNGE takes no arguments");
                return await ExpungeAsync(tag, null, ct).ConfigureAwait(false);
            case "SEARCH": return await SearchAsync(tag, args, uid: false, ct).ConfigureAwait(false);
            case "SORT": return await SortAsync(tag, args, uid: false, ct).ConfigureAwait(false);
            case "THREAD": return await ThreadAsync(tag, args, uid: false, ct).ConfigureAwait(false);
            case "FETCH": return await FetchAsync(tag, args, uid: false, ct).ConfigureAwait(false);
            case "STORE": return await StoreAsync(tag, args, uid: false, ct).ConfigureAwait(false);
            case "COPY": return await CopyAsync(tag, args, uid: false, move: false, ct).ConfigureAwait(false);
            case "MOVE": return await CopyAsync(tag, args, uid: false, move: true, ct).ConfigureAwait(false);
            case "UID":
                {
                    if (args.Count == 0 || args[0].Kind != ImapTokenKind.Atom) return Bad(tag, "UID needs a command");
                    var sub = args[0].Text.ToUpperInvariant();
                    var rest = args.Skip(1).ToList();
                    switch (sub)
                    {
                        case "FETCH": return await FetchAsync(tag, rest, uid: true, ct).ConfigureAwait(false);
                        case "SEARCH": return await SearchAsync(tag, rest, uid: true, ct).ConfigureAwait(false);
                        case "SORT": return await SortAsync(tag, rest, uid: true, ct).ConfigureAwait(false);
                        case "THREAD": return await ThreadAsync(tag, rest, uid: true, ct).ConfigureAwait(false);
                        case "STORE": return await StoreAsync(tag, rest, uid: true, ct).ConfigureAwait(false);
                        case "COPY": return await CopyAsync(tag, rest, uid: true, move: false, ct).ConfigureAwait(false);
                        case "MOVE": return await CopyAsync(tag, rest, uid: true, move: true, ct).ConfigureAwait(false);
                        case "EXPUNGE":
                            if (rest.Count != 1) return Bad(tag, "UID EXPUNGE needs a UID set");
                            if (rest[0].Text == "$" && SavedSearchSet() == null) return Ok(tag, "UID EXPUNGE completed");
                            return await ExpungeAsync(tag, rest[0].Text == "$" ? SavedSearchSet() : SequenceSet.Parse(rest[0].Text), ct).ConfigureAwait(false);
                        default: return Bad(tag, "Unknown UID command");
                    }
                }
        }
        return Bad(tag, "Unknown command");
    }

    /// <summary>Which pending changes may be reported after a command.</summary>
    internal enum Notify { All, NoExpunge }

    private async Task<ImapResponse> CompleteAsync(string tag, string text, Notify notify, CancellationToken ct)
    {
        await FlushUpdatesAsync(notify, ct).ConfigureAwait(false);
        return Ok(tag, text);
    }

    // ---------------------------------------------------------------- authentication

    private SaslAuthenticator Authenticator
        => _authenticator ??= _settings.Authenticator ?? new SaslAuthenticator(new StoreCredentials(_store.Accounts, _settings.BearerTokens));

    private async Task<ImapResponse> LoginAsync(string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        if (args.Count != 2 || args[0].AsString == null || args[1].AsString == null) return Bad(tag, "LOGIN needs user and password");
        if (!PlaintextAllowed) return No(tag, "[PRIVACYREQUIRED] LOGIN is disabled until STARTTLS");
        string? account;
        try { account = await Authenticator.LoginAsync(_settings.ClientAddress, args[0].AsString!, args[1].AsString!, ct).ConfigureAwait(false); }
        catch (Exception ex) when (ex is not OperationCanceledException) { return No(tag, "[UNAVAILABLE] Authentication is unavailable, try again later"); }
        return account != null ? LoggedIn(tag, account) : AuthenticationFailedReply(tag);
    }

    private ImapResponse AuthenticationFailedReply(string tag)
    {
        AuthenticationFailed?.Invoke();
        WriteLine(tag + " NO [AUTHENTICATIONFAILED] Authentication failed");
        var r = CountError();
        return r.Action == ImapAction.Close ? r : new ImapResponse(ImapAction.None, _settings.AuthFailureDelay);
    }

    private ImapResponse LoggedIn(string tag, string address)
    {
        if (_settings.AcquireAccount != null && !_settings.AcquireAccount(address))
            return No(tag, "[LIMIT] Too many connections for this account");
        _accountAcquired = _settings.AcquireAccount != null;
        _account = address;
        State = ImapState.Authenticated;
        return Ok(tag, "[CAPABILITY " + Capabilities() + "] Logged in");
    }

    private async Task<ImapResponse> AuthenticateAsync(string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        if (args.Count < 1 || args.Count > 2 || args[0].Kind != ImapTokenKind.Atom) return Bad(tag, "AUTHENTICATE needs a mechanism");
        var exchange = Authenticator.Start(args[0].Text, _settings.ClientAddress);
        if (exchange == null) return No(tag, "Unsupported authentication mechanism");
        if (!PlaintextAllowed) return No(tag, "[PRIVACYREQUIRED] Authentication is disabled until STARTTLS");
        _saslTag = tag;
        _sasl = exchange;
        return await SaslStepAsync(exchange.StartAsync(args.Count == 2 ? args[1].AsString ?? "" : null, ct)).ConfigureAwait(false);
    }

    /// <summary>A client line during AUTHENTICATE (base64, or "*" to cancel).</summary>
    public Task<ImapResponse> ContinueAuthenticateAsync(string line, CancellationToken ct)
    {
        if (_saslTag == null || _sasl == null) return Task.FromResult(ImapResponse.None);
        return SaslStepAsync(_sasl.ContinueAsync(line, ct));
    }

    private async Task<ImapResponse> SaslStepAsync(Task<SaslStep> next)
    {
        var tag = _saslTag!;
        SaslStep step;
        try { step = await next.ConfigureAwait(false); }
        catch (Exception ex) when (ex is not OperationCanceledException) { step = SaslStep.Fail(SaslFailure.Unavailable); }
        if (step.IsChallenge)
        {
            WriteLine("+ " + step.ChallengeBase64);
            return new ImapResponse(ImapAction.ReadSaslResponse);
        }
        _saslTag = null;
        _sasl = null;
        if (step.Succeeded) return LoggedIn(tag, step.Account!);
        return step.Failure switch
        {
            SaslFailure.Cancelled => Bad(tag, "Authentication cancelled"),
            SaslFailure.BadBase64 => Bad(tag, "Invalid base64"),
            SaslFailure.Malformed => Bad(tag, "Invalid response for the mechanism"),
            SaslFailure.Authorization => No(tag, "[AUTHORIZATIONFAILED] Cannot act as another user"),
            SaslFailure.Unavailable => No(tag, "[UNAVAILABLE] Authentication is unavailable, try again later"),
            _ => AuthenticationFailedReply(tag),
        };
    }

    private async Task<ImapResponse> EnableAsync(string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        if (args.Count == 0) return Bad(tag, "ENABLE needs a capability");
        var enabled = new List<string>();
        foreach (var a in args)
        {
            if (a.Text.Equals("UTF8=ACCEPT", StringComparison.OrdinalIgnoreCase) && !_utf8) { _utf8 = true; enabled.Add("UTF8=ACCEPT"); }
            else if (EnableCondStoreExtension(a.Text) is string name) enabled.Add(name);
            else if (a.Text.Equals("IMAP4rev2", StringComparison.OrdinalIgnoreCase) && EnableImap4Rev2()) enabled.Add("IMAP4rev2");
        }
        WriteLine("* ENABLED" + (enabled.Count > 0 ? " " + string.Join(" ", enabled) : ""));
        return await CompleteAsync(tag, "ENABLE completed", Notify.All, ct).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _store.FolderChanged -= OnFolderChanged;
        DisposeIncoming();
        if (_accountAcquired && _account != null) _settings.ReleaseAccount?.Invoke(_account);
        _accountAcquired = false;
    }
}
