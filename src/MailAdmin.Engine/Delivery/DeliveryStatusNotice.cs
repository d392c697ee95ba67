using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using MailAdmin.Protocols.Smtp;
using MimeKit;
using MimeKit.Utils;

namespace MailAdmin.Delivery;

/// <summary>
/// An RFC 3464 delivery status notice: a multipart/report (RFC 6522) with a text for people, the
/// machine-readable message/delivery-status, and the original (whole or its headers). An SMTPUTF8
/// original gets the RFC 6533 types (message/global-delivery-status, message/global,
/// message/global-headers), because its addresses and headers may be UTF-8.
/// </summary>
internal sealed class DeliveryStatusNotice
{
    /// <summary>
    /// Without RET, a failure notice returns the whole original up to this size and only its headers
    /// above it; delay and success notices always return only the headers. Postfix does the same in
    /// spirit (full copy on failures up to bounce_size_limit, 50 KB; headers for delay and success) but
    /// truncates a larger original; we send its headers instead, so what comes back is never a broken
    /// message. Headers by default keep a notice small: it goes through the queue and into the
    /// sender's quota, and the sender still has the original.
    /// </summary>
    internal const int FullReturnLimit = 50_000;

    private static readonly Regex SmtpReply = new(@"^([245])\d\d(?:[ -]|$)", RegexOptions.CultureInvariant);
    private static readonly Regex EnhancedCode = new(@"^(?:\d{3}[ -])?([245]\.\d{1,3}\.\d{1,3})(?=\s|$)", RegexOptions.CultureInvariant);

    private DeliveryStatusNotice(byte[] content, string messageId, string subject, bool eightBit)
    {
        Content = content; MessageId = messageId; Subject = subject; EightBit = eightBit;
    }

    /// <summary>The notice as it is stored or queued (CRLF lines).</summary>
    public byte[] Content { get; }
    /// <summary>The notice's own Message-ID, without angle brackets.</summary>
    public string MessageId { get; }
    public string Subject { get; }
    /// <summary>The content has bytes above 127 (an 8-bit original returned, or UTF-8 fields): queue it as 8BITMIME.</summary>
    public bool EightBit { get; }

