using System;
using System.Collections.Generic;
using System.Text;

namespace MailAdmin.Protocols.Imap.Mime;

/// <summary>One header field as a byte range of the raw message: all its lines, folded ones included.</summary>
internal readonly struct RawHeader
{
    public RawHeader(string name, int start, int valueStart, int end)
    {
        Name = name;
        Start = start;
        ValueStart = valueStart;
        End = end;
    }

    /// <summary>The field name (trimmed); "" for a line that is not a header field.</summary>
    public string Name { get; }

    /// <summary>Offset of the field's first byte.</summary>
    public int Start { get; }

    /// <summary>Offset just after the colon.</summary>
    public int ValueStart { get; }

    /// <summary>Offset after the field's last line break.</summary>
    public int End { get; }
}

/// <summary>
/// The header block of a message or body part as byte ranges: no copying, no decoding. Raw text
/// comes out as Latin-1 strings, one char per byte, so it goes back to the exact bytes.
/// </summary>
internal sealed class RawHeaderList
{
    private static readonly Encoding Latin1 = Encoding.GetEncoding("ISO-8859-1");
    private readonly List<RawHeader> _fields;

    private RawHeaderList(byte[] data, int start, int end, List<RawHeader> fields)
    {
        Data = data;
        Start = start;
        End = end;
        _fields = fields;
    }

    public byte[] Data { get; }

    /// <summary>Offset of the first header byte.</summary>
    public int Start { get; }

    /// <summary>Offset after the blank line ending the header (the body's first byte), or the limit when there is none.</summary>
    public int End { get; }

    public int Count => _fields.Count;

    public RawHeader this[int index] => _fields[index];

    /// <summary>Splits the header starting at <paramref name="start"/> into fields, up to and including the blank line.</summary>
    public static RawHeaderList Parse(byte[] data, int start, int limit)
    {
        var fields = new List<RawHeader>(16);
        int p = start;
        string? name = null;
        int fieldStart = -1, valueStart = -1, fieldEnd = limit;
        while (p < limit)
        {
            int lf = data.AsSpan(p, limit - p).IndexOf((byte)'\n');
            int next = lf < 0 ? limit : p + lf + 1;
            byte first = data[p];
            if (first == (byte)'\n' || (first == (byte)'\r' && p + 1 < limit && data[p + 1] == (byte)'\n'))
            {
                fieldEnd = p;
                p = next;
                break; // the blank line belongs to the header
            }
            if ((first == (byte)' ' || first == (byte)'\t') && fieldStart >= 0)
            {
                p = next; // folded continuation
                continue;
            }
            if (fieldStart >= 0) fields.Add(new RawHeader(name!, fieldStart, valueStart, p));
            int lineEnd = lf < 0 ? limit : p + lf;
            int colon = data.AsSpan(p, lineEnd - p).IndexOf((byte)':');
            fieldStart = p;
            if (colon < 0)
            {
                name = string.Empty;
                valueStart = lineEnd;
            }
            else
            {
                name = NameOf(data, p, p + colon);
                valueStart = p + colon + 1;
            }
            p = next;
        }
        if (fieldStart >= 0) fields.Add(new RawHeader(name!, fieldStart, valueStart, fieldEnd));
        return new RawHeaderList(data, start, p, fields);
    }

    private static string NameOf(byte[] data, int start, int end)
    {
        while (end > start && (data[end - 1] == (byte)' ' || data[end - 1] == (byte)'\t')) end--;
        while (start < end && (data[start] == (byte)' ' || data[start] == (byte)'\t')) start++;
        return KnownName(data, start, end) ?? Latin1.GetString(data, start, end - start);
    }

    private static readonly string[] Known =
    {
        "From", "To", "Cc", "Bcc", "Subject", "Date", "Sender", "Reply-To", "Message-ID", "In-Reply-To",
        "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-ID", "Content-Description",
        "Content-Language", "Content-Location", "Content-MD5", "MIME-Version", "Received", "References", "Return-Path",
    };

    // Interns the common names so that 10,000 envelopes do not allocate 10 strings each.
    private static string? KnownName(byte[] data, int start, int end)
    {
        int len = end - start;
        foreach (var k in Known)
        {
            if (k.Length != len) continue;
            int i = 0;
            for (; i < len; i++)
                if (char.ToLowerInvariant((char)data[start + i]) != char.ToLowerInvariant(k[i])) break;
            if (i == len) return k;
        }
        return null;
    }

    /// <summary>The first field named <paramref name="name"/> (case-insensitive), or -1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < _fields.Count; i++)
            if (string.Equals(_fields[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    /// <summary>The unfolded value of the first field named <paramref name="name"/> (Latin-1, CR/LF removed, trimmed), or null.</summary>
    public string? GetValue(string name)
    {
        int i = IndexOf(name);
        return i < 0 ? null : GetValue(i);
    }

    public string GetValue(int index)
    {
        var f = _fields[index];
        int s = f.ValueStart, e = f.End;
        while (s < e && IsWsp(Data[s])) s++;
        while (e > s && (IsWsp(Data[e - 1]) || Data[e - 1] == (byte)'\r' || Data[e - 1] == (byte)'\n')) e--;
        if (e <= s) return string.Empty;
        var span = Data.AsSpan(s, e - s);
        if (span.IndexOfAny((byte)'\r', (byte)'\n') < 0) return Latin1.GetString(Data, s, e - s);
        var chars = new char[e - s];
        int n = 0;
        for (int i = s; i < e; i++)
        {
            byte b = Data[i];
            if (b == (byte)'\r' || b == (byte)'\n') continue;
            chars[n++] = (char)b;
        }
        return new string(chars, 0, n);
    }

    /// <summary>The raw value bytes (unfolded: CR/LF removed, trimmed).</summary>
    public byte[] GetValueBytes(int index)
    {
        var s = GetValue(index);
        var bytes = new byte[s.Length];
        for (int i = 0; i < s.Length; i++) bytes[i] = (byte)s[i];
        return bytes;
    }

    private static bool IsWsp(byte b) => b == (byte)' ' || b == (byte)'\t';
}
