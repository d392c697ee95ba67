using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Store;

namespace MailAdmin.Delivery;

/// <summary>
/// Sends delivery status notices: into the sender's INBOX when the sender is local, through the
/// queue (from the null sender) when remote. It decides itself when no notice may go (see
/// <see cref="INoticeSender"/>).
/// </summary>
/// <remarks>
/// A notice that cannot be stored or queued (quota full, account disabled, disk error) is written
/// to the trace as a failed notice and <see cref="SendAsync"/> returns false; it does not throw
/// into the queue's loop. The information is not lost: the queue has already traced each
/// recipient's failure with its reply, and the trace names the notice that did not go. Retrying
/// would rarely help (a full or disabled mailbox stays so for the length of a retry), and a queue
/// that kept a finished message only for its notice would complicate every state of it.
/// Cancellation (the server stopping) is the exception: it propagates, so the caller leaves the
/// recipient as it was and decides again after the restart.
/// </remarks>
internal sealed class NoticeSender : INoticeSender
{
    /// <param name="isLocalDomain">True for a domain this server delivers locally.</param>
    /// <param name="resolveLocal">The account that takes mail for a local address (postmaster, catch-all), null when none.</param>
    internal NoticeSender(IMailStore store, Func<string, bool> isLocalDomain, Func<string, string?> resolveLocal, OutboundQueue queue, IMessageTrace trace, string hostName)
    {
        Store = store; IsLocalDomain = isLocalDomain; ResolveLocal = resolveLocal; Queue = queue; Trace = trace; HostName = hostName;
    }

    internal IMailStore Store { get; }
    internal Func<string, bool> IsLocalDomain { get; }
    internal Func<string, string?> ResolveLocal { get; }
    internal OutboundQueue Queue { get; }
    internal IMessageTrace Trace { get; }
    internal string HostName { get; }
    /// <summary>The time notices are dated with (tests set it).</summary>
    internal Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

    /// <summary>
    /// Whether a recipient asked for notices of <paramref name="kind"/>. Without NOTIFY, RFC 3461 §4.1
    /// says FAILURE (and DELAY at the MTA's choice, which we make): no success notice unless asked.
    /// </summary>
    internal static bool Wants(DsnNotify notify, NoticeKind kind)
    {
        if ((notify & DsnNotify.Never) != 0) return false;
        if (notify == DsnNotify.Unspecified) return kind == NoticeKind.Failure || kind == NoticeKind.Delay;
        var flag = kind switch { NoticeKind.Failure => DsnNotify.Failure, NoticeKind.Delay => DsnNotify.Delay, _ => DsnNotify.Success };
        return (notify & flag) != 0;
    }

