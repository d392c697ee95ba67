using System;
using System.Collections.Generic;

namespace MailAdmin.DnsChecks;

/// <summary>
/// The tag=value list shared by DKIM keys (RFC 6376 §3.2), DMARC (RFC 7489 §6.4),
/// MTA-STS (RFC 8461 §3.1), TLS-RPT (RFC 8460 §3) and BIMI records: tags separated by
/// ';', optional whitespace around names and values, an optional trailing ';'.
/// </summary>
public static class DnsTagList
{
    /// <summary>
    /// Parses <paramref name="text"/> into tags in record order (names as written; lookups
    /// are case-insensitive). Malformed pieces and repeated tags go to <paramref name="errors"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Parse(string text, List<string> errors)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var piece in text.Split(';'))
        {
            var part = piece.Trim();
            if (part.Length == 0) continue;
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                errors.Add($"'{part}' is not a tag=value pair");
                continue;
            }
            var name = part.Substring(0, equals).Trim();
            var value = part.Substring(equals + 1).Trim();
            if (!IsTagName(name))
                errors.Add($"'{name}' is not a valid tag name");
            else if (tags.ContainsKey(name))
                errors.Add($"tag '{name}' appears more than once");
            else
                tags[name] = value;
        }
        return tags;
    }

    /// <summary>tag-name = ALPHA *ALNUMPUNC (RFC 6376 §3.2), ALNUMPUNC being letters, digits and '_'.</summary>
    private static bool IsTagName(string name)
    {
        if (name.Length == 0 || !IsAsciiLetter(name[0])) return false;
        foreach (var c in name)
            if (!IsAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '_') return false;
        return true;
    }

    private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

    /// <summary>The value of <paramref name="name"/>, or null.</summary>
    public static string? Get(this IReadOnlyDictionary<string, string> tags, string name) =>
        tags.TryGetValue(name, out var value) ? value : null;
}
