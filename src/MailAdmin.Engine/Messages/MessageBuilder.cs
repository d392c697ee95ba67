using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using MimeKit;

namespace MailAdmin.Messages;

public enum MailPriority { Normal, Low, High }

/// <summary>What New-MailMessage (and later Send-SmtpMessage) asks for.</summary>
public sealed class MessageSpec
{
    public string? From { get; set; }
    public IList<string> To { get; set; } = new List<string>();
    public IList<string> Cc { get; set; } = new List<string>();
    public IList<string> Bcc { get; set; } = new List<string>();
    public IList<string> ReplyTo { get; set; } = new List<string>();
    public string? Subject { get; set; }
    public string? Body { get; set; }
    public bool BodyAsHtml { get; set; }
    public IList<string> AttachmentPaths { get; set; } = new List<string>();
    public MailPriority Priority { get; set; } = MailPriority.Normal;
    public IList<KeyValuePair<string, string>> Headers { get; set; } = new List<KeyValuePair<string, string>>();
    /// <summary>Charset of the body; UTF-8 when not given.</summary>
    public Encoding? Encoding { get; set; }
    public DateTimeOffset? Date { get; set; }
}

/// <summary>Builds a MIME message from a <see cref="MessageSpec"/>.</summary>
public static class MessageBuilder
{
    public static MailMessage Build(MessageSpec spec)
    {
        var message = new MimeMessage();
        if (spec.From != null) message.From.Add(ParseMailbox(spec.From, "From"));
        AddAll(message.To, spec.To, "To");
        AddAll(message.Cc, spec.Cc, "Cc");
        AddAll(message.Bcc, spec.Bcc, "Bcc");
        AddAll(message.ReplyTo, spec.ReplyTo, "ReplyTo");
        message.Subject = spec.Subject ?? string.Empty;
        message.Date = spec.Date ?? DateTimeOffset.Now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(DomainOf(message.From.Mailboxes.FirstOrDefault()));
        ApplyPriority(message, spec.Priority);

        foreach (var header in spec.Headers)
        {
            if (string.IsNullOrWhiteSpace(header.Key) || header.Key.Any(c => c <= 32 || c >= 127 || c == ':'))
                throw new ArgumentException($"'{header.Key}' is not a valid header field name.");
            message.Headers.Add(header.Key, spec.Encoding ?? Encoding.UTF8, header.Value ?? string.Empty);
        }

        var body = new TextPart(spec.BodyAsHtml ? "html" : "plain");
        body.SetText(spec.Encoding ?? Encoding.UTF8, spec.Body ?? string.Empty);

        if (spec.AttachmentPaths.Count == 0)
        {
            message.Body = body;
        }
        else
        {
            var mixed = new Multipart("mixed") { body };
            foreach (var path in spec.AttachmentPaths)
                mixed.Add(CreateAttachment(path));
            message.Body = mixed;
        }
        // 7-bit transfer encodings everywhere: the message survives any relay and any mbox.
        message.Prepare(EncodingConstraint.SevenBit);
        return MailMessage.FromMimeMessage(message);
    }

    private static MimePart CreateAttachment(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Attachment '{path}' was not found.", path);
        var content = File.ReadAllBytes(path);
        var name = Path.GetFileName(path);
        var part = new MimePart(MimeTypes.GetMimeType(name))
        {
            Content = new MimeContent(new MemoryStream(content)),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = name,
        };
        return part;
    }

    private static void ApplyPriority(MimeMessage message, MailPriority priority)
    {
        switch (priority)
        {
            case MailPriority.High:
                message.Priority = MessagePriority.Urgent;
                message.XPriority = XMessagePriority.Highest;
                message.Importance = MessageImportance.High;
                break;
            case MailPriority.Low:
                message.Priority = MessagePriority.NonUrgent;
                message.XPriority = XMessagePriority.Lowest;
                message.Importance = MessageImportance.Low;
                break;
        }
    }

    private static void AddAll(InternetAddressList list, IEnumerable<string> addresses, string field)
    {
        foreach (var address in addresses)
        {
            if (string.IsNullOrWhiteSpace(address)) continue;
            if (!InternetAddressList.TryParse(address, out var parsed) || parsed.Count == 0)
                throw new ArgumentException($"'{address}' is not a valid address for {field}.");
            list.AddRange(parsed);
        }
    }

    private static MailboxAddress ParseMailbox(string address, string field)
    {
        if (!MailboxAddress.TryParse(address, out var mailbox))
            throw new ArgumentException($"'{address}' is not a valid address for {field}.");
        return mailbox;
    }

    private static string DomainOf(MailboxAddress? mailbox)
    {
        var domain = mailbox?.Domain;
        if (string.IsNullOrEmpty(domain)) return "mailadmin.local";
        // Message-ID must be ASCII: IDN domains go to their A-label form.
        try { return new System.Globalization.IdnMapping().GetAscii(domain!); }
        catch (ArgumentException) { return "mailadmin.local"; }
    }
}
