using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace MailAdmin.Security;

/// <summary>The tag=value list of a DKIM-Signature field (RFC 6376 §3.2), whitespace removed from values.</summary>
internal sealed class DkimSignatureTags
{
    private static readonly Regex Whitespace = new Regex(@"\s+");
    private readonly Dictionary<string, string> _tags = new Dictionary<string, string>(StringComparer.Ordinal);

    public DkimSignatureTags(string value)
    {
        foreach (var part in value.Split(';'))
        {
            int equals = part.IndexOf('=');
            if (equals < 0) continue;
            var name = part.Substring(0, equals).Trim();
            if (name.Length > 0 && !_tags.ContainsKey(name))
                _tags[name] = Whitespace.Replace(part.Substring(equals + 1), "");
        }
    }

    public string? this[string name] => _tags.TryGetValue(name, out var value) ? value : null;

    public string? Domain => this["d"];

    public string? Selector => this["s"];

    /// <summary>The expiry (x=) as a time, if the signature has one.</summary>
    public DateTimeOffset? Expires =>
        long.TryParse(this["x"], out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : (DateTimeOffset?)null;
}
