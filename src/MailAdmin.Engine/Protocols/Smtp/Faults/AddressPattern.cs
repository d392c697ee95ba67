using System;

namespace MailAdmin.Protocols.Smtp.Faults;

/// <summary>A wildcard pattern for addresses and user names: '*' any run of characters, '?' one
/// character, case-insensitive (domains are, and local parts almost always are in practice).</summary>
public sealed class AddressPattern
{
    private readonly string _pattern;

    public AddressPattern(string pattern)
    {
        _pattern = pattern ?? throw new ArgumentNullException(nameof(pattern));
    }

    public override string ToString() => _pattern;

    public bool IsMatch(string? text) => text != null && Match(_pattern, 0, text, 0);

    // Iterative glob matching with one backtrack point: linear for the patterns people write.
    private static bool Match(string pattern, int p, string text, int t)
    {
        int starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
