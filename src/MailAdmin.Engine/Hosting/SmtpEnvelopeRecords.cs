using System;
using System.Collections.Generic;
using MailAdmin.Delivery;
using MailAdmin.Protocols.Smtp;

namespace MailAdmin.Hosting;

/// <summary>What an accepted SMTP transaction becomes outside the session: a queue entry (for the
/// queue and for notices) and message trace events.</summary>
internal static class SmtpEnvelopeRecords
{
    /// <summary>The queue entry of <paramref name="envelope"/> for <paramref name="recipients"/>, all pending.</summary>
    internal static QueueMessage ToQueueMessage(SmtpEnvelope envelope, IEnumerable<SmtpRecipient> recipients, long size, SmtpHeaderScanner? header)
    {
        var message = new QueueMessage(envelope.Id, envelope.From)
        {
            ReceivedAt = envelope.ReceivedAt,
            EnvelopeId = envelope.EnvelopeId,
            Ret = envelope.Ret,
            SmtpUtf8 = envelope.SmtpUtf8,
            Body = envelope.Body,
            Size = size,
            MessageId = header?.MessageId,
            Subject = header?.Subject,
            AuthenticatedUser = envelope.AuthenticatedUser,
            ClientAddress = ClientAddress(envelope),
            ClientTrusted = envelope.ClientTrusted,
        };
        foreach (var r in recipients)
        {
            message.Recipients.Add(new QueueRecipient(r.Address)
            {
                Notify = r.Notify,
                OriginalRecipient = r.OriginalRecipient == null ? null : (r.OriginalRecipientType ?? "rfc822") + ";" + r.OriginalRecipient,
            });
        }
        return message;
    }

    /// <summary>Marks <paramref name="recipient"/> failed with <paramref name="reply"/> (for a notice).</summary>
    internal static QueueRecipient Failed(QueueRecipient recipient, SmtpReply reply) => Decided(recipient, reply, QueueRecipientStatus.Failed);

    /// <summary>The recipient's record with the outcome of its local delivery (for a notice).</summary>
    internal static QueueRecipient Decided(QueueRecipient recipient, SmtpReply reply, QueueRecipientStatus status)
    {
        recipient.Status = status;
        recipient.LastReply = reply.ToString();
        recipient.LastAttempt = DateTimeOffset.UtcNow;
        return recipient;
    }

    internal static string? ClientAddress(SmtpEnvelope envelope)
    {
        var ip = envelope.RemoteEndPoint?.Address;
        if (ip == null) return null;
        return (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
    }

    internal static MessageTraceEvent Event(MessageTraceStatus status, QueueMessage message, string recipient, string? reply = null, string? detail = null)
        => MessageTraceEvent.About(status, message, recipient, reply, detail);
}
