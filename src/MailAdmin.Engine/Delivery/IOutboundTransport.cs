using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Delivery;

/// <summary>What the next hop answered for one recipient.</summary>
public sealed class RecipientResult
{
    public RecipientResult(string address, int code, string? enhancedCode, string text, string? remoteHost)
    {
        Address = address; Code = code; EnhancedCode = enhancedCode; Text = text; RemoteHost = remoteHost;
    }

    public string Address { get; }
    /// <summary>2xx delivered, 4xx deferred, 5xx failed.</summary>
    public int Code { get; }
    public string? EnhancedCode { get; }
    public string Text { get; }
    public string? RemoteHost { get; }

    /// <summary>
    /// The next hop took the DSN request (it offers DSN, so NOTIFY went on with the RCPT): a success
    /// notice is then its to send, not ours (RFC 3461 §6.2.6.2).
    /// </summary>
    public bool DsnPassedOn { get; set; }

    public bool Delivered => Code >= 200 && Code < 300;
    public bool Permanent => Code >= 500;

    /// <summary>"250 2.0.0 text", as kept in <see cref="QueueRecipient.LastReply"/>.</summary>
    public override string ToString() => Code + (EnhancedCode != null ? " " + EnhancedCode : "") + " " + Text;
}

/// <summary>One message for one destination, as the transport sends it.</summary>
internal sealed class OutboundEnvelope
{
    public OutboundEnvelope(QueueMessage message, IReadOnlyList<QueueRecipient> recipients) { Message = message; Recipients = recipients; }
    /// <summary>Sender, ENVID, RET, SMTPUTF8, BODY: as received.</summary>
    public QueueMessage Message { get; }
    /// <summary>The recipients due now for this destination (NOTIFY and ORCPT passed on when the next hop offers DSN).</summary>
    public IReadOnlyList<QueueRecipient> Recipients { get; }
}

/// <summary>
/// The next hop could not be reached or refused the whole session (no MX host answered, TLS
/// required and not offered, 421 at greeting, AUTH refused). Permanent when retrying cannot help
/// (null MX, the domain does not exist, a 5xx greeting): every recipient fails; otherwise every
/// recipient is deferred with <see cref="Exception.Message"/> as its last reply.
/// </summary>
internal sealed class OutboundConnectException : Exception
{
    public OutboundConnectException(string message, bool permanent, string? enhancedCode = null, Exception? inner = null) : base(message, inner)
    {
        Permanent = permanent;
        EnhancedCode = enhancedCode ?? (permanent ? "5.4.4" : "4.4.1");
    }
    public bool Permanent { get; }
    /// <summary>The status code for the notice (5.1.10 null MX, 5.4.4 no route, 4.4.1 no answer, 5.7.10 TLS required...).</summary>
    public string EnhancedCode { get; }
}

/// <summary>Sends queued messages to their next hop (a smarthost, or the recipients' MX hosts).</summary>
internal interface IOutboundTransport
{
    /// <summary>
    /// Connects to the next hop of <paramref name="destination"/> (a recipient domain, or the
    /// smarthost), trying each MX host in order. Throws <see cref="OutboundConnectException"/>.
    /// </summary>
    Task<IOutboundConnection> ConnectAsync(string destination, CancellationToken cancellationToken);
}

/// <summary>An open SMTP session to a next hop; the queue sends several messages over one (connection reuse).</summary>
internal interface IOutboundConnection : IDisposable
{
    /// <summary>The host name (or address) that answered.</summary>
    string RemoteHost { get; }

    /// <summary>False once the session broke or the peer closed it: open a new one.</summary>
    bool IsConnected { get; }

    /// <summary>
    /// One transaction: MAIL, RCPT for each recipient, DATA with <paramref name="content"/> (the
    /// queued bytes, read to the end). Returns one result per recipient of <paramref name="envelope"/>:
    /// the RCPT reply for a refused recipient, the end-of-data reply for the accepted ones. A broken
    /// connection during the transaction throws <see cref="OutboundConnectException"/> (transient).
    /// </summary>
    Task<IReadOnlyList<RecipientResult>> SendAsync(OutboundEnvelope envelope, Stream content, CancellationToken cancellationToken);
}
