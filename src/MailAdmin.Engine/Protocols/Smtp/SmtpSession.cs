using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Sasl;
using MailAdmin.Protocols.Smtp.Faults;

namespace MailAdmin.Protocols.Smtp;

/// <summary>Session states. Transitions are listed in <see cref="SmtpStateTable"/>.</summary>
public enum SmtpState
{
    /// <summary>Greeting sent; EHLO/HELO expected.</summary>
    Connected,
    /// <summary>EHLO/HELO done, no transaction.</summary>
    Greeted,
    /// <summary>MAIL accepted, no recipient yet.</summary>
    Mail,
    /// <summary>At least one RCPT accepted.</summary>
    Rcpt,
    /// <summary>Inside a BDAT transaction (some chunks received, LAST not yet).</summary>
    Bdat,
    /// <summary>Reading DATA content (the host feeds <see cref="SmtpSession.DataDecoder"/>).</summary>
    Data,
    /// <summary>In a SASL exchange: the next line is a response, not a command.</summary>
    Auth,
    /// <summary>QUIT or a fatal error: close the connection.</summary>
    Closed,
}

/// <summary>What the host must do after sending the reply.</summary>
public enum SmtpAction
{
    None,
    /// <summary>Flush and close the connection.</summary>
    Close,
    /// <summary>Flush, drop any bytes already buffered, run the TLS handshake, then call <see cref="SmtpSession.OnTlsEstablished"/>.</summary>
    StartTls,
    /// <summary>Feed message content to <see cref="SmtpSession.DataDecoder"/> until complete, then call <see cref="SmtpSession.CompleteDataAsync"/>.</summary>
    ReadData,
    /// <summary>Read exactly <see cref="SmtpSession.PendingChunkSize"/> bytes into <see cref="SmtpSession.AppendChunk"/>, then call <see cref="SmtpSession.CompleteChunkAsync"/>. No reply is sent before.</summary>
    ReadChunk,
    /// <summary>Read the next line as a SASL response and pass it to <see cref="SmtpSession.ContinueAuthAsync"/>.</summary>
    ReadAuthResponse,
}

/// <summary>The result of one step: a reply (or null for none), an action, and a delay to apply before replying.</summary>
public readonly struct SmtpResponse
{
    public SmtpResponse(SmtpReply? reply, SmtpAction action = SmtpAction.None, TimeSpan delay = default)
    { Reply = reply; Action = action; Delay = delay; }
    public SmtpReply? Reply { get; }
    public SmtpAction Action { get; }
    public TimeSpan Delay { get; }
    public static implicit operator SmtpResponse(SmtpReply reply) => new(reply);
    /// <summary>The same response, waiting <paramref name="extra"/> longer first.</summary>
    public SmtpResponse WithDelay(TimeSpan extra) => extra == TimeSpan.Zero ? this : new SmtpResponse(Reply, Action, Delay + extra);
}

/// <summary>The declarative command/state table: in which states a command is accepted, and the
/// 503 reply otherwise.</summary>
public static class SmtpStateTable
{
    [Flags]
    public enum States
    {
        None = 0, Connected = 1, Greeted = 2, Mail = 4, Rcpt = 8, Bdat = 16,
        Any = Connected | Greeted | Mail | Rcpt | Bdat,
        Greet = Greeted | Mail | Rcpt | Bdat,
    }

    private static readonly Dictionary<SmtpCommandKind, States> Allowed = new()
    {
        [SmtpCommandKind.Helo] = States.Any,
        [SmtpCommandKind.Ehlo] = States.Any,
        [SmtpCommandKind.Mail] = States.Greeted,
        [SmtpCommandKind.Rcpt] = States.Mail | States.Rcpt,
        [SmtpCommandKind.Data] = States.Rcpt,
        [SmtpCommandKind.Bdat] = States.Rcpt | States.Bdat,
        [SmtpCommandKind.Rset] = States.Any,
        [SmtpCommandKind.Noop] = States.Any,
        [SmtpCommandKind.Quit] = States.Any,
        [SmtpCommandKind.Vrfy] = States.Any,
        [SmtpCommandKind.Expn] = States.Any,
        [SmtpCommandKind.Help] = States.Any,
        [SmtpCommandKind.StartTls] = States.Greeted,
        [SmtpCommandKind.Auth] = States.Greeted,
        [SmtpCommandKind.Obsolete] = States.Any,
        [SmtpCommandKind.Unknown] = States.Any,
        [SmtpCommandKind.Invalid] = States.Any,
    };

