using System;
using System.IO;

namespace MailAdmin.Messages.Attachments;

/// <summary>
/// One attachment of a message: a MIME part, a uuencoded block or a BinHex file. The
/// content is decoded on first use (Size or GetContent) and then kept.
/// </summary>
public sealed class MailAttachment
{
    private readonly object _gate = new object();
    private Func<byte[]>? _decode;
    private byte[]? _content;

    internal MailAttachment(MailMessage message, string fileName, string contentType, AttachmentDisposition disposition,
        AttachmentEncoding encoding, string? contentId, Func<byte[]> decode)
    {
        Message = message;
        FileName = fileName;
        ContentType = contentType;
        Disposition = disposition;
        Encoding = encoding;
        ContentId = contentId;
        _decode = decode;
    }

    internal MailAttachment(MailMessage message, string fileName, string contentType, AttachmentDisposition disposition,
        AttachmentEncoding encoding, byte[] content)
        : this(message, fileName, contentType, disposition, encoding, null, () => content)
    {
        _content = content;
        _decode = null;
    }

    /// <summary>The file name the sender gave (not yet made safe for a file system).</summary>
    public string FileName { get; }

    /// <summary>The media type, e.g. "application/pdf".</summary>
    public string ContentType { get; }

    /// <summary>The decoded size in bytes.</summary>
    public long Size => Content.LongLength;

    public AttachmentDisposition Disposition { get; }

    /// <summary>MIME, uuencode or BinHex.</summary>
    public AttachmentEncoding Encoding { get; }

    /// <summary>The part's Content-Id (without angle brackets), if it has one.</summary>
    public string? ContentId { get; }

    /// <summary>The message the attachment came from.</summary>
    public MailMessage Message { get; }

    /// <summary>A copy of the decoded bytes.</summary>
    public byte[] GetContent() => (byte[])Content.Clone();

    /// <summary>Writes the decoded bytes to a stream.</summary>
    public void WriteTo(Stream destination)
    {
        if (destination == null) throw new ArgumentNullException(nameof(destination));
        var content = Content;
        destination.Write(content, 0, content.Length);
    }

    private byte[] Content
    {
        get
        {
            lock (_gate)
            {
                if (_content == null)
                {
                    _content = _decode!();
                    _decode = null;
                }
                return _content;
            }
        }
    }

    public override string ToString() => FileName;
}
