using System.Collections.Generic;
using System.Text;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// A BINARY[part]&lt;partial&gt;, BINARY.PEEK[...] or BINARY.SIZE[part] request (RFC 3516 §4.1):
/// the content of a part after its Content-Transfer-Encoding is undone. Only part numbers are
/// allowed in the brackets (no HEADER, TEXT or MIME).
/// </summary>
public sealed class BinarySection
{
    private BinarySection(bool peek, bool sizeOnly, uint[] part, uint? partialOffset, uint? partialLength)
    {
        Peek = peek;
        SizeOnly = sizeOnly;
        Part = part;
        PartialOffset = partialOffset;
        PartialLength = partialLength;
        ResponseName = (sizeOnly ? "BINARY.SIZE[" : "BINARY[") + PartSpec() + "]"
            + (partialOffset.HasValue ? "<" + partialOffset.Value + ">" : "");
    }

    /// <summary>BINARY.PEEK: \Seen is not set.</summary>
    public bool Peek { get; }

    /// <summary>BINARY.SIZE: only the decoded size is sent.</summary>
    public bool SizeOnly { get; }

    /// <summary>The part numbers: empty for the whole message.</summary>
    public IReadOnlyList<uint> Part { get; }

    public uint? PartialOffset { get; }

    public uint? PartialLength { get; }

    /// <summary>The name in the response: "BINARY[1.2]&lt;0&gt;", "BINARY.SIZE[1]".</summary>
    public string ResponseName { get; }

    private string PartSpec()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Part.Count; i++)
        {
            if (i > 0) sb.Append('.');
            sb.Append(Part[i]);
        }
        return sb.ToString();
    }

    /// <summary>
    /// True when <paramref name="text"/> starts with BINARY, BINARY.PEEK or BINARY.SIZE and a bracket;
    /// then <paramref name="section"/> is the parsed request (or an <see cref="ImapParseException"/> is thrown).
    /// </summary>
    internal static bool TryParse(string text, out BinarySection? section)
    {
        section = null;
        int bracket = text.IndexOf('[');
        if (bracket < 0) return false;
        var head = text.Substring(0, bracket).ToUpperInvariant();
        bool peek = head == "BINARY.PEEK", size = head == "BINARY.SIZE";
        if (!peek && !size && head != "BINARY") return false;
        int i = bracket + 1;
        var parts = new List<uint>();
        while (i < text.Length && text[i] != ']')
        {
            if (parts.Count > 0)
            {
                if (text[i] != '.') throw Bad(text);
                i++;
            }
            parts.Add(ReadNumber(text, ref i, nonZero: true));
        }
        if (i >= text.Length) throw Bad(text);
        i++;
        uint? offset = null, length = null;
        if (i < text.Length)
        {
            // BINARY.SIZE takes no partial (RFC 3516 §4.1 grammar).
            if (size || text[i] != '<') throw Bad(text);
            i++;
            offset = ReadNumber(text, ref i, nonZero: false);
            if (i >= text.Length || text[i] != '.') throw Bad(text);
            i++;
            length = ReadNumber(text, ref i, nonZero: true);
            if (i != text.Length - 1 || text[i] != '>') throw Bad(text);
        }
        section = new BinarySection(peek, size, parts.ToArray(), offset, length);
        return true;
    }

    private static uint ReadNumber(string s, ref int i, bool nonZero)
    {
        int start = i;
        ulong v = 0;
        while (i < s.Length && s[i] >= '0' && s[i] <= '9')
        {
            v = v * 10 + (uint)(s[i] - '0');
            if (v > uint.MaxValue) throw Bad(s);
            i++;
        }
        if (i == start || (nonZero && v == 0)) throw Bad(s);
        return (uint)v;
    }

    private static ImapParseException Bad(string s) => new ImapParseException("Invalid BINARY section: " + s);

    public override string ToString()
    {
        var name = SizeOnly ? "BINARY.SIZE[" : Peek ? "BINARY.PEEK[" : "BINARY[";
        var s = name + PartSpec() + "]";
        return PartialOffset.HasValue ? s + "<" + PartialOffset + "." + PartialLength + ">" : s;
    }
}
