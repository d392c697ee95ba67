using System;
using System.Collections.Generic;
using System.Linq;
using MailAdmin.Protocols.Smtp;

namespace MailAdmin.Delivery;

/// <summary>Where one recipient of a queued message stands.</summary>
public enum QueueRecipientStatus
{
    /// <summary>Not tried yet (or released by Resume-MailQueueMessage).</summary>
    Pending,
    /// <summary>Tried and refused for now (4xx, no connection); tried again at <see cref="QueueRecipient.NextAttempt"/>.</summary>
    Deferred,
    /// <summary>The next hop answered 250 for it.</summary>
    Delivered,
    /// <summary>Permanently refused (5xx, null MX) or expired; a failure notice went to the sender (when one may).</summary>
    Failed,
}

/// <summary>One recipient of a queued message and its delivery state (durable with the message).</summary>
public sealed class QueueRecipient
{
    public QueueRecipient(string address) => Address = address;

    public string Address { get; }
    /// <summary>NOTIFY of RCPT TO (RFC 3461); Unspecified means "failure and delay" by default.</summary>
    public DsnNotify Notify { get; set; }
    /// <summary>ORCPT as "type;address" (e.g. "rfc822;a@b.test"), null when not given.</summary>
    public string? OriginalRecipient { get; set; }
    public QueueRecipientStatus Status { get; set; }
    public int Attempts { get; set; }
    /// <summary>The last reply that decided the state, as "451 4.7.1 text" (or our own words for a connection failure).</summary>
    public string? LastReply { get; set; }
    public DateTimeOffset? LastAttempt { get; set; }
    /// <summary>When a deferred recipient is due; null when pending (due now) or final.</summary>
    public DateTimeOffset? NextAttempt { get; set; }
    /// <summary>The host that answered last (MX or smarthost name), null before the first attempt.</summary>
    public string? RemoteHost { get; set; }
    /// <summary>A delay notice (NOTIFY=DELAY) was sent already; at most one is.</summary>
    public bool DelayNotified { get; set; }

    public bool IsFinal => Status == QueueRecipientStatus.Delivered || Status == QueueRecipientStatus.Failed;

    public QueueRecipient Clone() => (QueueRecipient)MemberwiseClone();

    public override string ToString() => Address + " (" + Status + ")";
}

/// <summary>
/// A message in the outbound queue: its envelope, what the cmdlets show of it, and each recipient's
/// state. The queue owns the live object; everything it hands out (Get-MailQueueMessage) is a
/// <see cref="Snapshot"/>.
/// </summary>
public sealed class QueueMessage
{
    public QueueMessage(string id, string sender) { Id = id; Sender = sender; }

    /// <summary>The queue id (also the file name in &lt;root&gt;/queue/).</summary>
    public string Id { get; }
    /// <summary>The envelope sender; "" for the null sender (a notice, never bounced).</summary>
    public string Sender { get; }
    public DateTimeOffset ReceivedAt { get; set; }
    /// <summary>ENVID of MAIL FROM (RFC 3461), null when not given.</summary>
    public string? EnvelopeId { get; set; }
    public DsnReturn Ret { get; set; }
    public bool SmtpUtf8 { get; set; }
    public SmtpBodyType Body { get; set; }
    /// <summary>Bytes of the queued content.</summary>
    public long Size { get; set; }
    /// <summary>The Message-ID header (without angle brackets), null when the message has none.</summary>
    public string? MessageId { get; set; }
    public string? Subject { get; set; }
    public string? AuthenticatedUser { get; set; }
    public string? ClientAddress { get; set; }
    /// <summary>The sender may be trusted with a notice although its domain is ours: the client authenticated or is in -RelayNetwork.</summary>
    public bool ClientTrusted { get; set; }
    /// <summary>Held by Suspend-MailQueueMessage: no attempt until resumed.</summary>
    public bool Suspended { get; set; }
    public List<QueueRecipient> Recipients { get; private set; } = new();

    /// <summary>Deferred when any recipient is, Pending when any is due, otherwise Delivered or Failed (any failure wins).</summary>
    public QueueRecipientStatus Status
    {
        get
        {
            if (Recipients.Any(r => r.Status == QueueRecipientStatus.Deferred)) return QueueRecipientStatus.Deferred;
            if (Recipients.Any(r => r.Status == QueueRecipientStatus.Pending)) return QueueRecipientStatus.Pending;
            return Recipients.Any(r => r.Status == QueueRecipientStatus.Failed) ? QueueRecipientStatus.Failed : QueueRecipientStatus.Delivered;
        }
    }

    /// <summary>True when every recipient is delivered or failed: the queue may drop the message.</summary>
    public bool IsFinished => Recipients.All(r => r.IsFinal);

    /// <summary>A deep copy, safe to hand to a cmdlet while the queue goes on.</summary>
    public QueueMessage Snapshot()
    {
        var copy = (QueueMessage)MemberwiseClone();
        copy.Recipients = Recipients.Select(r => r.Clone()).ToList();
        return copy;
    }

    public override string ToString() => Id + " from <" + Sender + "> to " + string.Join(", ", Recipients.Select(r => r.Address));
}
