using System;
using System.IO;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// Undoes a Content-Transfer-Encoding (RFC 2045 §6) for BINARY (RFC 3516): base64 and
/// quoted-printable are decoded, 7bit, 8bit and binary are the bytes as they are.
/// </summary>
internal static class TransferDecoder
{
    /// <summary>True for an encoding whose content is the bytes as written.</summary>
    public static bool IsIdentity(string encoding)
        => Eq(encoding, "7bit") || Eq(encoding, "8bit") || Eq(encoding, "binary");

    /// <summary>True for an encoding that <see cref="TryDecode"/> undoes.</summary>
    public static bool IsKnown(string encoding)
        => IsIdentity(encoding) || Eq(encoding, "base64") || Eq(encoding, "quoted-printable");

    /// <summary>The decoded bytes; false for an encoding we do not know (the caller answers NO [UNKNOWN-CTE]).</summary>
    public static bool TryDecode(string encoding, byte[] data, int offset, int count, out byte[] decoded)
    {
        encoding = encoding.Trim();
        if (IsIdentity(encoding))
        {
            decoded = new byte[count];
            Buffer.BlockCopy(data, offset, decoded, 0, count);
            return true;
        }
        if (Eq(encoding, "base64")) { decoded = Base64(data, offset, count); return true; }
        if (Eq(encoding, "quoted-printable")) { decoded = QuotedPrintable(data, offset, count); return true; }
        decoded = Array.Empty<byte>();
        return false;
    }

    private static bool Eq(string a, string b) => string.Equals(a.Trim(), b, StringComparison.OrdinalIgnoreCase);

    /// <summary>Base64, ignoring characters outside the alphabet (line breaks, spaces) and stopping at the first '='.</summary>
    internal static byte[] Base64(byte[] data, int offset, int count)
    {
        var result = new byte[count / 4 * 3 + 3];
        int n = 0, bits = 0, value = 0;
        for (int i = offset; i < offset + count; i++)
        {
            int v = Sextet(data[i]);
            if (data[i] == (byte)'=') break;
            if (v < 0) continue;
            value = (value << 6) | v;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                result[n++] = (byte)(value >> bits);
                value &= (1 << bits) - 1;
            }
        }
        Array.Resize(ref result, n);
        return result;
    }

    private static int Sextet(byte c)
    {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    }

    /// <summary>
    /// Quoted-printable: "=XX" is a byte, "=" at the end of a line (before optional white space) joins
    /// the next line, white space at the end of a line is dropped (RFC 2045 §6.7 rule 3), and each line
    /// break, CRLF or a bare LF, is written as CRLF. A malformed "=" is kept as it is, as decoders do.
    /// </summary>
    internal static byte[] QuotedPrintable(byte[] data, int offset, int count)
    {
        var output = new MemoryStream(count);
        int end = offset + count;
        int lineStart = offset;
        while (lineStart < end)
        {
            int lf = Array.IndexOf(data, (byte)'\n', lineStart, end - lineStart);
            bool hasBreak = lf >= 0;
            int lineEnd = hasBreak ? lf : end;
            if (hasBreak && lineEnd > lineStart && data[lineEnd - 1] == (byte)'\r') lineEnd--;
            // Trailing white space is padding added in transport, not content.
            while (lineEnd > lineStart && (data[lineEnd - 1] == (byte)' ' || data[lineEnd - 1] == (byte)'\t')) lineEnd--;
            bool soft = lineEnd > lineStart && data[lineEnd - 1] == (byte)'=';
            if (soft) lineEnd--;
            for (int i = lineStart; i < lineEnd; i++)
            {
                byte c = data[i];
                if (c == (byte)'=' && i + 2 < lineEnd && Hex(data[i + 1], data[i + 2]) is int b)
                {
                    output.WriteByte((byte)b);
                    i += 2;
                }
                else output.WriteByte(c);
            }
            if (hasBreak && !soft)
            {
                output.WriteByte((byte)'\r');
                output.WriteByte((byte)'\n');
            }
            lineStart = hasBreak ? lf + 1 : end;
        }
        return output.ToArray();
    }

    private static int? Hex(byte high, byte low)
    {
        int hi = HexDigit(high), lo = HexDigit(low);
        if (hi < 0 || lo < 0) return null;
        return (hi << 4) | lo;
    }

    private static int HexDigit(byte c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }
}
