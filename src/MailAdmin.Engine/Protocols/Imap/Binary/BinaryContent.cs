using System;
using MailAdmin.Protocols.Imap.Mime;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// The decoded content a BINARY section names (RFC 3516 §4.2). A leaf part is its body with the
/// transfer encoding undone; a multipart or message/rfc822 part is its body as is (its encoding
/// can only be 7bit, 8bit or binary); BINARY[] is the whole message, its body decoded when the
/// message is a single base64 or quoted-printable part.
/// </summary>
internal static class BinaryContent
{
    /// <summary>An encoding the server cannot undo: the FETCH fails with NO [UNKNOWN-CTE].</summary>
    internal static ImapParseException UnknownEncoding(string encoding)
        => new ImapParseException("Unknown Content-Transfer-Encoding " + OneWord(encoding), "UNKNOWN-CTE");

    /// <summary>
    /// The decoded bytes; false when the message has no such part. Throws for an unknown encoding.
    /// </summary>
    public static bool TryGet(ImapMessageContext message, BinarySection section, out byte[] content)
    {
        content = Array.Empty<byte>();
        var data = message.Bytes;
        if (section.Part.Count == 0)
        {
            var root = message.Structure;
            var encoding = root.TransferEncoding;
            if (root.IsMultipart || root.Message != null || TransferDecoder.IsIdentity(encoding))
            {
                content = data;
                return true;
            }
            if (!TransferDecoder.TryDecode(encoding, data, root.BodyStart, root.BodySize, out var body)) throw UnknownEncoding(encoding);
            content = new byte[root.BodyStart + body.Length];
            Buffer.BlockCopy(data, 0, content, 0, root.BodyStart);
            Buffer.BlockCopy(body, 0, content, root.BodyStart, body.Length);
            return true;
        }
        var entity = SectionReader.Resolve(message.Structure, section.Part);
        if (entity == null) return false;
        var cte = entity.TransferEncoding;
        if (!TransferDecoder.TryDecode(cte, data, entity.BodyStart, entity.BodySize, out content)) throw UnknownEncoding(cte);
        return true;
    }

    /// <summary>Throws <see cref="UnknownEncoding"/> when the section's part has an encoding we cannot undo (nothing is decoded).</summary>
    public static void CheckEncoding(ImapMessageContext message, BinarySection section)
    {
        var entity = section.Part.Count == 0 ? message.Structure : SectionReader.Resolve(message.Structure, section.Part);
        if (entity == null) return;
        if (section.Part.Count == 0 && (entity.IsMultipart || entity.Message != null)) return;
        var encoding = entity.TransferEncoding.Trim();
        if (!TransferDecoder.IsIdentity(encoding) && !TransferDecoder.IsKnown(encoding)) throw UnknownEncoding(encoding);
    }

    private static string OneWord(string s)
    {
        s = s.Trim();
        int cut = s.IndexOfAny(new[] { ' ', '\t', '\r', '\n', ';' });
        if (cut >= 0) s = s.Substring(0, cut);
        return s.Length > 40 ? s.Substring(0, 40) : s;
    }
}
