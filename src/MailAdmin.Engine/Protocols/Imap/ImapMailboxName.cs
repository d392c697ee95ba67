using System.Text;

namespace MailAdmin.Protocols.Imap;

/// <summary>Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable ASCII as is except '&amp;'
/// ("&amp;-"), everything else as '&amp;' + modified BASE64 of UTF-16 + '-'.</summary>
public static class ImapMailboxName
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    public static string Encode(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        int i = 0;
        while (i < name.Length)
        {
            char c = name[i];
            if (c >= 0x20 && c <= 0x7e)
            {
                sb.Append(c == '&' ? "&-" : c.ToString());
                i++;
                continue;
            }
            int start = i;
            while (i < name.Length && (name[i] < 0x20 || name[i] > 0x7e)) i++;
            var bytes = Encoding.BigEndianUnicode.GetBytes(name.Substring(start, i - start));
            sb.Append('&');
            int bits = 0, buffer = 0;
            foreach (var b in bytes)
            {
                buffer = (buffer << 8) | b;
                bits += 8;
                while (bits >= 6)
                {
                    bits -= 6;
                    sb.Append(Alphabet[(buffer >> bits) & 0x3f]);
                }
            }
            if (bits > 0) sb.Append(Alphabet[(buffer << (6 - bits)) & 0x3f]);
            sb.Append('-');
        }
        return sb.ToString();
    }

    /// <summary>Decodes modified UTF-7; throws <see cref="ImapParseException"/> when malformed.</summary>
    public static string Decode(string wire)
    {
        if (wire.IndexOf('&') < 0) return wire;
        var sb = new StringBuilder(wire.Length);
        int i = 0;
        while (i < wire.Length)
        {
            char c = wire[i++];
            if (c != '&') { sb.Append(c); continue; }
            int end = wire.IndexOf('-', i);
            if (end < 0) throw new ImapParseException("Invalid modified UTF-7 mailbox name");
            if (end == i) { sb.Append('&'); i++; continue; }
            var bytes = new System.Collections.Generic.List<byte>();
            int bits = 0, buffer = 0;
            for (int k = i; k < end; k++)
            {
                int v = Alphabet.IndexOf(wire[k]);
                if (v < 0) throw new ImapParseException("Invalid modified UTF-7 mailbox name");
                buffer = (buffer << 6) | v;
                bits += 6;
                if (bits >= 8)
                {
                    bits -= 8;
                    bytes.Add((byte)((buffer >> bits) & 0xff));
                }
            }
            if (bytes.Count % 2 != 0) throw new ImapParseException("Invalid modified UTF-7 mailbox name");
            sb.Append(Encoding.BigEndianUnicode.GetString(bytes.ToArray()));
            i = end + 1;
        }
        return sb.ToString();
    }
}
