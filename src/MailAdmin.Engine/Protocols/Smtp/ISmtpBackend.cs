using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Protocols.Smtp;

/// <summary>The answer of <see cref="ISmtpBackend.CheckRecipient"/>.</summary>
public enum RecipientCheck
{
    /// <summary>A known local mailbox (or a catch-all): 250.</summary>
    Local,
    /// <summary>A local domain but no such user: 550 5.1.1.</summary>
    UnknownLocal,
    /// <summary>Not one of our domains. Relaying: refused (554 5.7.1) unless the session is
    /// authenticated (and the server allows authenticated relay) or the client is in the relay networks.</summary>
    NonLocal,
    /// <summary>A local mailbox with no room left (or none for the declared SIZE): 452 4.2.2 for this recipient only.</summary>
    MailboxFull,
    /// <summary>"postmaster" (bare or at a local domain) while no account takes its mail: 550 5.1.1.</summary>
    NoPostmaster,
}

/// <summary>
/// Where the session writes a transaction's content as it arrives (the trace lines first, then the
/// message as decoded), so that no message is held whole in memory. A write that fails (disk full)
/// is remembered, not thrown: the host is in the middle of reading the client's data, and the
/// session answers for it when the data ends. Dispose discards what was not delivered.
/// </summary>
public abstract class SmtpMessageSink : IByteSink, IDisposable
{
    /// <summary>Bytes accepted so far.</summary>
    public long Length { get; private set; }

    /// <summary>
    /// Whether the session writes a Return-Path line before its Received line. Final delivery needs
    /// it (RFC 5321 §4.4); a message only relayed must not carry one, and leaving it out lets the
    /// backend hand the file to its queue as written.
    /// </summary>
    public bool WantsReturnPath { get; set; } = true;

    /// <summary>The first write that failed, if any; later writes are dropped.</summary>
    public Exception? WriteError { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (WriteError != null) return;
        try { WriteCore(data); }
        catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is ObjectDisposedException)
        {
            WriteError = ex;
            return;
        }
        Length += data.Length;
    }

    protected abstract void WriteCore(ReadOnlySpan<byte> data);

    public abstract void Dispose();
}

/// <summary>A recipient that did not get a message the others got (its mailbox filled up meanwhile).</summary>
public sealed class SmtpRecipientFailure
{
    public SmtpRecipientFailure(string address, SmtpReply reply) { Address = address; Reply = reply; }
    public string Address { get; }
    /// <summary>What the recipient would have been answered (it goes into a bounce).</summary>
    public SmtpReply Reply { get; }
    public override string ToString() => Address + " (" + Reply.Code + (Reply.EnhancedCode != null ? " " + Reply.EnhancedCode : "") + ")";
}

/// <summary>What the SMTP server needs from the rest of the product (store, accounts). The
/// server calls it; it knows nothing of sockets or the protocol.</summary>
public interface ISmtpBackend
{
    /// <summary>Classifies a recipient: whether it is ours, and whether its mailbox has room for
    /// <paramref name="declaredSize"/> more bytes (the MAIL SIZE parameter, 0 when not given).
    /// Called once per RCPT; must be fast (no I/O ideally).</summary>
    RecipientCheck CheckRecipient(string address, bool authenticated, long declaredSize);

    /// <summary>Verifies plain credentials (AUTH PLAIN and LOGIN).</summary>
    Task<bool> AuthenticateAsync(string user, string password, CancellationToken cancellationToken);

    /// <summary>Verifies an OAuth 2.0 bearer token (XOAUTH2). Only called when the server's
    /// EnableXOAuth2 option is set.</summary>
    Task<bool> AuthenticateBearerAsync(string user, string token, CancellationToken cancellationToken);

    /// <summary>Where the content of a transaction goes (at DATA or the first BDAT; the envelope's
    /// recipients are final). The session writes the Return-Path and Received lines, then the
    /// message as received; the backend may have written lines of its own first.</summary>
    SmtpMessageSink OpenMessage(SmtpEnvelope envelope);

    /// <summary>Durable delivery to every recipient of <paramref name="envelope"/> of what was written
    /// to <paramref name="message"/> (a sink from <see cref="OpenMessage"/>). Return only when the
    /// message is stored (the client gets 250 after this returns). Throw
    /// <see cref="SmtpDeliveryException"/> for a reply of your choice (quota: 552/452, temporary: 451);
    /// any other exception is answered 451 4.3.0. When some recipients got the message and others
    /// cannot (a mailbox that the message would overfill), return those others: the client is
    /// answered 250, because a failure reply would make it send again to everyone.</summary>
    Task<IReadOnlyList<SmtpRecipientFailure>> DeliverAsync(SmtpEnvelope envelope, SmtpMessageSink message, CancellationToken cancellationToken);
}

/// <summary>Thrown by a backend to choose the SMTP reply for a failed delivery.</summary>
public class SmtpDeliveryException : Exception
{
    public SmtpDeliveryException(SmtpReply reply, Exception? inner = null) : base(reply.ToString(), inner) { Reply = reply; }
    public SmtpReply Reply { get; }

    /// <summary>552 5.2.2 (permanent) or 452 4.2.2 (transient) mailbox full.</summary>
    public static SmtpDeliveryException QuotaExceeded(bool permanent = true, string? detail = null) => new(permanent
        ? new SmtpReply(552, "5.2.2", detail ?? "Mailbox full: quota exceeded")
        : new SmtpReply(452, "4.2.2", detail ?? "Mailbox full: quota exceeded, try again later"));

    /// <summary>451 4.3.0 local error.</summary>
    public static SmtpDeliveryException Temporary(string? detail = null, Exception? inner = null)
        => new(new SmtpReply(451, "4.3.0", detail ?? "Local error in processing; try again later"), inner);
}
