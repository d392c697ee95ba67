using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Delivery;

/// <summary>Which delivery status notice (RFC 3464 Action).</summary>
public enum NoticeKind
{
    Failure,
    Delay,
    /// <summary>Delivered into a mailbox here (Action: delivered).</summary>
    Success,
    /// <summary>Handed to a next hop that does not offer DSN, so no further notice will come (Action: relayed, RFC 3461 §6.2.6.2).</summary>
    Relayed,
}

/// <summary>
/// Sends RFC 3464 delivery status notices to a message's sender: into the sender's mailbox when it
/// is local, through the queue (null sender) when remote. Decides itself when no notice may go: a
/// null sender (never a bounce for a bounce), NOTIFY=NEVER or a NOTIFY without this kind, a local
/// sender domain on a message whose client was not trusted (a forged local address).
/// </summary>
internal interface INoticeSender
{
    /// <summary>True when a notice was sent (stored or queued durably); false when the rules say none.</summary>
    Task<bool> SendAsync(NoticeKind kind, QueueMessage message, IReadOnlyList<QueueRecipient> recipients, Func<Stream> openOriginal, CancellationToken cancellationToken);
}