    private static States Flag(SmtpState s) => s switch
    {
        SmtpState.Connected => States.Connected,
        SmtpState.Greeted => States.Greeted,
        SmtpState.Mail => States.Mail,
        SmtpState.Rcpt => States.Rcpt,
        SmtpState.Bdat => States.Bdat,
        _ => States.None,
    };

    public static bool IsAllowed(SmtpCommandKind kind, SmtpState state) => (Allowed[kind] & Flag(state)) != 0;

    /// <summary>The 503 (or 554) reply for a command sent in the wrong state.</summary>
    public static SmtpReply Refusal(SmtpCommandKind kind, SmtpState state)
    {
        if (state == SmtpState.Connected) return SmtpReply.HeloFirst;
        return kind switch
        {
            SmtpCommandKind.Mail => SmtpReply.NestedMail,
            SmtpCommandKind.Rcpt => state == SmtpState.Bdat ? SmtpReply.BadSequence : SmtpReply.NeedMail,
            SmtpCommandKind.Data when state == SmtpState.Bdat => SmtpReply.MixedChunking,
            SmtpCommandKind.Data when state == SmtpState.Mail => SmtpReply.NoValidRecipients,
            SmtpCommandKind.Data => SmtpReply.NeedMail,
            SmtpCommandKind.Bdat when state == SmtpState.Mail => SmtpReply.NeedRcpt,
            SmtpCommandKind.Bdat => SmtpReply.NeedMail,
            _ => SmtpReply.BadSequence,
        };
    }
}

/// <summary>One SMTP session as a state machine: commands in, replies and actions out. It calls
/// the backend but does no I/O of its own: the host frames lines, feeds DATA/BDAT bytes, does
/// TLS, applies delays and timeouts.</summary>
public sealed class SmtpSession : IDisposable
{
    private readonly SmtpSessionSettings _settings;
    private readonly ISmtpBackend _backend;
    // The current transaction's content, written through as it arrives (never buffered whole here).
    private SmtpMessageSink? _sink;
    private SmtpEnvelope? _envelope;
    private bool _extended;
    private string _helo = "";
    private int _errors;
    private bool _bdatUsed;
    private bool? _inRelayNetworks;
    // SASL state
    private SaslAuthenticator? _authenticator;
    private SaslExchange? _sasl;
    // BDAT state
    private long _chunkRemaining;
    private bool _chunkAccepted, _chunkLast;
    private SmtpReply? _chunkRefusal;
    private long _bdatSize;
    private bool _bdatTooLarge;

    public SmtpSession(SmtpSessionSettings settings, ISmtpBackend backend, IPEndPoint? remoteEndPoint = null, bool isSecure = false, string? remoteHostName = null)
    {
        _settings = settings;
        _backend = backend;
        RemoteEndPoint = remoteEndPoint;
        IsSecure = isSecure;
        RemoteHostName = remoteHostName;
    }

    public SmtpState State { get; private set; } = SmtpState.Connected;
    public IPEndPoint? RemoteEndPoint { get; }
    public string? RemoteHostName { get; }
    public bool IsSecure { get; private set; }
    public string? AuthenticatedUser { get; private set; }
    public int ErrorCount => _errors;
    /// <summary>The current transaction's envelope, null outside a transaction.</summary>
    public SmtpEnvelope? Envelope => _envelope;
    /// <summary>Decoder for DATA content (valid after a ReadData action).</summary>
    public SmtpDataDecoder DataDecoder { get; } = new();
    /// <summary>Bytes still expected for the current BDAT chunk.</summary>
    public long PendingChunkSize => _chunkRemaining;
    /// <summary>Raised after a message was delivered, with its size (content only).</summary>
    public event Action<long>? MessageDelivered;
    /// <summary>Raised after a failed AUTH.</summary>
    public event Action? AuthenticationFailed;
    /// <summary>Raised when the backend throws something other than <see cref="SmtpDeliveryException"/>.</summary>
    public event Action<Exception>? DeliveryError;

    public SmtpReply Greeting() => new(220, null, _settings.HostName + " ESMTP MailAdmin ready");

    /// <summary>The first response of a connection: the greeting, unless a Connect fault rule
    /// replaces it (then the connection closes after the reply) or drops the connection.</summary>
    public SmtpResponse Open()
    {
        var fault = Fault(SmtpFaultStage.Connect, null);
        if (!fault.Stops) return new SmtpResponse(Greeting()).WithDelay(fault.Delay);
        State = SmtpState.Closed;
        return new SmtpResponse(fault.Reply, SmtpAction.Close, fault.Delay);
    }

