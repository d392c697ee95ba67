using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Sasl;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Pop3;

/// <summary>RFC 1939 §3 states, plus the SASL continuation and the end.</summary>
public enum Pop3State
{
    /// <summary>Before login (USER/PASS, AUTH, STLS, CAPA, QUIT).</summary>
    Authorization,
    /// <summary>AUTH sent without an initial response: the next line is the SASL response.</summary>
    SaslResponse,
    /// <summary>Logged in, maildrop locked.</summary>
    Transaction,
    /// <summary>QUIT in TRANSACTION: deletions being applied.</summary>
    Update,
    /// <summary>Done; the host closes the connection.</summary>
    Closed,
}

/// <summary>
/// The POP3 state machine over the store (RFC 1939, 2449 CAPA, 2595 STLS, 5034 SASL, 3206 response
/// codes). Pure protocol: no sockets, timers or TLS; the host frames lines (<see cref="Pop3CommandParser"/>),
/// calls <see cref="ExecuteAsync"/> or <see cref="ContinueSaslAsync"/>, writes what was appended to the
/// output buffer, and carries out the returned <see cref="Pop3Action"/>.
/// </summary>
public sealed class Pop3Session : IDisposable
{
    private sealed class Entry
    {
        public Entry(StoredMessage message, long size) { Message = message; Size = size; }
        public StoredMessage Message { get; }
        public long Size { get; }
        public bool Deleted { get; set; }
    }

    private readonly Pop3SessionSettings _settings;
    private readonly IMailStore _store;
    private readonly Pop3MailboxLocks _locks;
    private readonly Pop3SizeCache _sizes;
    private readonly List<Entry> _messages = new();
    private string? _user;
    private string? _account;
    private uint _uidValidity;
    private int _errors;
    private SaslAuthenticator? _authenticator;
    private SaslExchange? _sasl;

