using System;
using System.Collections.Generic;
using System.Text;
using MailAdmin.Protocols.Imap.Mime;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// Makes a message APPENDed as literal8 (RFC 3516 §4.4) valid MIME before it is stored: every leaf
/// part whose Content-Transfer-Encoding is "binary", or whose content holds a NUL, is re-encoded as
/// base64 and its header says so. BODY[...] then returns 7/8-bit MIME, while BINARY[...] decodes the
/// part back to the exact bytes the client sent (what Dovecot does, and imaptest's append-binary checks).
/// </summary>
internal static class BinaryAppendConverter
{
    private const int Base64LineLength = 76;
    private static readonly byte[] EncodingField = Encoding.ASCII.GetBytes("Content-Transfer-Encoding: base64\r\n");

    /// <summary>The message to store: <paramref name="message"/> itself when nothing needs converting.</summary>
    public static byte[] Convert(byte[] message)
    {
        // Cheap way out for the usual case: no NUL and no part declared binary.
        if (Array.IndexOf(message, (byte)0) < 0 && !MentionsBinary(message)) return message;
        var root = RawMimeParser.ParseMessage(message);
        var splices = new List<(int Start, int End, byte[] With)>();
        Collect(root, message, splices, isRoot: true);
        return splices.Count == 0 ? message : ByteSplicer.Apply(message, 0, message.Length, splices);
    }

    /// <summary>Whether "binary" appears anywhere (any case): without it no part can be declared binary. No copy of the message.</summary>
    private static bool MentionsBinary(byte[] message)
    {
        const string word = "binary";
        for (int i = 0; i + word.Length <= message.Length; i++)
        {
            int k = 0;
            while (k < word.Length && (message[i + k] | 0x20) == word[k]) k++;
            if (k == word.Length) return true;
        }
        return false;
    }

    private static void Collect(RawEntity entity, byte[] data, List<(int, int, byte[])> splices, bool isRoot)
    {
        if (entity.IsMultipart)
        {
            foreach (var child in entity.Children!) Collect(child, data, splices, isRoot: false);
            return;
        }
        if (entity.Message != null)
        {
            Collect(entity.Message, data, splices, isRoot: false);
            return;
        }
        bool declaredBinary = string.Equals(entity.TransferEncoding.Trim(), "binary", StringComparison.OrdinalIgnoreCase);
        bool hasNul = Array.IndexOf(data, (byte)0, entity.BodyStart, entity.BodySize) >= 0;
        if (!declaredBinary && !hasNul) return;

        var headers = entity.Headers;
        int field = headers.IndexOf("Content-Transfer-Encoding");
        if (field >= 0) splices.Add((headers[field].Start, headers[field].End, EncodingField));
        else
        {
            // Before the blank line that ends the header.
            int insertAt = headers.Count > 0 ? headers[headers.Count - 1].End : headers.Start;
            splices.Add((insertAt, insertAt, EncodingField));
        }
        splices.Add((entity.BodyStart, entity.BodyEnd, Base64Lines(data, entity.BodyStart, entity.BodySize, finalBreak: isRoot)));
    }

    /// <summary>
    /// Base64 in lines of 76 characters (RFC 2045 §6.8). A part's last line has no line break: the
    /// CRLF before the next boundary belongs to the boundary.
    /// </summary>
    private static byte[] Base64Lines(byte[] data, int offset, int count, bool finalBreak)
    {
        var text = System.Convert.ToBase64String(data, offset, count);
        var sb = new StringBuilder(text.Length + text.Length / Base64LineLength * 2 + 2);
        for (int i = 0; i < text.Length; i += Base64LineLength)
        {
            if (i > 0) sb.Append("\r\n");
            sb.Append(text, i, Math.Min(Base64LineLength, text.Length - i));
        }
        if (finalBreak) sb.Append("\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }
}