    /// <summary>Consults the fault rules (Add-MailServerRule) with what the session knows now.</summary>
    private SmtpFaultOutcome Fault(SmtpFaultStage stage, string? sender, string? recipient = null, string? user = null)
    {
        var rules = _settings.FaultRules;
        if (rules == null || rules.IsEmpty) return SmtpFaultOutcome.None;
        var context = new SmtpFaultContext(RemoteEndPoint?.Address, user ?? AuthenticatedUser, sender, recipient, _envelope?.Recipients);
        return rules.Evaluate(stage, context);
    }

    /// <summary>The response for a fault that stops a step: no reply and a closed connection, or the
    /// rule's reply (421 closes the connection, as RFC 5321 §3.8 has it; others count like any reply).</summary>
    private SmtpResponse FaultResponse(SmtpFaultOutcome fault)
    {
        var reply = fault.Reply;
        if (fault.Disconnect || reply!.Code == 421)
        {
            ResetTransaction();
            State = SmtpState.Closed;
            return new SmtpResponse(reply, SmtpAction.Close, fault.Delay);
        }
        return Finish(reply, SmtpAction.None, fault.Delay);
    }

    /// <summary>The stage a command is checked at; null for commands no rule applies to.</summary>
    private SmtpFaultStage? StageOf(SmtpCommandKind kind) => kind switch
    {
        SmtpCommandKind.Helo or SmtpCommandKind.Ehlo => SmtpFaultStage.Helo,
        SmtpCommandKind.Mail => SmtpFaultStage.Mail,
        SmtpCommandKind.Rcpt => SmtpFaultStage.Rcpt,
        SmtpCommandKind.Data => SmtpFaultStage.Data,
        SmtpCommandKind.Bdat when !_bdatUsed => SmtpFaultStage.Data,
        _ => null,
    };

    /// <summary>Reply for an over-long command line (counts as an error; the session goes on).</summary>
    public SmtpResponse LineTooLong() => Finish(SmtpReply.LineTooLong);

    public async ValueTask<SmtpResponse> ExecuteAsync(SmtpCommand command, CancellationToken cancellationToken = default)
    {
        if (State == SmtpState.Closed) return new SmtpResponse(null, SmtpAction.Close);
        if (State is SmtpState.Data or SmtpState.Auth) throw new InvalidOperationException("The session expects " + State + " input, not a command.");
        switch (command.Kind)
        {
            case SmtpCommandKind.Invalid: return Finish(command.Error ?? SmtpReply.SyntaxError);
            case SmtpCommandKind.Unknown: return Finish(SmtpReply.SyntaxError);
            case SmtpCommandKind.Obsolete: return Finish(SmtpReply.Obsolete);
        }
        if (!SmtpStateTable.IsAllowed(command.Kind, State))
        {
            // A refused BDAT still carries its chunk: read and discard it, then refuse.
            if (command.Kind == SmtpCommandKind.Bdat) return BeginChunk(command, SmtpStateTable.Refusal(command.Kind, State));
            return Finish(SmtpStateTable.Refusal(command.Kind, State));
        }
        var stage = _settings.FaultRules is { IsEmpty: false } ? StageOf(command.Kind) : null;
        if (stage == null) return await DispatchAsync(command, cancellationToken).ConfigureAwait(false);
        var fault = Fault(stage.Value, stage == SmtpFaultStage.Mail ? command.Address ?? "" : _envelope?.From, stage == SmtpFaultStage.Rcpt ? command.Address : null);
        if (fault.Stops)
        {
            // A refused BDAT still carries its chunk: read and discard it, then give the rule's reply.
            if (command.Kind == SmtpCommandKind.Bdat && !fault.Disconnect && fault.Reply!.Code != 421)
                return BeginChunk(command, fault.Reply).WithDelay(fault.Delay);
            return FaultResponse(fault);
        }
        return (await DispatchAsync(command, cancellationToken).ConfigureAwait(false)).WithDelay(fault.Delay);
    }

