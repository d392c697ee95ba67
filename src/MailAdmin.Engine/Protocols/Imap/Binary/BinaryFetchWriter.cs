using System;

namespace MailAdmin.Protocols.Imap;

/// <summary>Writes BINARY[...] and BINARY.SIZE[...] fetch items (RFC 3516 §4.2).</summary>
internal static class BinaryFetchWriter
{
    public static void Write(ImapResponseBuffer b, BinarySection section, ImapMessageContext message)
    {
        b.Ascii(section.ResponseName);
        b.Space();
        if (!BinaryContent.TryGet(message, section, out var content))
        {
            // A part the message does not have: empty (BINARY.SIZE 0), as an empty literal as Dovecot sends it.
            if (section.SizeOnly) b.Number(0);
            else b.Ascii("{0}\r\n");
            return;
        }
        if (section.SizeOnly)
        {
            b.Number(content.Length);
            return;
        }
        int offset = 0, count = content.Length;
        if (section.PartialOffset.HasValue)
        {
            long start = Math.Min((long)section.PartialOffset.Value, count);
            offset = (int)start;
            count = (int)Math.Min((long)section.PartialLength!.Value, count - start);
        }
        if (count == 0) { b.Ascii("\"\""); return; }
        // literal8 only when it must be: a NUL cannot travel in an ordinary literal.
        if (Array.IndexOf(content, (byte)0, offset, count) >= 0) b.Byte((byte)'~');
        b.Literal(content, offset, count);
    }

    /// <summary>Checks every BINARY item's encoding before anything of the message is written, so an unknown one fails the FETCH cleanly.</summary>
    public static void Check(FetchRequest request, ImapMessageContext message)
    {
        foreach (var item in request.Items)
            if (item.Kind == FetchItemKind.Binary) BinaryContent.CheckEncoding(message, item.Binary!);
    }
}
