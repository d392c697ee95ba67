namespace MailAdmin.Protocols.Imap;

/// <summary>
/// LIST/LSUB pattern matching (RFC 3501 §6.3.8): "*" matches anything, "%" anything but the
/// hierarchy delimiter, every other character itself. Matched in time linear in the pattern
/// times the name (one pass over the pattern, a row of booleans per name position), never by
/// backtracking: a regex built from "*%*%*%x" took seconds of CPU per folder.
/// </summary>
public static class ImapListPattern
{
    /// <summary>Whether <paramref name="name"/> matches <paramref name="pattern"/>; <paramref name="ignoreCase"/> is for INBOX.</summary>
    public static bool IsMatch(string pattern, string name, char delimiter, bool ignoreCase = false)
    {
        // Literal characters must each consume one of the name's: a longer run of them cannot
        // match, so a huge pattern costs at most one count of its length.
        int literals = 0;
        foreach (var c in pattern)
            if (c != '*' && c != '%' && ++literals > name.Length) return false;

        int m = name.Length;
        // row[j]: the pattern read so far matches name[0..j).
        var row = new bool[m + 1];
        row[0] = true;
        char previous = '\0';
        foreach (var p in pattern)
        {
            // "**", "%%" and "*%" add nothing to what their first wildcard matched.
            if ((p == '*' || p == '%') && (previous == '*' || previous == p)) continue;
            if (p == '*')
            {
                bool any = false;
                for (int j = 0; j <= m; j++) { any |= row[j]; row[j] = any; }
            }
            else if (p == '%')
            {
                for (int j = 1; j <= m; j++)
                    if (!row[j] && row[j - 1] && name[j - 1] != delimiter) row[j] = true;
            }
            else
            {
                bool any = false;
                for (int j = m; j >= 1; j--)
                {
                    row[j] = row[j - 1] && Same(p, name[j - 1], ignoreCase);
                    any |= row[j];
                }
                row[0] = false;
                if (!any) return false;
            }
            previous = p;
        }
        return row[m];
    }

    private static bool Same(char a, char b, bool ignoreCase)
        => a == b || (ignoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));
}