    /// <summary>
    /// Builds the notice of <paramref name="kind"/> to <paramref name="message"/>'s sender for
    /// <paramref name="recipients"/>. <paramref name="original"/> is the queued content (null: it
    /// could not be read; the notice goes without it, as a notice must not be lost for that).
    /// <paramref name="lifetime"/> is how long the queue keeps trying (Will-Retry-Until of a delay notice).
    /// </summary>
    public static DeliveryStatusNotice Build(NoticeKind kind, QueueMessage message, IReadOnlyList<QueueRecipient> recipients,
        byte[]? original, string hostName, TimeSpan lifetime, DateTimeOffset now)
    {
        if (recipients.Count == 0) throw new ArgumentException("A notice needs at least one recipient.", nameof(recipients));
        bool global = message.SmtpUtf8;
        string subject = kind switch
        {
            NoticeKind.Failure => "Undelivered Mail Returned to Sender",
            NoticeKind.Delay => "Delayed Mail (still being retried)",
            NoticeKind.Relayed => "Relayed Mail Report",
            _ => "Successful Mail Delivery Report",
        };
        DateTimeOffset retryUntil = message.ReceivedAt + lifetime;

        // RFC 6522: report-type names the subtype of the second part, so a global notice says global-delivery-status.
        var statusType = global ? "global-delivery-status" : "delivery-status";
        var report = new MultipartReport(statusType);
        report.Add(new TextPart("plain") { Text = HumanText(kind, message, recipients, hostName, retryUntil) });
        report.Add(RawPart("message", statusType, StatusFields(kind, message, recipients, hostName, retryUntil, global)));

        if (original != null)
        {
            bool full = message.Ret == DsnReturn.Full
                || (message.Ret == DsnReturn.Unspecified && kind == NoticeKind.Failure && original.Length <= FullReturnLimit);
            report.Add(full
                ? RawPart("message", global ? "global" : "rfc822", original)
                : RawPart(global ? "message" : "text", global ? "global-headers" : "rfc822-headers", HeaderBytes(original)));
        }

        var notice = new MimeMessage();
        notice.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + hostName));
        AddTo(notice, message.Sender);
        notice.Subject = subject;
        notice.Date = now;
        notice.MessageId = MimeUtils.GenerateMessageId(hostName);
        // RFC 3834 §5: a notice is an automatic reply; auto-responders must not answer it.
        notice.Headers.Add("Auto-Submitted", "auto-replied");
        if (message.MessageId is { Length: > 0 } originalId)
        {
            notice.InReplyTo = originalId;
            notice.References.Add(originalId);
        }
        notice.Body = report;

        using var output = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.International = global;
        notice.WriteTo(format, output);
        byte[] bytes = output.ToArray();
        return new DeliveryStatusNotice(bytes, notice.MessageId, subject, bytes.Any(b => b > 127));
    }

    /// <summary>The Action field of a kind (RFC 3464 §2.3.3).</summary>
    public static string ActionOf(NoticeKind kind) => kind switch
    {
        NoticeKind.Failure => "failed",
        NoticeKind.Delay => "delayed",
        NoticeKind.Relayed => "relayed",
        _ => "delivered",
    };

    /// <summary>
    /// The Status field (RFC 3463 code) of a recipient: the enhanced code of its last reply, else one
    /// derived from the reply's class (5xx → 5.0.0, 4xx → 4.0.0, 2xx → 2.0.0), else the kind's own class.
    /// </summary>
    public static string StatusOf(NoticeKind kind, string? reply)
    {
        string first = FirstLine(reply);
        var enhanced = EnhancedCode.Match(first);
        if (enhanced.Success) return enhanced.Groups[1].Value;
        var basic = SmtpReply.Match(first);
        if (basic.Success) return basic.Groups[1].Value + ".0.0";
        return kind switch { NoticeKind.Failure => "5.0.0", NoticeKind.Delay => "4.0.0", _ => "2.0.0" };
    }

    private static string HumanText(NoticeKind kind, QueueMessage message, IReadOnlyList<QueueRecipient> recipients, string hostName, DateTimeOffset retryUntil)
    {
        var text = new StringBuilder();
        text.Append("This is the mail system at ").Append(hostName).Append(".\n\n");
        string about = message.Subject is { Length: > 0 } subject ? "Your message \"" + OneLine(subject) + "\"" : "Your message";
        string lead = about + " of " + message.ReceivedAt.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture) + " " + kind switch
        {
            NoticeKind.Failure => "could not be delivered to the recipients below; the mail system has given up on them.",
            NoticeKind.Delay => "has not been delivered yet to the recipients below. The mail system keeps trying until "
                + retryUntil.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture)
                + " and tells you if it gives up. You need not send it again.",
            NoticeKind.Relayed => "was passed on for the recipients below to a mail system that sends no delivery notices; no further notice about them will come.",
            _ => "was delivered to the recipients below.",
        };
        text.Append(Wrap(lead)).Append("\n\n");
        foreach (var r in recipients)
        {
            text.Append("  <").Append(r.Address).Append('>');
            if (!string.IsNullOrEmpty(r.RemoteHost)) text.Append(" (host ").Append(r.RemoteHost).Append(')');
            text.Append('\n');
            if (!string.IsNullOrEmpty(r.LastReply)) text.Append("    ").Append(OneLine(r.LastReply!)).Append('\n');
        }
        if (kind == NoticeKind.Failure)
            text.Append('\n').Append(Wrap("Each reply above is what the receiving side said. Check the address, or send the reply to the postmaster of the recipient's domain.")).Append('\n');
        return text.ToString();
    }

    /// <summary>Text wrapped at word boundaries to lines of at most 72 characters (a long word stays whole).</summary>
    private static string Wrap(string text)
    {
        var s = new StringBuilder();
        int column = 0;
        foreach (var word in text.Split(' '))
        {
            if (column > 0 && column + 1 + word.Length > 72) { s.Append('\n'); column = 0; }
            else if (column > 0) { s.Append(' '); column++; }
            s.Append(word);
            column += word.Length;
        }
        return s.ToString();
    }

    private static byte[] StatusFields(NoticeKind kind, QueueMessage message, IReadOnlyList<QueueRecipient> recipients, string hostName, DateTimeOffset retryUntil, bool global)
    {
        var s = new StringBuilder();
        void Field(string name, string value) => s.Append(name).Append(": ").Append(value).Append("\r\n");

        Field("Reporting-MTA", "dns; " + hostName);
        if (message.EnvelopeId != null) Field("Original-Envelope-Id", FieldText(message.EnvelopeId, global));
        Field("Arrival-Date", DateUtils.FormatDate(message.ReceivedAt));
        foreach (var r in recipients)
        {
            s.Append("\r\n");
            if (!string.IsNullOrEmpty(r.OriginalRecipient)) Field("Original-Recipient", OriginalRecipientField(r.OriginalRecipient!, global));
            Field("Final-Recipient", AddressField(r.Address, global));
            Field("Action", ActionOf(kind));
            Field("Status", StatusOf(kind, r.LastReply));
            if (!string.IsNullOrEmpty(r.RemoteHost)) Field("Remote-MTA", "dns; " + FieldText(RemoteMtaName(r.RemoteHost!), global));
            if (!string.IsNullOrEmpty(r.LastReply))
            {
                // An SMTP reply (the next hop's, or ours for a local failure) is an smtp diagnostic; our own
                // words (a refused connection, a lookup that failed) are labelled as ours, as Postfix does with X-Postfix.
                string type = SmtpReply.IsMatch(FirstLine(r.LastReply)) ? "smtp" : "X-MailAdmin";
                Field("Diagnostic-Code", type + "; " + FieldText(OneLine(r.LastReply!), global));
            }
            if (r.LastAttempt.HasValue) Field("Last-Attempt-Date", DateUtils.FormatDate(r.LastAttempt.Value));
            if (kind == NoticeKind.Delay) Field("Will-Retry-Until", DateUtils.FormatDate(retryUntil));
        }
        return Encoding.UTF8.GetBytes(s.ToString());
    }

    /// <summary>
    /// The next hop as a Remote-MTA name: without the port a smarthost may carry ("relay.test:587"),
    /// and an IP address as an address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]") since it is no DNS name.
    /// </summary>
    internal static string RemoteMtaName(string host)
    {
        string name = host.Trim();
        if (name.StartsWith("[", StringComparison.Ordinal))
        {
            int close = name.IndexOf(']');
            if (close > 0) name = name.Substring(1, close - 1);
        }
        else if (name.Count(c => c == ':') == 1)
        {
            name = name.Substring(0, name.IndexOf(':'));
        }
        if (name.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase)) name = name.Substring(5);
        if (System.Net.IPAddress.TryParse(name, out var ip))
            return ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[IPv6:" + ip + "]" : "[" + ip + "]";
        return name;
    }

    /// <summary>"type;address" of ORCPT as the field's "type; address" (RFC 3464 §2.3.1).</summary>
    private static string OriginalRecipientField(string orcpt, bool global)
    {
        int semi = orcpt.IndexOf(';');
        if (semi < 0) return "rfc822; " + FieldText(orcpt, global);
        return FieldText(orcpt.Substring(0, semi).Trim(), global) + "; " + FieldText(orcpt.Substring(semi + 1).Trim(), global);
    }

    /// <summary>An address as Final-Recipient: rfc822, or utf-8 (RFC 6533 §3) for a non-ASCII one in a global notice.</summary>
    private static string AddressField(string address, bool global)
        => (global && address.Any(c => c > 127) ? "utf-8; " : "rfc822; ") + FieldText(address, global);

    /// <summary>
    /// A value as field text: control characters (an ENVID or ORCPT may carry a decoded CR LF) and,
    /// outside a global notice, non-ASCII characters become xtext hex (+HH), so no value can add a
    /// field or a line of its own.
    /// </summary>
    private static string FieldText(string value, bool global)
    {
        var s = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            bool control = c < 0x20 || c == 0x7F;
            if (!control && (c <= 0x7E || global)) { s.Append(c); continue; }
            int n = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) ? 2 : 1;
            foreach (byte b in Encoding.UTF8.GetBytes(value.Substring(i, n))) s.Append('+').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            i += n - 1;
        }
        return s.ToString();
    }

    private static string FirstLine(string? reply)
    {
        if (string.IsNullOrEmpty(reply)) return "";
        int end = reply!.IndexOfAny(new[] { '\r', '\n' });
        return end < 0 ? reply : reply.Substring(0, end);
    }

    /// <summary>A multi-line reply on one line (the lines joined by a space).</summary>
    private static string OneLine(string text)
        => string.Join(" ", text.Split(new[] { "\r\n", "\n", "\r" }, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));

    private static void AddTo(MimeMessage notice, string sender)
    {
        try
        {
            notice.To.Add(new MailboxAddress("", sender));
        }
        catch (ParseException)
        {
            // An envelope address MimeKit cannot read as an addr-spec still is where the notice goes.
            notice.Headers.Add(HeaderId.To, Encoding.UTF8, "<" + sender + ">");
        }
    }

    /// <summary>A part whose bytes are written as they are (7bit, or 8bit when any byte is above 127).</summary>
    private static MimePart RawPart(string mediaType, string subtype, byte[] bytes)
    {
        return new MimePart(mediaType, subtype)
        {
            Content = new MimeContent(new MemoryStream(bytes, writable: false)),
            ContentTransferEncoding = bytes.Any(b => b > 127) ? ContentEncoding.EightBit : ContentEncoding.SevenBit,
        };
    }

    /// <summary>The header section: everything up to and including the line end before the first empty line.</summary>
    private static byte[] HeaderBytes(byte[] message)
    {
        for (int i = 0; i < message.Length; i++)
        {
            if (message[i] != '\n') continue;
            int next = i + 1;
            if (next < message.Length && message[next] == '\n') return message.AsSpan(0, next).ToArray();
            if (next + 1 < message.Length && message[next] == '\r' && message[next + 1] == '\n') return message.AsSpan(0, next).ToArray();
        }
        return message; // no body: the whole message is its header
    }
}
