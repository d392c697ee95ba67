using System.Collections.Generic;
using System.IO;
using MimeKit;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// The leaf parts of a message with Mailpit-style part IDs (the MIME path: "1", "2", "2.1", as
/// IMAP numbers body sections), sorted into what the API calls Attachments (Content-Disposition
/// attachment) and Inline (other non-body parts: images a HTML body shows by cid:, ...).
/// </summary>
internal sealed class MessageParts
{
    private MessageParts() { }

    public List<Part> Attachments { get; } = new List<Part>();
    public List<Part> Inline { get; } = new List<Part>();

    internal sealed class Part
    {
        public Part(string partId, MimePart mime)
        {
            PartId = partId;
            Mime = mime;
        }

        public string PartId { get; }
        public MimePart Mime { get; }
        public string FileName => Mime.FileName ?? string.Empty;
        public string ContentType => Mime.ContentType.MimeType;
        public string ContentId => Mime.ContentId ?? string.Empty;

        /// <summary>The decoded content.</summary>
        public byte[] Content()
        {
            using var buffer = new MemoryStream();
            Mime.Content?.DecodeTo(buffer);
            return buffer.ToArray();
        }

        public Dictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["PartID"] = PartId,
            ["FileName"] = FileName,
            ["ContentType"] = ContentType,
            ["ContentID"] = ContentId,
            ["Size"] = Content().Length,
        };
    }

    public static MessageParts Of(MimeMessage message)
    {
        var parts = new MessageParts();
        var iterator = new MimeIterator(message);
        while (iterator.MoveNext())
        {
            if (!(iterator.Current is MimePart part)) continue;
            var entry = new Part(iterator.PathSpecifier, part);
            if (part.IsAttachment) parts.Attachments.Add(entry);
            else if (part is TextPart text && (text.IsPlain || text.IsHtml)) continue; // a body, shown as Text/HTML
            else parts.Inline.Add(entry);
        }
        return parts;
    }

    /// <summary>The leaf part with the ID, any kind (bodies included), or null.</summary>
    public static Part? Find(MimeMessage message, string partId)
    {
        var iterator = new MimeIterator(message);
        while (iterator.MoveNext())
        {
            if (iterator.Current is MimePart part && iterator.PathSpecifier == partId)
                return new Part(partId, part);
        }
        return null;
    }
}
