using System;
using System.IO;

namespace MailAdmin.Protocols.Pop3;

/// <summary>
/// The message as POP3 sends it (RFC 1939 §3): every line ends with CRLF (a bare LF becomes CRLF; a
/// last line without a line ending gets one), lines starting with '.' are dot-stuffed, and the
/// multi-line response ends with ".CRLF". The size in STAT/LIST and "+OK n octets" is the size of
/// that CRLF form <em>before</em> dot-stuffing (what the client has after undoing the stuffing), so
/// the size LIST announces is exactly the number of octets a client gets from RETR.
/// </summary>
public static class Pop3MessageEncoder
{
    /// <summary>The wire size of a message read from <paramref name="stream"/> (see the class remarks).</summary>
    public static long WireSize(Stream stream)
    {
        var buffer = new byte[16 * 1024];
        long total = 0, bareLf = 0;
        byte previous = (byte)'\n';
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (int i = 0; i < n; i++)
            {
                byte b = buffer[i];
                if (b == (byte)'\n' && previous != (byte)'\r') bareLf++;
                previous = b;
            }
            total += n;
        }
        return total + bareLf + (total > 0 && previous != (byte)'\n' ? 2 : 0);
    }

    /// <summary>The wire size of <paramref name="message"/> (see the class remarks).</summary>
    public static long WireSize(ReadOnlySpan<byte> message)
    {
        long bareLf = 0;
        for (int i = 0; i < message.Length; i++)
            if (message[i] == (byte)'\n' && (i == 0 || message[i - 1] != (byte)'\r')) bareLf++;
        return message.Length + bareLf + (message.Length > 0 && message[message.Length - 1] != (byte)'\n' ? 2 : 0);
    }

    /// <summary>
    /// Appends <paramref name="message"/> dot-stuffed with CRLF line endings, then the terminating ".CRLF".
    /// With <paramref name="topLines"/> ≥ 0 only the header, the blank line and that many body lines (TOP).
    /// Returns the octets written excluding the stuffing dots and the terminator (equal to
    /// <see cref="WireSize(ReadOnlySpan{byte})"/> for a whole message).
    /// </summary>
    public static long Encode(ReadOnlySpan<byte> message, ByteBuffer output, int topLines = -1)
    {
        long size = 0;
        bool inBody = false;
        int bodyLines = 0;
        int pos = 0;
        while (pos < message.Length)
        {
            if (inBody && topLines >= 0 && bodyLines >= topLines) break;
            int lf = message.Slice(pos).IndexOf((byte)'\n');
            int end = lf < 0 ? message.Length : pos + lf;          // exclusive, at the LF
            int next = lf < 0 ? message.Length : end + 1;
            int contentEnd = lf >= 0 && end > pos && message[end - 1] == (byte)'\r' ? end - 1 : end;
            var line = message.Slice(pos, contentEnd - pos);
            if (line.Length > 0 && line[0] == (byte)'.') output.Append((byte)'.');
            output.Append(line);
            output.Append((byte)'\r');
            output.Append((byte)'\n');
            size += line.Length + 2;
            if (inBody) bodyLines++;
            else if (line.Length == 0) inBody = true;              // the blank line ends the header
            pos = next;
        }
        output.Append((byte)'.');
        output.Append((byte)'\r');
        output.Append((byte)'\n');
        return size;
    }

    /// <summary>Undoes <see cref="Encode"/> on the lines of a multi-line response (for tests and clients):
    /// removes one leading dot per line and the terminator. Input must end with "\r\n.\r\n" or be ".\r\n".</summary>
    public static byte[] Decode(ReadOnlySpan<byte> wire)
    {
        using var output = new ByteBuffer(wire.Length);
        int pos = 0;
        while (pos < wire.Length)
        {
            int lf = wire.Slice(pos).IndexOf((byte)'\n');
            if (lf < 0) throw new FormatException("Unterminated line.");
            var line = wire.Slice(pos, lf + 1);
            pos += lf + 1;
            if (line.Length == 3 && line[0] == (byte)'.') return output.Span.ToArray();
            if (line[0] == (byte)'.') line = line.Slice(1);
            output.Append(line);
        }
        throw new FormatException("No terminating line.");
    }
}
