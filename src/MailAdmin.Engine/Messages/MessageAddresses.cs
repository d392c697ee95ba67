using System;
using System.Collections.Generic;
using System.Linq;

namespace MailAdmin.Messages;

/// <summary>
/// Addresses of a message as plain strings, for filters in the cmdlets (which never name
/// MimeKit types: see src/MailAdmin.Loader).
/// </summary>
public static class MessageAddresses
{
    /// <summary>Each From mailbox twice: its bare address, and as written ("Ann &lt;ann@example.com&gt;").</summary>
    public static IEnumerable<string> FromForms(MailMessage message) =>
        message.MimeMessage.From.Mailboxes.SelectMany(m => new[] { m.Address, m.ToString() });

    /// <summary>Where the message went: its Delivered-To fields, then the To and Cc addresses.</summary>
    public static IEnumerable<string> Recipients(MailMessage message)
    {
        var mime = message.MimeMessage;
        return mime.Headers.Where(h => h.Field.Equals("Delivered-To", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value.Trim())
            .Concat(mime.To.Mailboxes.Concat(mime.Cc.Mailboxes).Select(m => m.Address));
    }
}
