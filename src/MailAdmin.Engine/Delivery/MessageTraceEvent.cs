using System;

namespace MailAdmin.Delivery;

/// <summary>What happened to a message (one trace event per recipient per step).</summary>
public enum MessageTraceStatus
{
    /// <summary>Accepted from a client (SMTP 250 after the data).</summary>
    Received,
    /// <summary>Put in the outbound queue for a remote recipient.</summary>
    Queued,
    /// <summary>A delivery attempt to the next hop started.</summary>
    Attempted,
    /// <summary>The attempt failed for now; retried later.</summary>
    Deferred,
    /// <summary>Stored in a local mailbox, or accepted by the next hop.</summary>
    Delivered,
    /// <summary>Permanently refused, expired, or not deliverable (loop, full mailbox).</summary>
    Failed,
    /// <summary>A delivery status notice (failure, delay or success) was sent to the sender.</summary>
    Bounced,
    Suspended,
    Resumed,
    /// <summary>Removed from the queue by an admin.</summary>
    Removed,
}

/// <summary>One step of a message's way through the server (Get-MailMessageTrace).</summary>
public sealed class MessageTraceEvent
{
    public DateTimeOffset Timestamp { get; set; } = DateTimeOffset.UtcNow;
    public MessageTraceStatus Status { get; set; }
    /// <summary>The SMTP transaction id / queue id.</summary>
    public string? QueueId { get; set; }
    /// <summary>The Message-ID header, without angle brackets.</summary>
    public string? MessageId { get; set; }
    public string? Sender { get; set; }
    public string? Recipient { get; set; }
    public string? Subject { get; set; }
    public long Size { get; set; }
    /// <summary>The client that sent it (Received) or the next hop's domain or smarthost (queue events).</summary>
    public string? ClientAddress { get; set; }
    public string? Destination { get; set; }
    public string? RemoteHost { get; set; }
    /// <summary>The reply that decided the step ("250 2.0.0 ...", "451 4.4.1 ...").</summary>
    public string? Reply { get; set; }
    /// <summary>Anything else worth a line: "local INBOX", "notice to sender", "routing loop".</summary>
    public string? Detail { get; set; }

    /// <summary>An event about <paramref name="message"/> (its ids, sender, subject, size and client) for one recipient.</summary>
    public static MessageTraceEvent About(MessageTraceStatus status, QueueMessage message, string? recipient, string? reply = null, string? detail = null) => new()
    {
        Status = status,
        QueueId = message.Id,
        MessageId = message.MessageId,
        Sender = message.Sender,
        Recipient = recipient,
        Subject = message.Subject,
        Size = message.Size,
        ClientAddress = message.ClientAddress,
        Reply = reply,
        Detail = detail,
    };

    public override string ToString() => $"{Timestamp:u} {Status} {QueueId} {Sender} -> {Recipient} {Reply}";
}
