using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// A small JSON reader/writer for the accounts file (netstandard2.0 has no System.Text.Json and we add no
/// dependency for one file). Values: Dictionary&lt;string, object?&gt;, List&lt;object?&gt;, string, double, bool, null.
/// </summary>
internal static class MiniJson
{
    internal static object? Parse(string text)
    {
        var i = 0;
        var value = ParseValue(text, ref i);
        SkipWhite(text, ref i);
        if (i != text.Length) throw new FormatException($"Unexpected data at offset {i} of the JSON text.");
        return value;
    }

    private static object? ParseValue(string s, ref int i)
    {
        SkipWhite(s, ref i);
        if (i >= s.Length) throw new FormatException("Unexpected end of the JSON text.");
        var c = s[i];
        switch (c)
        {
            case '{':
                {
                    var obj = new Dictionary<string, object?>(StringComparer.Ordinal);
                    i++;
                    SkipWhite(s, ref i);
                    if (i < s.Length && s[i] == '}') { i++; return obj; }
                    while (true)
                    {
                        SkipWhite(s, ref i);
                        var key = ParseString(s, ref i);
                        SkipWhite(s, ref i);
                        Expect(s, ref i, ':');
                        obj[key] = ParseValue(s, ref i);
                        SkipWhite(s, ref i);
                        if (i < s.Length && s[i] == ',') { i++; continue; }
                        Expect(s, ref i, '}');
                        return obj;
                    }
                }
            case '[':
                {
                    var list = new List<object?>();
                    i++;
                    SkipWhite(s, ref i);
                    if (i < s.Length && s[i] == ']') { i++; return list; }
                    while (true)
                    {
                        list.Add(ParseValue(s, ref i));
                        SkipWhite(s, ref i);
                        if (i < s.Length && s[i] == ',') { i++; continue; }
                        Expect(s, ref i, ']');
                        return list;
                    }
                }
            case '"':
                return ParseString(s, ref i);
            case 't': ExpectWord(s, ref i, "true"); return true;
            case 'f': ExpectWord(s, ref i, "false"); return false;
            case 'n': ExpectWord(s, ref i, "null"); return null;
            default:
                {
                    var start = i;
                    while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '-' || s[i] == '+' || s[i] == '.' || s[i] == 'e' || s[i] == 'E')) i++;
                    if (start == i) throw new FormatException($"Unexpected '{c}' at offset {i} of the JSON text.");
                    return double.Parse(s.Substring(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
                }
        }
    }

    private static string ParseString(string s, ref int i)
    {
        Expect(s, ref i, '"');
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= s.Length) throw new FormatException("Unterminated string in the JSON text.");
            var c = s[i++];
            if (c == '"') return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (i >= s.Length) throw new FormatException("Unterminated escape in the JSON text.");
            var e = s[i++];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (i + 4 > s.Length) throw new FormatException("Short \\u escape in the JSON text.");
                    sb.Append((char)int.Parse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: throw new FormatException($"Unknown escape '\\{e}' in the JSON text.");
            }
        }
    }

    private static void SkipWhite(string s, ref int i)
    {
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
    }

    private static void Expect(string s, ref int i, char c)
    {
        if (i >= s.Length || s[i] != c) throw new FormatException($"Expected '{c}' at offset {i} of the JSON text.");
        i++;
    }

    private static void ExpectWord(string s, ref int i, string word)
    {
        if (string.CompareOrdinal(s, i, word, 0, word.Length) != 0) throw new FormatException($"Unexpected token at offset {i} of the JSON text.");
        i += word.Length;
    }

    /// <summary>
    /// Writes a value as JSON: dictionaries with string keys (in their order) as objects, other sequences as
    /// arrays, strings, numbers, booleans, null; a DateTimeOffset as RFC 3339 text.
    /// </summary>
    internal static string Serialize(object? value)
    {
        var sb = new StringBuilder();
        Write(sb, value);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null: sb.Append("null"); break;
            case string text: sb.Append(Quote(text)); break;
            case bool flag: sb.Append(flag ? "true" : "false"); break;
            case int or long or uint or ulong or short: sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(d.ToString("R", CultureInfo.InvariantCulture)); break;
            case DateTimeOffset time: sb.Append(Quote(time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture))); break;
            case IEnumerable<KeyValuePair<string, object?>> obj:
                {
                    sb.Append('{');
                    var first = true;
                    foreach (var pair in obj)
                    {
                        if (!first) sb.Append(',');
                        first = false;
                        sb.Append(Quote(pair.Key)).Append(':');
                        Write(sb, pair.Value);
                    }
                    sb.Append('}');
                    break;
                }
            case System.Collections.IEnumerable list:
                {
                    sb.Append('[');
                    var first = true;
                    foreach (var item in list)
                    {
                        if (!first) sb.Append(',');
                        first = false;
                        Write(sb, item);
                    }
                    sb.Append(']');
                    break;
                }
            default: throw new ArgumentException($"Cannot write a {value.GetType().Name} as JSON.", nameof(value));
        }
    }

    internal static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