    public Pop3Session(Pop3SessionSettings settings, IMailStore store, Pop3MailboxLocks locks, Pop3SizeCache? sizes = null, bool isSecure = false)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _locks = locks ?? throw new ArgumentNullException(nameof(locks));
        _sizes = sizes ?? new Pop3SizeCache();
        IsSecure = isSecure;
    }

    public Pop3State State { get; private set; } = Pop3State.Authorization;
    public bool IsSecure { get; private set; }
    /// <summary>The logged-in account (lower-case address), or null.</summary>
    public string? Account => _account;

    /// <summary>Raised after RETR/TOP with the octets of the message sent (before stuffing).</summary>
    public event Action<long>? MessageRetrieved;
    public event Action? AuthenticationFailed;
    /// <summary>Raised after a successful login (maildrop locked and opened).</summary>
    public event Action? LoggedIn;
    /// <summary>Raised in UPDATE with the number of messages removed.</summary>
    public event Action<int>? MessagesDeleted;

    private bool PlaintextAllowed => IsSecure || _settings.AllowInsecureAuth;

    /// <summary>The greeting. No APOP timestamp: APOP is not offered (see <see cref="ExecuteAsync"/>).</summary>
    public Pop3Response Greeting(ByteBuffer output) => Ok(output, _settings.HostName + " POP3 MailAdmin ready");

    /// <summary>After STLS's handshake (or at connect on POP3S).</summary>
    public void OnTlsEstablished()
    {
        IsSecure = true;
        _user = null;   // RFC 2595 §4: nothing learnt before TLS survives it
    }

    /// <summary>A line longer than the limit (RFC 2449 §4: 255 octets).</summary>
    public Pop3Response LineTooLong(ByteBuffer output)
    {
        if (State == Pop3State.SaslResponse) { State = Pop3State.Authorization; _sasl = null; return AuthFailed(output, "Authentication failed: response too long"); }
        return BadCommand(output, "Line too long");
    }

    /// <summary>Runs one command; the reply is appended to <paramref name="output"/>.</summary>
    public async Task<Pop3Response> ExecuteAsync(Pop3Command command, ByteBuffer output, CancellationToken cancellationToken = default)
    {
        if (State == Pop3State.Closed) return new Pop3Response("", Pop3Action.Close);
        switch (command.Kind)
        {
            case Pop3CommandKind.Unknown: return BadCommand(output, "Unknown command");
            case Pop3CommandKind.Invalid: return BadCommand(output, command.Error ?? "Invalid arguments");
            case Pop3CommandKind.Capa: return Capa(output);
            case Pop3CommandKind.Noop when State == Pop3State.Transaction: return Ok(output, "");
            case Pop3CommandKind.Quit: return await QuitAsync(output, cancellationToken).ConfigureAwait(false);
        }
        if (State == Pop3State.Authorization)
        {
            switch (command.Kind)
            {
                case Pop3CommandKind.User: return User(command, output);
                case Pop3CommandKind.Pass: return await PassAsync(command, output, cancellationToken).ConfigureAwait(false);
                case Pop3CommandKind.Apop:
                    // APOP needs the plain password on the server (MD5 of timestamp + secret); the store keeps
                    // only salted PBKDF2 hashes, so it cannot be checked. Not advertised (no greeting timestamp).
                    return BadCommand(output, "APOP not supported (passwords are stored hashed); use USER/PASS or AUTH PLAIN over TLS");
                case Pop3CommandKind.Auth: return await AuthAsync(command, output, cancellationToken).ConfigureAwait(false);
                case Pop3CommandKind.Stls: return Stls(output);
                default: return BadCommand(output, "Command not valid before login");
            }
        }
        switch (command.Kind)
        {
            case Pop3CommandKind.Stat:
                {
                    Totals(out int count, out long size);
                    return Ok(output, count + " " + size);
                }
            case Pop3CommandKind.List: return Listing(command, output, uidl: false);
            case Pop3CommandKind.Uidl: return Listing(command, output, uidl: true);
            case Pop3CommandKind.Retr: return await RetrieveAsync(command, output, -1, cancellationToken).ConfigureAwait(false);
            case Pop3CommandKind.Top: return await RetrieveAsync(command, output, command.Number(1), cancellationToken).ConfigureAwait(false);
            case Pop3CommandKind.Dele:
                {
                    var entry = Find(command.Number(0), output, out var error);
                    if (entry == null) return error;
                    entry.Deleted = true;
                    return Ok(output, "Message " + command.Number(0) + " deleted");
                }
            case Pop3CommandKind.Rset:
                {
                    foreach (var e in _messages) e.Deleted = false;
                    Totals(out int count, out long size);
                    return Ok(output, "Maildrop has " + count + " message" + (count == 1 ? "" : "s") + " (" + size + " octets)");
                }
            case Pop3CommandKind.Stls: return BadCommand(output, "STLS only before login");
            default: return BadCommand(output, "Command not valid after login");
        }
    }

    /// <summary>The line after "+ " in an AUTH exchange.</summary>
    public async Task<Pop3Response> ContinueSaslAsync(string line, ByteBuffer output, CancellationToken cancellationToken = default)
    {
        if (State != Pop3State.SaslResponse) throw new InvalidOperationException("No SASL exchange in progress.");
        State = Pop3State.Authorization;
        var exchange = _sasl!;
        return await SaslStepAsync(exchange.ContinueAsync(line, cancellationToken), output, cancellationToken).ConfigureAwait(false);
    }

    private Pop3Response Capa(ByteBuffer output)
    {
        var lines = new List<string> { "TOP", "UIDL", "RESP-CODES", "PIPELINING", "EXPIRE NEVER" };
        if (State != Pop3State.Transaction)
        {
            if (PlaintextAllowed) { lines.Add("USER"); lines.Add("SASL " + string.Join(" ", Authenticator.Mechanisms)); }
            if (_settings.TlsAvailable && !IsSecure) lines.Add("STLS");
        }
        lines.Add("IMPLEMENTATION MailAdmin");
        return MultiLine(output, "Capability list follows", lines);
    }

    private Pop3Response User(Pop3Command command, ByteBuffer output)
    {
        if (!PlaintextAllowed) return Refused(output, "[AUTH] Plaintext authentication disallowed without TLS; use STLS");
        _user = command.Arguments[0];
        return Ok(output, "Send PASS");
    }

    private async Task<Pop3Response> PassAsync(Pop3Command command, ByteBuffer output, CancellationToken cancellationToken)
    {
        if (!PlaintextAllowed) return Refused(output, "[AUTH] Plaintext authentication disallowed without TLS; use STLS");
        if (_user == null) return BadCommand(output, "USER first");
        string user = _user;
        _user = null;
        return await LoginAsync(user, command.Arguments[0], output, cancellationToken).ConfigureAwait(false);
    }

    private SaslAuthenticator Authenticator
        => _authenticator ??= _settings.Authenticator ?? new SaslAuthenticator(new StoreCredentials(_store.Accounts));

    private async Task<Pop3Response> AuthAsync(Pop3Command command, ByteBuffer output, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count == 0)
        {
            // Pre-RFC 5034 practice (RFC 1734 clients): list the mechanisms.
            return MultiLine(output, "Mechanisms follow", PlaintextAllowed ? Authenticator.Mechanisms : Array.Empty<string>());
        }
        var exchange = Authenticator.Start(command.Arguments[0], _settings.ClientAddress);
        if (exchange == null) return BadCommand(output, "Unsupported authentication mechanism");
        if (!PlaintextAllowed) return Refused(output, "[AUTH] Plaintext authentication disallowed without TLS; use STLS");
        _sasl = exchange;
        return await SaslStepAsync(exchange.StartAsync(command.Arguments.Count > 1 ? command.Arguments[1] : null, cancellationToken), output, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Pop3Response> SaslStepAsync(Task<SaslStep> next, ByteBuffer output, CancellationToken cancellationToken)
    {
        SaslStep step;
        try { step = await next.ConfigureAwait(false); }
        catch (Exception ex) when (ex is not OperationCanceledException) { step = SaslStep.Fail(SaslFailure.Unavailable); }
        if (step.IsChallenge)
        {
            State = Pop3State.SaslResponse;
            var line = "+ " + step.ChallengeBase64;
            Line(output, line);
            return new Pop3Response(line, Pop3Action.ReadSaslResponse);
        }
        _sasl = null;
        if (step.Succeeded) return await OpenAsync(step.Account!, output, cancellationToken).ConfigureAwait(false);
        return step.Failure switch
        {
            SaslFailure.Cancelled => Err(output, "Authentication cancelled"),   // RFC 5034 §4
            SaslFailure.BadBase64 => BadCommand(output, "Invalid base64"),
            SaslFailure.Unavailable => Err(output, "[SYS/TEMP] Authentication is unavailable, try again later"),
            SaslFailure.Credentials => AuthFailed(output, "[AUTH] Invalid user name or password"),
            _ => AuthFailed(output, "[AUTH] Authentication failed"),
        };
    }

    private async Task<Pop3Response> LoginAsync(string user, string password, ByteBuffer output, CancellationToken cancellationToken)
    {
        string? address;
        try { address = await Authenticator.LoginAsync(_settings.ClientAddress, user, password, cancellationToken).ConfigureAwait(false); }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Err(output, "[SYS/TEMP] Authentication is unavailable, try again later");
        }
        if (address == null) return AuthFailed(output, "[AUTH] Invalid user name or password");
        return await OpenAsync(address, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Logged in: lock and open the maildrop.</summary>
    private async Task<Pop3Response> OpenAsync(string address, ByteBuffer output, CancellationToken cancellationToken)
    {
        if (!_locks.TryAcquire(address, this))
            return Err(output, "[IN-USE] Mailbox is locked by another POP3 session");
        try
        {
            await OpenMaildropAsync(address, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MailStoreException or IOException or UnauthorizedAccessException)
        {
            _locks.Release(address, this);
            _messages.Clear();
            return Err(output, "[SYS/TEMP] Unable to open the mailbox, try again later");
        }
        _account = address;
        State = Pop3State.Transaction;
        LoggedIn?.Invoke();
        Totals(out int count, out long size);
        return Ok(output, "Logged in, " + count + " message" + (count == 1 ? "" : "s") + " (" + size + " octets)");
    }

    private async Task OpenMaildropAsync(string account, CancellationToken cancellationToken)
    {
        _messages.Clear();
        // Mail another program (Dovecot, an LDA) put into the Maildir since the store last looked is part of the maildrop.
        await _store.SynchronizeAsync(account, _settings.Folder, cancellationToken).ConfigureAwait(false);
        _uidValidity = _store.GetFolderStatus(account, _settings.Folder).UidValidity;
        foreach (var message in _store.ListMessages(account, _settings.Folder))
        {
            if (!_sizes.TryGet(account, message.Id, out long size))
            {
                try
                {
                    using var stream = _store.OpenMessage(account, _settings.Folder, message.Uid);
                    size = Pop3MessageEncoder.WireSize(stream);
                }
                catch (MessageNotFoundException) { continue; }   // removed meanwhile (IMAP expunge)
                _sizes.Set(account, message.Id, size);
            }
            _messages.Add(new Entry(message, size));
            cancellationToken.ThrowIfCancellationRequested();
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private Pop3Response Stls(ByteBuffer output)
    {
        if (IsSecure) return BadCommand(output, "TLS is already active");
        if (!_settings.TlsAvailable) return BadCommand(output, "STLS not available (no certificate)");
        Ok(output, "Begin TLS negotiation");
        return new Pop3Response("+OK Begin TLS negotiation", Pop3Action.StartTls);
    }

    private Pop3Response Listing(Pop3Command command, ByteBuffer output, bool uidl)
    {
        if (command.Arguments.Count == 1)
        {
            int n = command.Number(0);
            var entry = Find(n, output, out var error);
            if (entry == null) return error;
            return Ok(output, n + " " + (uidl ? UniqueId(entry) : entry.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        Totals(out int count, out long size);
        var lines = new List<string>(count);
        for (int i = 0; i < _messages.Count; i++)
        {
            if (_messages[i].Deleted) continue;
            lines.Add((i + 1) + " " + (uidl ? UniqueId(_messages[i]) : _messages[i].Size.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return MultiLine(output, uidl ? "Unique-id listing follows" : count + " message" + (count == 1 ? "" : "s") + " (" + size + " octets)", lines);
    }

    /// <summary>The UIDL string: "&lt;UIDVALIDITY&gt;.&lt;UID&gt;" of the message in the store's INBOX. Both numbers
    /// are persistent (dovecot-uidlist), so the string is the same in every session and after restarts,
    /// matches what IMAP reports, and is never reused for another message (UIDs are never reused; a
    /// rebuilt UID list gets a new UIDVALIDITY).</summary>
    private string UniqueId(Entry entry) => _uidValidity.ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + entry.Message.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<Pop3Response> RetrieveAsync(Pop3Command command, ByteBuffer output, int topLines, CancellationToken cancellationToken)
    {
        int n = command.Number(0);
        var entry = Find(n, output, out var error);
        if (entry == null) return error;
        byte[] message;
        try { message = await _store.ReadMessageAsync(_account!, _settings.Folder, entry.Message.Uid, cancellationToken).ConfigureAwait(false); }
        catch (MessageNotFoundException) { return Err(output, "Message " + n + " no longer exists"); }
        catch (Exception ex) when (ex is MailStoreException or IOException or UnauthorizedAccessException)
        {
            return Err(output, "[SYS/TEMP] Unable to read message " + n + ", try again later");
        }
        string status = topLines < 0 ? "+OK " + entry.Size + " octets" : "+OK Top of message follows";
        Line(output, status);
        int start = output.Length;
        long size = Pop3MessageEncoder.Encode(message, output, topLines);
        long written = output.Length - start;
        MessageRetrieved?.Invoke(size);
        if (topLines < 0 && _settings.MarkRetrievedSeen && (entry.Message.Flags & MessageFlags.Seen) == 0)
        {
            try { await _store.SetFlagsAsync(_account!, _settings.Folder, new[] { entry.Message.Uid }, MessageFlags.Seen, FlagChange.Add, cancellationToken).ConfigureAwait(false); }
            catch (Exception ex) when (ex is MailStoreException or IOException or UnauthorizedAccessException) { }   // only a convenience
        }
        return new Pop3Response(status, bodyBytes: written);
    }

    private async Task<Pop3Response> QuitAsync(ByteBuffer output, CancellationToken cancellationToken)
    {
        if (State != Pop3State.Transaction)
        {
            State = Pop3State.Closed;
            Ok(output, _settings.HostName + " POP3 MailAdmin signing off");
            return new Pop3Response("+OK signing off", Pop3Action.Close);
        }
        // RFC 1939 §6: the UPDATE state, entered only from QUIT in TRANSACTION.
        State = Pop3State.Update;
        var doomed = _messages.Where(e => e.Deleted).ToList();
        int removed = 0;
        bool failed = false;
        if (doomed.Count > 0)
        {
            try
            {
                var uids = await _store.DeleteMessagesAsync(_account!, _settings.Folder, doomed.Select(e => e.Message.Uid), CancellationToken.None).ConfigureAwait(false);
                removed = uids.Count;
                foreach (var e in doomed) _sizes.Remove(_account!, e.Message.Id);
            }
            catch (Exception ex) when (ex is MailStoreException or IOException or UnauthorizedAccessException)
            {
                failed = true;
            }
            if (removed > 0) MessagesDeleted?.Invoke(removed);
        }
        Release();
        State = Pop3State.Closed;
        int left = _messages.Count - doomed.Count;
        if (failed)
        {
            Err(output, "[SYS/TEMP] Some deleted messages were not removed");
            return new Pop3Response("-ERR [SYS/TEMP] Some deleted messages were not removed", Pop3Action.Close);
        }
        string text = _settings.HostName + " POP3 MailAdmin signing off (" + left + " message" + (left == 1 ? "" : "s") + " left)";
        Ok(output, text);
        return new Pop3Response("+OK " + text, Pop3Action.Close);
    }

    private Entry? Find(int number, ByteBuffer output, out Pop3Response error)
    {
        error = default;
        if (number < 1 || number > _messages.Count)
        {
            error = Err(output, "No such message");
            return null;
        }
        var entry = _messages[number - 1];
        if (entry.Deleted)
        {
            error = Err(output, "Message " + number + " already deleted");
            return null;
        }
        return entry;
    }

    private void Totals(out int count, out long size)
    {
        count = 0;
        size = 0;
        foreach (var e in _messages)
        {
            if (e.Deleted) continue;
            count++;
            size += e.Size;
        }
    }

    private Pop3Response AuthFailed(ByteBuffer output, string text)
    {
        AuthenticationFailed?.Invoke();
        var response = BadCommand(output, text);
        return new Pop3Response(response.StatusLine, response.Action, _settings.AuthFailureDelay);
    }

    /// <summary>A refusal that the client cannot fix by retrying the same thing (not counted as a bad command).</summary>
    private static Pop3Response Refused(ByteBuffer output, string text) => Err(output, text);

    /// <summary>-ERR that counts towards <see cref="Pop3SessionSettings.MaxErrors"/>; past the limit the session ends.</summary>
    private Pop3Response BadCommand(ByteBuffer output, string text)
    {
        if (++_errors > _settings.MaxErrors)
        {
            Release();
            State = Pop3State.Closed;
            Err(output, "Too many bad commands, closing");
            return new Pop3Response("-ERR Too many bad commands, closing", Pop3Action.Close);
        }
        return Err(output, text);
    }

    private static Pop3Response Ok(ByteBuffer output, string text)
    {
        string line = text.Length == 0 ? "+OK" : "+OK " + text;
        Line(output, line);
        return new Pop3Response(line);
    }

    private static Pop3Response Err(ByteBuffer output, string text)
    {
        string line = "-ERR " + text;
        Line(output, line);
        return new Pop3Response(line);
    }

    private static Pop3Response MultiLine(ByteBuffer output, string status, IEnumerable<string> lines)
    {
        string first = "+OK " + status;
        Line(output, first);
        int start = output.Length;
        foreach (var l in lines) Line(output, l.StartsWith(".", StringComparison.Ordinal) ? "." + l : l);
        Line(output, ".");
        return new Pop3Response(first, bodyBytes: output.Length - start);
    }

    private static void Line(ByteBuffer output, string text)
    {
        output.AppendText(text);
        output.Append((byte)'\r');
        output.Append((byte)'\n');
    }

    private void Release()
    {
        if (_account != null) _locks.Release(_account, this);
    }

    /// <summary>Ends the session without UPDATE (a dropped connection, a timeout, a server stop):
    /// nothing marked for deletion is deleted; the maildrop lock is released.</summary>
    public void Dispose()
    {
        Release();
        State = Pop3State.Closed;
    }
}
