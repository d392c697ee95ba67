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

    /// <summary>A mailbox name as the client sent it, to the name it means. With UTF8=ACCEPT enabled
    /// (RFC 6855 §3) the name is UTF-8 and taken as is; otherwise it must be modified UTF-7: only printable
    /// US-ASCII on the wire (a raw 8-bit name is refused), and a well-formed, canonical encoding.</summary>
    /// <exception cref="ImapParseException">the name is not acceptable (the command gets BAD).</exception>
    public static string FromWire(string wire, bool utf8Accept)
    {
        if (utf8Accept) return wire;
        foreach (var c in wire)
        {
            if (c > 0x7e)
                throw new ImapParseException("Mailbox name has 8-bit characters: send it in modified UTF-7 (RFC 3501 5.1.3) or ENABLE UTF8=ACCEPT first");
            if (c < 0x20)
                throw new ImapParseException("Mailbox name has a control character: send it in modified UTF-7 (RFC 3501 5.1.3)");
        }
        return Decode(wire);
    }

    /// <summary>Decodes modified UTF-7; throws <see cref="ImapParseException"/> when malformed or not
    /// canonical (RFC 3501 §5.1.3): a '&amp;' run not closed by '-', a character outside the modified BASE64
    /// alphabet, a run that is not whole UTF-16 (odd bytes, leftover bits that are not zero, a broken
    /// surrogate pair), a run that encodes printable US-ASCII (which must be sent as itself), or two runs
    /// back to back ("-&amp;" while in BASE64, a null shift).</summary>
    public static string Decode(string wire)
    {
        if (wire.IndexOf('&') < 0) return wire;
        var sb = new StringBuilder(wire.Length);
        int i = 0;
        int lastRunEnd = -1;   // index just after the '-' closing the last BASE64 run
        while (i < wire.Length)
        {
            char c = wire[i++];
            if (c != '&') { sb.Append(c); continue; }
            int end = wire.IndexOf('-', i);
            if (end < 0) throw Invalid("'&' starts a BASE64 run that is not closed by '-'");
            if (end == i) { sb.Append('&'); i++; continue; }
            if (lastRunEnd == i - 1) throw Invalid("two BASE64 runs back to back (\"-&\"); use one run");
            var bytes = new System.Collections.Generic.List<byte>();
            int bits = 0, buffer = 0;
            for (int k = i; k < end; k++)
            {
                int v = Alphabet.IndexOf(wire[k]);
                if (v < 0) throw Invalid("'" + wire[k] + "' is not modified BASE64 (or a run lacks its closing '-')");
                buffer = ((buffer << 6) | v) & 0xffff;
                bits += 6;
                if (bits >= 8)
                {
                    bits -= 8;
                    bytes.Add((byte)((buffer >> bits) & 0xff));
                }
            }
            if (bits >= 6 || (buffer & ((1 << bits) - 1)) != 0 || bytes.Count % 2 != 0)
                throw Invalid("a BASE64 run is not whole UTF-16");
            var units = new char[bytes.Count / 2];   // by hand: the decoder would turn a broken pair into U+FFFD
            for (int k = 0; k < units.Length; k++) units[k] = (char)((bytes[2 * k] << 8) | bytes[2 * k + 1]);
            var text = new string(units);
            for (int k = 0; k < text.Length; k++)
            {
                char u = text[k];
                if (u >= 0x20 && u <= 0x7e) throw Invalid("a BASE64 run encodes printable US-ASCII, which must be sent as itself");
                if (char.IsHighSurrogate(u) && k + 1 < text.Length && char.IsLowSurrogate(text[k + 1])) { k++; continue; }
                if (char.IsSurrogate(u)) throw Invalid("a BASE64 run holds a broken UTF-16 surrogate pair");
            }
            sb.Append(text);
            i = end + 1;
            lastRunEnd = i;
        }
        return sb.ToString();
    }

    /// <summary>A malformed name is a name that cannot exist (NO [CANNOT], as Dovecot answers), not a syntax error of the command.</summary>
    private static ImapParseException Invalid(string why) => new("Invalid modified UTF-7 mailbox name: " + why, "CANNOT");
}
