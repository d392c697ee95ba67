using System;

namespace MailAdmin.Messages.Attachments;

/// <summary>
/// An attachment's encoded data is corrupt or cut short (a bad BinHex CRC, a uuencoded
/// block without its "end" line, a character outside the alphabet). Thrown instead of
/// returning bytes that would be silently wrong.
/// </summary>
public sealed class AttachmentFormatException : FormatException
{
    public AttachmentFormatException(string message, AttachmentEncoding encoding, string? fileName = null, Exception? inner = null)
        : base(message, inner)
    {
        Encoding = encoding;
        FileName = fileName;
    }

    /// <summary>The encoding whose data was bad.</summary>
    public AttachmentEncoding Encoding { get; }

    /// <summary>The attachment's name when it could be read before the failure.</summary>
    public string? FileName { get; }
}