    private async ValueTask<SmtpResponse> DispatchAsync(SmtpCommand command, CancellationToken cancellationToken)
    {
        switch (command.Kind)
        {
            case SmtpCommandKind.Helo: return Hello(command.Argument, false);
            case SmtpCommandKind.Ehlo: return Hello(command.Argument, true);
            case SmtpCommandKind.Mail: return Mail(command);
            case SmtpCommandKind.Rcpt: return Rcpt(command);
            case SmtpCommandKind.Data: return Data();
            case SmtpCommandKind.Bdat: return BeginChunk(command, null);
            case SmtpCommandKind.Rset:
                ResetTransaction();
                return Finish(SmtpReply.ResetOk);
            case SmtpCommandKind.Noop: return Finish(SmtpReply.Ok);
            case SmtpCommandKind.Quit:
                ResetTransaction();
                State = SmtpState.Closed;
                return new SmtpResponse(new SmtpReply(221, "2.0.0", _settings.HostName + " closing connection"), SmtpAction.Close);
            case SmtpCommandKind.Vrfy: return Finish(SmtpReply.CannotVerify);
            case SmtpCommandKind.Expn: return Finish(_settings.EnableExpn ? SmtpReply.CannotVerify : SmtpReply.ExpnDisabled);
            case SmtpCommandKind.Help:
                return Finish(new SmtpReply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH",
                    "See RFC 5321; end of HELP"));
            case SmtpCommandKind.StartTls: return StartTls();
            case SmtpCommandKind.Auth: return await AuthAsync(command, cancellationToken).ConfigureAwait(false);
        }
        return Finish(SmtpReply.SyntaxError);
    }

    /// <summary>Counts permanent (5xx) error replies; past the limit the reply becomes 421 and the
    /// session closes. Transient replies (452 too many recipients, 451, ...) are not counted: a
    /// client that pipelines more recipients than allowed must be able to send the rest later.</summary>
    private SmtpResponse Finish(SmtpReply reply, SmtpAction action = SmtpAction.None, TimeSpan delay = default)
    {
        if (reply.Code >= 500 && ++_errors > _settings.MaxErrors)
        {
            ResetTransaction();
            State = SmtpState.Closed;
            return new SmtpResponse(SmtpReply.TooManyErrors, SmtpAction.Close, delay);
        }
        return new SmtpResponse(reply, action, delay);
    }

    private void ResetTransaction()
    {
        _envelope = null;
        _bdatUsed = false;
        _bdatSize = 0;
        _bdatTooLarge = false;
        _sink?.Dispose();
        _sink = null;
        if (State != SmtpState.Closed) State = _helo.Length > 0 ? SmtpState.Greeted : SmtpState.Connected;
    }

    private SmtpResponse Hello(string domain, bool extended)
    {
        _helo = domain;
        _extended = extended;
        ResetTransaction();
        State = SmtpState.Greeted;
        string who = RemoteEndPoint != null ? " " + SmtpTraceHeaders.AddressLiteral(RemoteEndPoint.Address) : "";
        string first = _settings.HostName + " Hello " + domain + who;
        if (!extended) return Finish(new SmtpReply(250, null, first));
        var lines = new List<string>(12) { first, "PIPELINING" };
        lines.Add("SIZE " + (_settings.MaxMessageSize > 0 ? _settings.MaxMessageSize : 0));
        lines.Add("8BITMIME");
        lines.Add("SMTPUTF8");
        lines.Add("ENHANCEDSTATUSCODES");
        lines.Add("CHUNKING");
        lines.Add("DSN");
        if (_settings.TlsAvailable && !IsSecure) lines.Add("STARTTLS");
        if (AuthenticatedUser == null && (IsSecure || _settings.AllowInsecureAuth))
            lines.Add("AUTH " + string.Join(" ", OfferedMechanisms()));
        lines.Add("HELP");
        return Finish(new SmtpReply(250, null, lines.ToArray()));
    }

    private SmtpResponse Mail(SmtpCommand command)
    {
        if (_settings.RequireAuthentication && AuthenticatedUser == null) return Finish(SmtpReply.AuthRequired);
        var env = new SmtpEnvelope { From = command.Address ?? "" };
        if (command.Parameters.Count > 0 && !_extended) return Finish(SmtpReply.UnknownParameter);
        for (int i = 0; i < command.Parameters.Count; i++)
        {
            var p = command.Parameters[i];
            if (IsDuplicate(command, i)) return Finish(new SmtpReply(501, "5.5.4", "Duplicate parameter " + p.Keyword));
            switch (p.Keyword)
            {
                case "SIZE":
                    if (!TryParseNumber(p.Value, out long size)) return Finish(SmtpReply.BadParameterValue);
                    if (_settings.MaxMessageSize > 0 && size > _settings.MaxMessageSize) return Finish(SmtpReply.MessageTooBig);
                    env.DeclaredSize = size;
                    break;
                case "BODY":
                    if (string.Equals(p.Value, "7BIT", StringComparison.OrdinalIgnoreCase)) env.Body = SmtpBodyType.SevenBit;
                    else if (string.Equals(p.Value, "8BITMIME", StringComparison.OrdinalIgnoreCase)) env.Body = SmtpBodyType.EightBitMime;
                    else return Finish(SmtpReply.BodyTypeSyntax);
                    break;
                case "SMTPUTF8":
                    if (p.Value != null) return Finish(SmtpReply.BadParameterValue);
                    env.SmtpUtf8 = true;
                    break;
                case "RET":
                    if (string.Equals(p.Value, "FULL", StringComparison.OrdinalIgnoreCase)) env.Ret = DsnReturn.Full;
                    else if (string.Equals(p.Value, "HDRS", StringComparison.OrdinalIgnoreCase)) env.Ret = DsnReturn.Headers;
                    else return Finish(SmtpReply.BadParameterValue);
                    break;
                case "ENVID":
                    if (p.Value == null || p.Value.Length > 100 || !SmtpGrammar.TryDecodeXtext(p.Value, out var envid)) return Finish(SmtpReply.BadParameterValue);
                    env.EnvelopeId = envid;
                    break;
                case "AUTH":
                    // RFC 4954 §5: accepted; we do not trust a submitted identity, so it is ignored.
                    if (p.Value == null || p.Value != "<>" && !SmtpGrammar.TryDecodeXtext(p.Value, out _)) return Finish(SmtpReply.BadParameterValue);
                    break;
                default:
                    return Finish(SmtpReply.UnknownParameter);
            }
        }
        if (command.AddressIsUtf8 && !env.SmtpUtf8) return Finish(SmtpReply.NonAsciiAddress);
        env.Id = SmtpTraceHeaders.NewId();
        env.HeloName = _helo;
        env.RemoteEndPoint = RemoteEndPoint;
        _envelope = env;
        State = SmtpState.Mail;
        return Finish(SmtpReply.SenderOk);
    }

    private static bool IsDuplicate(SmtpCommand command, int index)
    {
        for (int j = 0; j < index; j++)
            if (command.Parameters[j].Keyword == command.Parameters[index].Keyword) return true;
        return false;
    }

    private static bool TryParseNumber(string? s, out long value)
    {
        value = 0;
        if (string.IsNullOrEmpty(s) || s!.Length > 18) return false;
        foreach (char c in s)
        {
            if (c < '0' || c > '9') return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    private SmtpResponse Rcpt(SmtpCommand command)
    {
        var env = _envelope!;
        if (env.Recipients.Count >= _settings.MaxRecipients) return Finish(SmtpReply.TooManyRecipients);
        if (command.AddressIsUtf8 && !env.SmtpUtf8) return Finish(SmtpReply.NonAsciiAddress);
        if (command.Parameters.Count > 0 && !_extended) return Finish(SmtpReply.UnknownParameter);
        var rcpt = new SmtpRecipient(command.Address!);
        for (int i = 0; i < command.Parameters.Count; i++)
        {
            var p = command.Parameters[i];
            if (IsDuplicate(command, i)) return Finish(new SmtpReply(501, "5.5.4", "Duplicate parameter " + p.Keyword));
            switch (p.Keyword)
            {
                case "NOTIFY":
                    if (!TryParseNotify(p.Value, out var notify)) return Finish(SmtpReply.BadParameterValue);
                    rcpt.Notify = notify;
                    break;
                case "ORCPT":
                    {
                        // orcpt-parameter = "ORCPT=" addr-type ";" xtext
                        int semi = p.Value?.IndexOf(';') ?? -1;
                        if (semi <= 0) return Finish(SmtpReply.BadParameterValue);
                        string type = p.Value!.Substring(0, semi);
                        int t = 0;
                        if (!SmtpGrammar.TryParseAtom(type, ref t) || t != type.Length) return Finish(SmtpReply.BadParameterValue);
                        if (!SmtpGrammar.TryDecodeXtext(p.Value.Substring(semi + 1), out var orcpt) || orcpt.Length == 0) return Finish(SmtpReply.BadParameterValue);
                        rcpt.OriginalRecipientType = type;
                        rcpt.OriginalRecipient = orcpt;
                        break;
                    }
                default:
                    return Finish(SmtpReply.UnknownParameter);
            }
        }
        RecipientCheck check;
        try { check = _backend.CheckRecipient(rcpt.Address, AuthenticatedUser != null, env.DeclaredSize); }
        catch (Exception ex)
        {
            DeliveryError?.Invoke(ex);
            return Finish(new SmtpReply(451, "4.3.0", "Temporary failure checking recipient"));
        }
        switch (check)
        {
            case RecipientCheck.Local: break;
            case RecipientCheck.UnknownLocal: return Finish(SmtpReply.UnknownUser);
            // Refused for this recipient only, and transient: the owner can make room, and the client
            // delivers to the others now and retries this one later (RFC 3463 X.2.2).
            case RecipientCheck.MailboxFull: return Finish(new SmtpReply(452, "4.2.2", "Mailbox of " + rcpt.Address + " is full"));
            case RecipientCheck.NoPostmaster: return Finish(new SmtpReply(550, "5.1.1", "No postmaster mailbox configured"));
            default:
                // Never an open relay: only an authenticated client or one of -RelayNetwork sends elsewhere.
                if (!MayRelay) return Finish(SmtpReply.RelayDenied);
                break;
        }
        env.Recipients.Add(rcpt);
        State = SmtpState.Rcpt;
        return Finish(SmtpReply.RecipientOk);
    }

    /// <summary>The client's address is in the server's relay networks (asked once per session).</summary>
    private bool ClientInRelayNetworks => _inRelayNetworks ??= _settings.RelayNetworks.Contains(RemoteEndPoint?.Address);

    private bool MayRelay => (AuthenticatedUser != null && _settings.AllowRelayForAuthenticated) || ClientInRelayNetworks;

    private static bool TryParseNotify(string? value, out DsnNotify notify)
    {
        notify = DsnNotify.Unspecified;
        if (string.IsNullOrEmpty(value)) return false;
        foreach (var part in value!.Split(','))
        {
            switch (part.ToUpperInvariant())
            {
                case "NEVER": notify |= DsnNotify.Never; break;
                case "SUCCESS": notify |= DsnNotify.Success; break;
                case "FAILURE": notify |= DsnNotify.Failure; break;
                case "DELAY": notify |= DsnNotify.Delay; break;
                default: return false;
            }
        }
        // NEVER must stand alone (RFC 3461 §4.1).
        return !((notify & DsnNotify.Never) != 0 && notify != DsnNotify.Never);
    }

    /// <summary>Opens the backend's sink and writes the trace lines. False (with the error raised) when the backend cannot take a message now.</summary>
    private bool BeginMessage()
    {
        var env = _envelope!;
        env.AuthenticatedUser = AuthenticatedUser;
        env.IsSecure = IsSecure;
        env.ClientTrusted = AuthenticatedUser != null || ClientInRelayNetworks;
        env.ReceivedAt = DateTimeOffset.UtcNow;
        env.Protocol = SmtpTraceHeaders.ProtocolName(_extended, env.SmtpUtf8, IsSecure, AuthenticatedUser != null);
        _sink?.Dispose();
        try { _sink = _backend.OpenMessage(env); }
        catch (Exception ex)
        {
            _sink = null;
            DeliveryError?.Invoke(ex);
            return false;
        }
        SmtpTraceHeaders.Write(_sink, env, _settings.HostName, RemoteHostName, _sink.WantsReturnPath);
        return true;
    }

    private SmtpResponse Data()
    {
        if (!BeginMessage()) return Finish(SmtpReply.LocalError);
        DataDecoder.Reset(_sink!, _settings.MaxMessageSize);
        State = SmtpState.Data;
        return new SmtpResponse(SmtpReply.StartData, SmtpAction.ReadData);
    }

    /// <summary>Call when <see cref="DataDecoder"/> completed: checks the content and delivers it.</summary>
    public async ValueTask<SmtpResponse> CompleteDataAsync(CancellationToken cancellationToken = default)
    {
        if (State != SmtpState.Data || !DataDecoder.IsComplete) throw new InvalidOperationException("DATA content is not complete.");
        SmtpReply reply;
        if (DataDecoder.TooLarge) reply = SmtpReply.MessageTooBig;
        else if (DataDecoder.HasBareLineEnding) reply = SmtpReply.BareLineEnding;
        else
        {
            var fault = Fault(SmtpFaultStage.EndOfData, _envelope!.From);
            if (fault.Stops)
            {
                ResetTransaction();   // the content read is dropped with the sink: nothing is stored
                return FaultResponse(fault);
            }
            reply = await DeliverAsync(DataDecoder.Size, cancellationToken).ConfigureAwait(false);
            ResetTransaction();
            return Finish(reply).WithDelay(fault.Delay);
        }
        ResetTransaction();
        return Finish(reply);
    }

    private async ValueTask<SmtpReply> DeliverAsync(long size, CancellationToken cancellationToken)
    {
        var env = _envelope!;
        var sink = _sink!;
        if (sink.WriteError != null)
        {
            DeliveryError?.Invoke(sink.WriteError);
            return new SmtpReply(452, "4.3.1", "Insufficient system storage; try again later");
        }
        IReadOnlyList<SmtpRecipientFailure> failures;
        try
        {
            failures = await _backend.DeliverAsync(env, sink, cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpDeliveryException ex) { return ex.Reply; }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { throw; }
        catch (Exception ex)
        {
            DeliveryError?.Invoke(ex);
            return SmtpReply.LocalError;
        }
        MessageDelivered?.Invoke(size);
        // Some recipients got it, so the answer must be 250 (a failure would make the client send it
        // again to all). Those that could not take it are named in the reply, which the protocol log
        // records; their sender learns of them from the backend's failure notice.
        if (failures.Count > 0)
        {
            // A reply line stays short (RFC 5321 §4.5.3.1.5: 512 octets): the first few, then a count.
            var named = string.Join(", ", failures.Take(4)) + (failures.Count > 4 ? " and " + (failures.Count - 4) + " more" : "");
            return new SmtpReply(250, "2.0.0", "OK: queued as " + env.Id + "; not delivered to " + named);
        }
        return new SmtpReply(250, "2.0.0", "OK: queued as " + env.Id);
    }

    private SmtpResponse BeginChunk(SmtpCommand command, SmtpReply? refusal)
    {
        _chunkRemaining = command.ChunkSize;
        _chunkLast = command.IsLastChunk;
        _chunkRefusal = refusal;
        _chunkAccepted = refusal == null;
        if (_chunkAccepted)
        {
            if (!_bdatUsed)
            {
                if (!BeginMessage())
                {
                    // Read and drop the chunk, then answer 451; the transaction stays open for a retry.
                    _chunkAccepted = false;
                    _chunkRefusal = SmtpReply.LocalError;
                    return new SmtpResponse(null, SmtpAction.ReadChunk);
                }
                _bdatUsed = true;
                _bdatSize = 0;
                _bdatTooLarge = false;
            }
            State = SmtpState.Bdat;
        }
        return new SmtpResponse(null, SmtpAction.ReadChunk);
    }

    /// <summary>Takes chunk bytes (at most <see cref="PendingChunkSize"/>); returns how many were used.</summary>
    public int AppendChunk(ReadOnlySpan<byte> data)
    {
        int n = (int)Math.Min(data.Length, _chunkRemaining);
        _chunkRemaining -= n;
        if (_chunkAccepted && !_bdatTooLarge)
        {
            _bdatSize += n;
            if (_settings.MaxMessageSize > 0 && _bdatSize > _settings.MaxMessageSize) _bdatTooLarge = true;
            else _sink!.Write(data.Slice(0, n));
        }
        return n;
    }

    /// <summary>Call when the whole chunk was read: 250 for an intermediate chunk, the delivery reply for LAST.</summary>
    public async ValueTask<SmtpResponse> CompleteChunkAsync(CancellationToken cancellationToken = default)
    {
        if (_chunkRemaining != 0) throw new InvalidOperationException("The chunk is not complete.");
        if (!_chunkAccepted) return Finish(_chunkRefusal!);
        if (!_chunkLast)
        {
            if (_bdatTooLarge)
            {
                // RFC 3030: after a failed chunk the transaction is over; further BDATs get 503.
                ResetTransaction();
                return Finish(SmtpReply.MessageTooBig);
            }
            return Finish(new SmtpReply(250, "2.0.0", "Chunk received"));
        }
        if (_bdatTooLarge)
        {
            ResetTransaction();
            return Finish(SmtpReply.MessageTooBig);
        }
        var fault = Fault(SmtpFaultStage.EndOfData, _envelope!.From);
        if (fault.Stops)
        {
            ResetTransaction();
            return FaultResponse(fault);
        }
        SmtpReply reply = await DeliverAsync(_bdatSize, cancellationToken).ConfigureAwait(false);
        ResetTransaction();
        return Finish(reply).WithDelay(fault.Delay);
    }

    private SmtpResponse StartTls()
    {
        if (IsSecure) return Finish(SmtpReply.AlreadyTls);
        if (!_settings.TlsAvailable) return Finish(SmtpReply.TlsNotAvailable);
        return new SmtpResponse(SmtpReply.ReadyForTls, SmtpAction.StartTls);
    }

    /// <summary>TLS is up: forget everything learnt before it (RFC 3207 §4.2): EHLO is needed again.</summary>
    public void OnTlsEstablished()
    {
        IsSecure = true;
        _helo = "";
        _extended = false;
        AuthenticatedUser = null;
        ResetTransaction();
        State = SmtpState.Connected;
    }

    private SaslAuthenticator Authenticator
        => _authenticator ??= _settings.Authenticator ?? new SaslAuthenticator(new SmtpBackendCredentials(_backend, _settings.EnableXOAuth2));

    private IEnumerable<string> OfferedMechanisms()
    {
        foreach (var name in Authenticator.Mechanisms)
            if (_settings.EnableXOAuth2 || (name != SaslBearer.XOAuth2Name && name != SaslBearer.OAuthBearerName)) yield return name;
    }

    private async ValueTask<SmtpResponse> AuthAsync(SmtpCommand command, CancellationToken ct)
    {
        if (AuthenticatedUser != null) return Finish(SmtpReply.AlreadyAuthenticated);
        if (!IsSecure && !_settings.AllowInsecureAuth)
            return Finish(SmtpReply.TlsRequiredForAuth);
        string mech = command.Argument;
        var offered = false;
        foreach (var name in OfferedMechanisms()) offered |= string.Equals(name, mech, StringComparison.OrdinalIgnoreCase);
        _sasl = offered ? Authenticator.Start(mech, RemoteEndPoint?.Address) : null;
        if (_sasl == null) return Finish(SmtpReply.MechanismNotSupported);
        State = SmtpState.Auth;
        var initial = command.InitialResponse?.Trim();
        return await AuthStepAsync(_sasl.StartAsync(initial, ct)).ConfigureAwait(false);
    }

    /// <summary>Handles one SASL response line (base64, "=" for empty, "*" to cancel).</summary>
    public async ValueTask<SmtpResponse> ContinueAuthAsync(string line, CancellationToken cancellationToken = default)
    {
        if (State != SmtpState.Auth || _sasl == null) throw new InvalidOperationException("No authentication in progress.");
        return await AuthStepAsync(_sasl.ContinueAsync(line, cancellationToken)).ConfigureAwait(false);
    }

    private async ValueTask<SmtpResponse> AuthStepAsync(Task<SaslStep> next)
    {
        SaslStep step;
        try { step = await next.ConfigureAwait(false); }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            DeliveryError?.Invoke(ex);
            step = SaslStep.Fail(SaslFailure.Unavailable);
        }
        if (step.IsChallenge) return new SmtpResponse(new SmtpReply(334, null, step.ChallengeBase64), SmtpAction.ReadAuthResponse);
        EndAuth();
        if (step.Succeeded)
        {
            // The Auth stage: the login is good, the rules may still refuse or delay it.
            var fault = Fault(SmtpFaultStage.Auth, null, user: step.Account);
            if (fault.Stops) return FaultResponse(fault);
            AuthenticatedUser = step.Account;
            return Finish(SmtpReply.AuthSucceeded).WithDelay(fault.Delay);
        }
        switch (step.Failure)
        {
            case SaslFailure.Cancelled: return Finish(SmtpReply.AuthCancelled);
            case SaslFailure.BadBase64: return Finish(SmtpReply.AuthBadBase64);
            case SaslFailure.Unavailable: return Finish(new SmtpReply(454, "4.7.0", "Temporary authentication failure"));
        }
        AuthenticationFailed?.Invoke();
        return Finish(SmtpReply.AuthFailed, SmtpAction.None, _settings.AuthFailureDelay);
    }

    private void EndAuth()
    {
        _sasl = null;
        State = SmtpState.Greeted;
    }

    public void Dispose()
    {
        _sink?.Dispose();
        _sink = null;
    }
}
