namespace MailAdmin.Messages.Attachments;

/// <summary>How an attachment was carried in its message.</summary>
public enum AttachmentEncoding
{
    /// <summary>A MIME body part (RFC 2045–2049), whatever its transfer encoding.</summary>
    Mime,
    /// <summary>A uuencoded block ("begin 644 name" … "end") inside a plain-text body.</summary>
    Uuencode,
    /// <summary>BinHex 4.0 (RFC 1741): a mac-binhex40 part, or BinHex text pasted in a body.</summary>
    BinHex,
}
