using System;
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
    /// authenticated and the server allows authenticated relay.</summary>
    NonLocal,
}

/// <summary>What the SMTP server needs from the rest of the product (store, accounts). The
/// server calls it; it knows nothing of sockets or the protocol.</summary>
public interface ISmtpBackend
{
    /// <summary>Classifies a recipient. Called once per RCPT; must be fast (no I/O ideally).</summary>
    RecipientCheck CheckRecipient(string address, bool authenticated);

    /// <summary>Verifies plain credentials (AUTH PLAIN and LOGIN).</summary>
    Task<bool> AuthenticateAsync(string user, string password, CancellationToken cancellationToken);

    /// <summary>Verifies an OAuth 2.0 bearer token (XOAUTH2). Only called when the server's
    /// EnableXOAuth2 option is set.</summary>
    Task<bool> AuthenticateBearerAsync(string user, string token, CancellationToken cancellationToken);

    /// <summary>Durable delivery to every recipient of <paramref name="envelope"/>. Return only when
    /// the message is stored (the client gets 250 after this returns). Throw
    /// <see cref="SmtpDeliveryException"/> for a reply of your choice (quota: 552/452, temporary: 451);
    /// any other exception is answered 451 4.3.0. <paramref name="message"/> holds the Return-Path
    /// and Received lines followed by the message as received; it is only valid until the returned
    /// task completes (the buffer is reused) — copy it if you keep it.</summary>
    Task DeliverAsync(SmtpEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken);
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
