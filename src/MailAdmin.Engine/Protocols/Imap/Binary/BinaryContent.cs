using System;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// The decoded content a BINARY section names (RFC 3516 §4.2). A leaf part is its body with the
/// transfer encoding undone; BINARY[] and a multipart or message/rfc822 part are their bytes with
/// every leaf inside decoded and relabelled "binary" (<see cref="BinaryEntityDecoder"/>, as Dovecot).
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
            content = BinaryEntityDecoder.Decode(root, data, 0, data.Length);
            return true;
        }
        var entity = SectionReader.Resolve(message.Structure, section.Part);
        if (entity == null) return false;
        if (entity.IsMultipart || entity.Message != null)
        {
            // Its body: the parts of a multipart, or the encapsulated message, decoded inside.
            content = BinaryEntityDecoder.Decode(entity.Message ?? entity, data, entity.BodyStart, entity.BodyEnd);
            return true;
        }
        var cte = entity.TransferEncoding;
        if (!TransferDecoder.TryDecode(cte, data, entity.BodyStart, entity.BodySize, out content)) throw UnknownEncoding(cte);
        return true;
    }

    /// <summary>Throws <see cref="UnknownEncoding"/> when the section's part has an encoding we cannot undo (nothing is decoded).</summary>
    public static void CheckEncoding(ImapMessageContext message, BinarySection section)
    {
        // BINARY[] and non-leaf parts leave a part they cannot decode as it is; only a leaf fails.
        if (section.Part.Count == 0) return;
        var entity = SectionReader.Resolve(message.Structure, section.Part);
        if (entity == null || entity.IsMultipart || entity.Message != null) return;
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