    public async Task<bool> SendAsync(NoticeKind kind, QueueMessage message, IReadOnlyList<QueueRecipient> recipients, Func<Stream> openOriginal, CancellationToken cancellationToken)
    {
        // Never a notice for a notice (RFC 5321 §4.5.5, RFC 3461 §6.2): that is how bounce loops start.
        if (string.IsNullOrEmpty(message.Sender)) return false;
        var notified = recipients.Where(r => Wants(r.Notify, kind)).ToList();
        if (notified.Count == 0) return false;

        string sender = message.Sender;
        string? account = null;
        string domain = DomainOf(sender);
        bool local = domain.Length == 0 || IsLocalDomain(domain); // a sender without a domain can only mean one of ours
        if (local)
        {
            // A local sender address from a client that neither authenticated nor came from a relay
            // network is most likely forged (spam with our domain as sender): a notice would be backscatter to ourselves.
            if (!message.ClientTrusted) return Dropped(kind, message, "the local sender was not authenticated (forged?)");
            account = ResolveLocal(sender);
            if (account == null) return Dropped(kind, message, "no local mailbox for the sender");
        }

        var now = Clock();
        byte[]? original = await ReadOriginalAsync(openOriginal, message, cancellationToken).ConfigureAwait(false);
        var notice = DeliveryStatusNotice.Build(kind, message, notified, original, HostName, Queue.Options.MaxQueueLifetime, now);

        string where;
        try
        {
            if (account != null)
            {
                await Store.DeliverAsync(account, "INBOX", LocalCopy(notice.Content, account), now, cancellationToken).ConfigureAwait(false);
                where = "local " + account + " INBOX";
            }
            else
            {
                var queued = NewQueuedNotice(message, notice, now);
                await Queue.EnqueueAsync(queued, new ArrayContent(notice.Content), cancellationToken).ConfigureAwait(false);
                where = "queued as " + queued.Id;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return Dropped(kind, message, "could not be stored: " + e.Message);
        }

        foreach (var r in notified)
        {
            Trace.Write(new MessageTraceEvent
            {
                Timestamp = now,
                Status = MessageTraceStatus.Bounced,
                QueueId = message.Id,
                MessageId = message.MessageId,
                Sender = message.Sender,
                Recipient = r.Address,
                Subject = message.Subject,
                Size = message.Size,
                RemoteHost = r.RemoteHost,
                Reply = r.LastReply,
                Detail = KindName(kind) + " notice to <" + sender + ">, " + where,
            });
        }
        return true;
    }

    /// <summary>
    /// The notice as final delivery stores it (RFC 5321 §4.4): Return-Path &lt;&gt;, by which clients and
    /// filters know a notice, and Delivered-To, as on every local delivery.
    /// </summary>
    private static byte[] LocalCopy(byte[] notice, string account)
    {
        var trace = Encoding.UTF8.GetBytes("Return-Path: <>\r\nDelivered-To: " + account + "\r\n");
        var copy = new byte[trace.Length + notice.Length];
        trace.CopyTo(copy, 0);
        notice.CopyTo(copy, trace.Length);
        return copy;
    }

    /// <summary>The notice as a queued message of its own: null sender, one recipient (the original sender).</summary>
    private static QueueMessage NewQueuedNotice(QueueMessage message, DeliveryStatusNotice notice, DateTimeOffset now)
    {
        var queued = new QueueMessage(OutboundQueue.NewId(), "")
        {
            ReceivedAt = now,
            ClientTrusted = true,
            // SMTPUTF8 only when the notice carries UTF-8 (the sender's address, the returned headers): an ASCII notice
            // to an ASCII sender can go to a next hop without SMTPUTF8 too.
            SmtpUtf8 = message.SmtpUtf8 && notice.EightBit,
            Body = notice.EightBit ? SmtpBodyType.EightBitMime : SmtpBodyType.SevenBit,
            Size = notice.Content.Length,
            MessageId = notice.MessageId,
            Subject = notice.Subject,
        };
        queued.Recipients.Add(new QueueRecipient(message.Sender));
        return queued;
    }

    /// <summary>
    /// The original's bytes, or null when they cannot be read: like Postfix, a notice still goes
    /// without the original, because the sender must learn of the failure either way.
    /// </summary>
    private async Task<byte[]?> ReadOriginalAsync(Func<Stream> openOriginal, QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = openOriginal();
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, 81920, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            Trace.Write(new MessageTraceEvent
            {
                Status = MessageTraceStatus.Failed,
                QueueId = message.Id,
                MessageId = message.MessageId,
                Sender = message.Sender,
                Detail = "original not readable for the notice (sent without it): " + e.Message,
            });
            return null;
        }
    }

    /// <summary>Traces a notice that does not go (as a failed message from the null sender to the original sender) and returns false.</summary>
    private bool Dropped(NoticeKind kind, QueueMessage message, string why)
    {
        Trace.Write(new MessageTraceEvent
        {
            Timestamp = Clock(),
            Status = MessageTraceStatus.Failed,
            QueueId = message.Id,
            MessageId = message.MessageId,
            Sender = "",
            Recipient = message.Sender,
            Subject = message.Subject,
            Detail = KindName(kind) + " notice not sent: " + why,
        });
        return false;
    }

    private static string KindName(NoticeKind kind) => kind switch
    {
        NoticeKind.Failure => "failure",
        NoticeKind.Delay => "delay",
        NoticeKind.Relayed => "relayed",
        _ => "success",
    };

    private static string DomainOf(string address)
    {
        int at = address.LastIndexOf('@');
        return at < 0 ? "" : address.Substring(at + 1);
    }
}
