using System;
using System.Collections.Generic;
using System.IO;
using MimeKit;

namespace MailAdmin.Messages.Attachments;

/// <summary>
/// Finds the attachments of a message: MIME attachments and inline parts, nested
/// messages, BinHex parts, and the uuencoded and BinHex blocks that old mail carried
/// inside its plain-text body.
/// </summary>
public static class AttachmentFinder
{
    private const string BinHexMediaType = "application/mac-binhex40";

    public static AttachmentScan Find(MailMessage message)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        var attachments = new List<MailAttachment>();
        var problems = new List<AttachmentFormatException>();
        int unnamed = 0;

        foreach (var entity in message.MimeMessage.BodyParts)
        {
            switch (entity)
            {
                case MessagePart nested:
                    attachments.Add(FromNestedMessage(message, nested, ref unnamed));
                    break;
                case MimePart part when IsBinHex(part):
                    AddBinHexPart(message, part, attachments, problems);
                    break;
                case TextPart text when IsBodyText(text):
                    if (text.IsPlain)
                        ScanText(message, DecodeToText(text), attachments, problems);
                    break;
                case MimePart part:
                    attachments.Add(FromMimePart(message, part, ref unnamed));
                    break;
            }
        }
        return new AttachmentScan(message, attachments, problems);
    }

    /// <summary>
    /// Finds uuencoded and BinHex blocks in a plain-text body. Each block that cannot be
    /// decoded becomes a problem; scanning goes on after it.
    /// </summary>
    internal static void ScanText(MailMessage message, string text, List<MailAttachment> attachments, List<AttachmentFormatException> problems)
    {
        int position = 0;
        while (position < text.Length)
        {
            int lineStart = position;
            var line = UuDecoder.ReadLine(text, ref position);
            if (UuDecoder.TryParseBegin(line, out var name))
            {
                try
                {
                    var content = UuDecoder.DecodeBlock(text, ref position, name);
                    attachments.Add(new MailAttachment(message, name, MimeTypes.GetMimeType(name), AttachmentDisposition.Attachment, AttachmentEncoding.Uuencode, content));
                }
                catch (AttachmentFormatException ex)
                {
                    problems.Add(ex);
                }
                continue;
            }
            if (line.StartsWith(BinHexDecoder.Banner, StringComparison.Ordinal))
            {
                int colon = BinHexDecoder.FindDataStart(text, lineStart);
                if (colon < 0)
                {
                    problems.Add(new AttachmentFormatException("A BinHex banner line is not followed by BinHex data (the opening ':' is missing).", AttachmentEncoding.BinHex));
                    continue;
                }
                try
                {
                    var packed = BinHexDecoder.DecodeCharacters(text, colon, out int end);
                    position = end;
                    var file = BinHexDecoder.ParseFile(BinHexDecoder.ExpandRuns(packed));
                    attachments.Add(new MailAttachment(message, file.FileName, MimeTypes.GetMimeType(file.FileName), AttachmentDisposition.Attachment, AttachmentEncoding.BinHex, file.DataFork));
                }
                catch (AttachmentFormatException ex)
                {
                    problems.Add(ex);
                }
            }
        }
    }

    private static bool IsBinHex(MimePart part)
    {
        if (part.ContentType.IsMimeType("application", "mac-binhex40"))
            return true;
        var name = part.FileName;
        return name != null && name.EndsWith(".hqx", StringComparison.OrdinalIgnoreCase)
            && !(part is TextPart text && IsBodyText(text));
    }

    /// <summary>A text part that is the message's own text, not a file: it has no file name and is not marked as an attachment.</summary>
    private static bool IsBodyText(TextPart text) =>
        !text.IsAttachment && string.IsNullOrEmpty(text.FileName);

    private static void AddBinHexPart(MailMessage message, MimePart part, List<MailAttachment> attachments, List<AttachmentFormatException> problems)
    {
        try
        {
            var file = BinHexDecoder.Decode(DecodePart(part));
            var name = string.IsNullOrEmpty(file.FileName) ? StripHqx(part.FileName) ?? "binhex" : file.FileName;
            attachments.Add(new MailAttachment(message, name, MimeTypes.GetMimeType(name), DispositionOf(part), AttachmentEncoding.BinHex, file.DataFork));
        }
        catch (AttachmentFormatException ex)
        {
            problems.Add(ex.FileName != null ? ex : new AttachmentFormatException(ex.Message, ex.Encoding, part.FileName, ex));
        }
    }

    private static MailAttachment FromMimePart(MailMessage message, MimePart part, ref int unnamed)
    {
        var name = part.FileName;
        if (string.IsNullOrWhiteSpace(name))
        {
            unnamed++;
            var extension = MimeTypes.TryGetExtension(part.ContentType.MimeType, out var found) ? found : ".bin";
            name = $"attachment-{unnamed}{extension}";
        }
        return new MailAttachment(message, name!, part.ContentType.MimeType, DispositionOf(part), AttachmentEncoding.Mime,
            StripBrackets(part.ContentId), () => DecodePart(part));
    }

    private static MailAttachment FromNestedMessage(MailMessage message, MessagePart nested, ref int unnamed)
    {
        var name = nested.ContentDisposition?.FileName ?? nested.ContentType.Name;
        if (string.IsNullOrWhiteSpace(name))
        {
            var subject = nested.Message?.Subject;
            unnamed++;
            name = string.IsNullOrWhiteSpace(subject) ? $"message-{unnamed}.eml" : subject + ".eml";
        }
        var disposition = nested.ContentDisposition != null && !nested.ContentDisposition.IsAttachment && nested.ContentDisposition.Disposition.Equals(ContentDisposition.Inline, StringComparison.OrdinalIgnoreCase)
            ? AttachmentDisposition.Inline
            : AttachmentDisposition.Attachment;
        return new MailAttachment(message, name!, nested.ContentType.MimeType, disposition, AttachmentEncoding.Mime, StripBrackets(nested.ContentId), () =>
        {
            using var buffer = new MemoryStream();
            nested.Message?.WriteTo(FormatOptions.Default, buffer);
            return buffer.ToArray();
        });
    }

    /// <summary>
    /// Attachment when the sender said so; inline when declared inline, or when the part has
    /// no disposition but a Content-Id (an image the HTML refers to); otherwise attachment.
    /// </summary>
    private static AttachmentDisposition DispositionOf(MimeEntity part)
    {
        var declared = part.ContentDisposition;
        if (declared != null)
            return declared.IsAttachment ? AttachmentDisposition.Attachment : AttachmentDisposition.Inline;
        return string.IsNullOrEmpty(part.ContentId) ? AttachmentDisposition.Attachment : AttachmentDisposition.Inline;
    }

    private static byte[] DecodePart(MimePart part)
    {
        using var buffer = new MemoryStream();
        part.Content?.DecodeTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>The body's bytes as text, one char per byte: uuencode and BinHex are ASCII whatever the charset.</summary>
    private static string DecodeToText(TextPart text)
    {
        var bytes = DecodePart(text);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = (char)bytes[i];
        return new string(chars);
    }

    private static string? StripHqx(string? name) =>
        name != null && name.EndsWith(".hqx", StringComparison.OrdinalIgnoreCase) ? name.Substring(0, name.Length - 4) : name;

    private static string? StripBrackets(string? contentId) => contentId?.Trim().Trim('<', '>');
}
