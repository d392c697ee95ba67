using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Mail;
using MailKit;
using MimeKit;

namespace MailAdmin.Client;

/// <summary>
/// Who a message goes from and to, for the SMTP conversation (MAIL FROM, RCPT TO), as
/// Send-SmtpMessage decides it: -From and -To when given, otherwise the message's own
/// headers (Sender, else From; To, Cc and Bcc, each address once).
/// </summary>
public sealed class SmtpSendEnvelope
{
    public SmtpSendEnvelope(MailboxAddress sender, IReadOnlyList<MailboxAddress> recipients)
    {
        Sender = sender ?? throw new ArgumentNullException(nameof(sender));
        Recipients = recipients ?? throw new ArgumentNullException(nameof(recipients));
    }

    public MailboxAddress Sender { get; }
    public IReadOnlyList<MailboxAddress> Recipients { get; }

    /// <summary>The envelope of a module message; reads only its header (no body fetch).</summary>
    public static SmtpSendEnvelope Create(MailAdmin.Messages.MailMessage message, string? from, IEnumerable<string>? to)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        return Create(message.HeaderMessage, from, to);
    }

    /// <summary>
    /// The envelope of <paramref name="headers"/> (a message, or just its header), with
    /// <paramref name="from"/> and <paramref name="to"/> overriding it when not null.
    /// Throws <see cref="ArgumentException"/> for an unparsable override, or when there is no
    /// sender or no recipient.
    /// </summary>
    internal static SmtpSendEnvelope Create(MimeMessage headers, string? from, IEnumerable<string>? to)
    {
        if (headers == null) throw new ArgumentNullException(nameof(headers));
        MailboxAddress? sender;
        if (!string.IsNullOrWhiteSpace(from))
        {
            if (!MailboxAddress.TryParse(from, out sender))
                throw new ArgumentException($"'{from}' is not a valid address for -From.");
        }
        else
        {
            sender = headers.Sender ?? headers.From.Mailboxes.FirstOrDefault();
        }
        if (sender == null || string.IsNullOrEmpty(sender.Address))
            throw new ArgumentException("The message has no sender (no From or Sender header): give -From.");

        var toList = to?.Where(t => !string.IsNullOrWhiteSpace(t)).ToList();
        IEnumerable<MailboxAddress> candidates;
        if (toList != null && toList.Count > 0)
        {
            var parsed = new List<MailboxAddress>();
            foreach (var text in toList)
            {
                if (!InternetAddressList.TryParse(text, out var list) || list.Mailboxes.Count() == 0)
                    throw new ArgumentException($"'{text}' is not a valid address for -To.");
                parsed.AddRange(list.Mailboxes);
            }
            candidates = parsed;
        }
        else
        {
            candidates = headers.To.Mailboxes.Concat(headers.Cc.Mailboxes).Concat(headers.Bcc.Mailboxes);
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var recipients = new List<MailboxAddress>();
        foreach (var mailbox in candidates)
            if (!string.IsNullOrEmpty(mailbox.Address) && seen.Add(mailbox.Address))
                recipients.Add(mailbox);
        if (recipients.Count == 0)
            throw new ArgumentException("The message has no recipients (no To, Cc or Bcc header): give -To.");
        return new SmtpSendEnvelope(sender, recipients);
    }

    /// <summary>Throws ArgumentException for options <see cref="ToNotify"/> refuses (for the cmdlet, which names no MailKit type).</summary>
    public static void CheckNotify(DeliveryNotificationOptions options) => ToNotify(options);

    /// <summary>
    /// Send-MailMessage's -DeliveryNotificationOption as the DSN NOTIFY of each RCPT
    /// (RFC 3461): null (None) asks for nothing and leaves it to the server. Never cannot be
    /// combined with another option.
    /// </summary>
    internal static DeliveryStatusNotification? ToNotify(DeliveryNotificationOptions options)
    {
        if (options == DeliveryNotificationOptions.None) return null;
        if ((options & DeliveryNotificationOptions.Never) != 0)
        {
            if (options != DeliveryNotificationOptions.Never)
                throw new ArgumentException("-DeliveryNotificationOption Never cannot be combined with OnSuccess, OnFailure or Delay.");
            return DeliveryStatusNotification.Never;
        }
        var known = DeliveryNotificationOptions.OnSuccess | DeliveryNotificationOptions.OnFailure | DeliveryNotificationOptions.Delay;
        if ((options & ~known) != 0)
            throw new ArgumentException($"'{options}' is not a delivery notification option.");
        DeliveryStatusNotification notify = 0;
        if ((options & DeliveryNotificationOptions.OnSuccess) != 0) notify |= DeliveryStatusNotification.Success;
        if ((options & DeliveryNotificationOptions.OnFailure) != 0) notify |= DeliveryStatusNotification.Failure;
        if ((options & DeliveryNotificationOptions.Delay) != 0) notify |= DeliveryStatusNotification.Delay;
        return notify;
    }

    public override string ToString() => $"from {Sender.Address} to {string.Join(", ", Recipients.Select(r => r.Address))}";
}
