using System;
using System.Collections.Generic;
using MailAdmin.Protocols.Imap.Mime;

namespace MailAdmin.Protocols.Imap;

/// <summary>A slice of bytes: the content of one BODY[section].</summary>
internal readonly struct ByteSlice
{
    public ByteSlice(byte[] data, int offset, int count) { Data = data; Offset = offset; Count = count; }
    public byte[] Data { get; }
    public int Offset { get; }
    public int Count { get; }
}

/// <summary>
/// Finds the octets of a section (RFC 3501 §6.4.5 BODY[section]) in the original message bytes.
/// Returns false for a section the message does not have (answered with an empty string).
/// </summary>
internal static class SectionReader
{
    public static bool TryRead(ImapMessageContext message, BodySection section, out ByteSlice slice)
    {
        var data = message.Bytes;
        slice = default;
        if (section.Part.Count == 0)
        {
            // The message itself: only the top header is needed, not the MIME tree.
            switch (section.Text)
            {
                case SectionText.None:
                    slice = new ByteSlice(data, 0, data.Length);
                    return true;
                case SectionText.Text:
                    var h = message.Headers;
                    slice = new ByteSlice(data, h.End, data.Length - h.End);
                    return true;
                default:
                    return TryHeader(message.Headers, section, out slice);
            }
        }

        var entity = Resolve(message.Structure, section.Part);
        if (entity == null) return false;
        switch (section.Text)
        {
            case SectionText.None:
                slice = new ByteSlice(data, entity.BodyStart, entity.BodySize);
                return true;
            case SectionText.Mime:
                slice = new ByteSlice(data, entity.Start, entity.BodyStart - entity.Start);
                return true;
            default:
                // HEADER, HEADER.FIELDS, TEXT of a part: the part must be a message/rfc822.
                var inner = entity.Message;
                if (inner == null) return false;
                if (section.Text == SectionText.Text)
                {
                    slice = new ByteSlice(data, inner.BodyStart, inner.BodySize);
                    return true;
                }
                return TryHeader(inner.Headers, section, out slice);
        }
    }

    /// <summary>The entity a part number names: "1.2" is part 2 of part 1 (inside its message when part 1 is message/rfc822).</summary>
    internal static RawEntity? Resolve(RawEntity root, IReadOnlyList<uint> part)
    {
        var node = root;
        for (int i = 0; i < part.Count; i++)
        {
            // A number applies to a message (the root, or the message a message/rfc822 part holds)
            // or to a multipart; a plain leaf part has no sub-parts.
            bool isMessage = i == 0;
            if (i > 0 && node.Message != null)
            {
                node = node.Message;
                isMessage = true;
            }
            uint n = part[i];
            if (node.IsMultipart)
            {
                if (n > (uint)node.Children!.Count) return null;
                node = node.Children[(int)n - 1];
            }
            else if (n != 1 || !isMessage) return null;
        }
        return node;
    }

    private static bool TryHeader(RawHeaderList headers, BodySection section, out ByteSlice slice)
    {
        var data = headers.Data;
        if (section.Text == SectionText.Header)
        {
            slice = new ByteSlice(data, headers.Start, headers.End - headers.Start);
            return true;
        }
        bool not = section.Text == SectionText.HeaderFieldsNot;
        var fields = section.Fields;
        int size = 2;
        var keep = new bool[headers.Count];
        for (int i = 0; i < headers.Count; i++)
        {
            var name = headers[i].Name;
            if (name.Length == 0) continue; // not a header field
            bool listed = false;
            for (int k = 0; k < fields.Count; k++)
                if (string.Equals(fields[k], name, StringComparison.OrdinalIgnoreCase)) { listed = true; break; }
            if (listed != not)
            {
                keep[i] = true;
                size += headers[i].End - headers[i].Start + 2;
            }
        }
        var result = new byte[size];
        int n = 0;
        for (int i = 0; i < headers.Count; i++)
        {
            if (!keep[i]) continue;
            var f = headers[i];
            Buffer.BlockCopy(data, f.Start, result, n, f.End - f.Start);
            n += f.End - f.Start;
            if (f.End == f.Start || data[f.End - 1] != (byte)'\n')
            {
                result[n++] = (byte)'\r';
                result[n++] = (byte)'\n';
            }
        }
        result[n++] = (byte)'\r';
        result[n++] = (byte)'\n';
        slice = new ByteSlice(result, 0, n);
        return true;
    }
}
