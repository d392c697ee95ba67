using System;
using System.Collections.Generic;
using System.Linq;

namespace MailAdmin.Store;

/// <summary>
/// IMAP keywords (RFC 3501 flag-keyword: an atom without '\'). The store keeps them as sorted, distinct
/// lists; keywords compare case-insensitively (as Dovecot does) and keep the spelling first stored.
/// </summary>
public static class MessageKeywords
{
    public static readonly IReadOnlyList<string> None = Array.Empty<string>();

    public static StringComparer Comparer => StringComparer.OrdinalIgnoreCase;

    /// <summary>A sorted, distinct list of <paramref name="keywords"/> (null or empty: <see cref="None"/>).</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string>? keywords)
    {
        if (keywords is null) return None;
        var list = keywords.Where(k => !string.IsNullOrEmpty(k)).Distinct(Comparer).OrderBy(k => k, Comparer).ToArray();
        return list.Length == 0 ? None : list;
    }

    /// <summary>Applies a STORE change to a keyword list.</summary>
    public static IReadOnlyList<string> Apply(IReadOnlyList<string> current, IReadOnlyCollection<string>? given, FlagChange change)
    {
        given ??= None;
        switch (change)
        {
            case FlagChange.Replace: return Normalize(given);
            case FlagChange.Add: return given.Count == 0 ? current : Normalize(current.Concat(given));
            default:
                if (given.Count == 0 || current.Count == 0) return current;
                var drop = new HashSet<string>(given, Comparer);
                return Normalize(current.Where(k => !drop.Contains(k)));
        }
    }

    public static bool SameAs(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
            if (!Comparer.Equals(a[i], b[i])) return false;
        return true;
    }
}
