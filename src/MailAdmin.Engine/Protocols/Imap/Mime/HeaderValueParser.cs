using System;
using System.Collections.Generic;
using System.Text;

namespace MailAdmin.Protocols.Imap.Mime;

/// <summary>A MIME parameter as written (Latin-1 raw text); RFC 2231 continuations are joined.</summary>
internal readonly struct MimeParameter
{
    public MimeParameter(string name, string value) { Name = name; Value = value; }
    public string Name { get; }
    public string Value { get; }
}

/// <summary>
/// Content-Type, Content-Disposition and Content-Language values (RFC 2045 §5.1, 2183, 3282), parsed
/// leniently from the raw unfolded text. Values stay as written: BODYSTRUCTURE reports them raw.
/// </summary>
internal static class HeaderValueParser
{
    /// <summary>"type/subtype; params". False when there is no valid type/subtype.</summary>
    public static bool TryParseContentType(string value, out string type, out string subtype, out List<MimeParameter>? parameters)
    {
        type = subtype = string.Empty;
        parameters = null;
        int i = 0;
        SkipCfws(value, ref i);
        if (!TryToken(value, ref i, out type)) return false;
        SkipCfws(value, ref i);
        if (i >= value.Length || value[i] != '/') return false;
        i++;
        SkipCfws(value, ref i);
        if (!TryToken(value, ref i, out subtype)) return false;
        parameters = ParseParameters(value, i);
        return true;
    }

    /// <summary>"disposition; params" (Content-Disposition). False when there is no token.</summary>
    public static bool TryParseDisposition(string value, out string disposition, out List<MimeParameter>? parameters)
    {
        parameters = null;
        int i = 0;
        SkipCfws(value, ref i);
        if (!TryToken(value, ref i, out disposition)) return false;
        parameters = ParseParameters(value, i);
        return true;
    }

    /// <summary>The language tags of Content-Language, comma separated.</summary>
    public static List<string> ParseLanguages(string value)
    {
        var list = new List<string>();
        int i = 0;
        while (i < value.Length)
        {
            SkipCfws(value, ref i);
            if (TryToken(value, ref i, out var tag)) list.Add(tag);
            SkipCfws(value, ref i);
            if (i < value.Length && value[i] != ',') break;
            i++;
        }
        return list;
    }

    private static List<MimeParameter>? ParseParameters(string value, int i)
    {
        List<(string Name, string Value, int Section, bool Extended)>? raw = null;
        while (true)
        {
            SkipCfws(value, ref i);
            if (i >= value.Length || value[i] != ';') break;
            i++;
            SkipCfws(value, ref i);
            if (i >= value.Length) break;
            if (value[i] == ';') continue; // empty parameter
            if (!TryToken(value, ref i, out var name)) break;
            SkipCfws(value, ref i);
            if (i >= value.Length || value[i] != '=') break;
            i++;
            SkipCfws(value, ref i);
            string v;
            if (i < value.Length && value[i] == '"') v = Quoted(value, ref i);
            else if (!TryToken(value, ref i, out v)) v = string.Empty;
            raw ??= new List<(string, string, int, bool)>();
            raw.Add(Split(name, v));
        }
        if (raw == null) return null;
        var result = new List<MimeParameter>(raw.Count);
        for (int k = 0; k < raw.Count; k++)
        {
            var p = raw[k];
            if (p.Section < 0)
            {
                result.Add(new MimeParameter(p.Name + (p.Extended ? "*" : string.Empty), p.Value));
                continue;
            }
            if (p.Section == int.MaxValue) continue; // already merged
            // RFC 2231 §3 continuations: gather name*0, name*1, ... in order.
            var parts = new SortedDictionary<int, string>();
            bool extended = false;
            for (int m = k; m < raw.Count; m++)
            {
                var q = raw[m];
                if (q.Section < 0 || q.Section == int.MaxValue || !string.Equals(q.Name, p.Name, StringComparison.OrdinalIgnoreCase)) continue;
                if (q.Section == 0) extended = q.Extended;
                parts[q.Section] = q.Value;
                raw[m] = (q.Name, q.Value, int.MaxValue, q.Extended);
            }
            var sb = new StringBuilder();
            foreach (var part in parts.Values) sb.Append(part);
            result.Add(new MimeParameter(p.Name + (extended ? "*" : string.Empty), sb.ToString()));
        }
        return result;
    }

    // "name*3*" -> (name, value, 3, true); "name*" -> (name, value, -1, true); "name" -> (name, value, -1, false)
    private static (string, string, int, bool) Split(string name, string value)
    {
        int star = name.IndexOf('*');
        if (star < 0) return (name, value, -1, false);
        string baseName = name.Substring(0, star);
        string rest = name.Substring(star + 1);
        bool extended = rest.EndsWith("*", StringComparison.Ordinal);
        if (extended) rest = rest.Substring(0, rest.Length - 1);
        if (rest.Length == 0) return (baseName, value, -1, extended);
        int section = 0;
        foreach (char c in rest)
        {
            if (c < '0' || c > '9' || section > 10000) return (name, value, -1, false);
            section = section * 10 + (c - '0');
        }
        return (baseName, value, section, extended);
    }

    internal static void SkipCfws(string s, ref int i)
    {
        while (i < s.Length)
        {
            char c = s[i];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') { i++; continue; }
            if (c == '(')
            {
                int depth = 0;
                while (i < s.Length)
                {
                    char d = s[i++];
                    if (d == '\\') { i++; continue; }
                    if (d == '(') depth++;
                    else if (d == ')' && --depth == 0) break;
                }
                continue;
            }
            break;
        }
    }

    private static bool TryToken(string s, ref int i, out string token)
    {
        int start = i;
        while (i < s.Length && IsTokenChar(s[i])) i++;
        token = s.Substring(start, i - start);
        return i > start;
    }

    private static bool IsTokenChar(char c) =>
        c > ' ' && c != 0x7F && "()<>@,;:\\\"/[]?=".IndexOf(c) < 0;

    private static string Quoted(string s, ref int i)
    {
        var sb = new StringBuilder();
        i++; // opening quote
        while (i < s.Length)
        {
            char c = s[i++];
            if (c == '"') break;
            if (c == '\\' && i < s.Length) c = s[i++];
            sb.Append(c);
        }
        return sb.ToString();
    }
}
