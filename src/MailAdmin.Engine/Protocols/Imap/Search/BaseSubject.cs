using System.Text;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// The base subject of RFC 5256 §2.1, which SORT SUBJECT and both THREAD algorithms compare:
/// the decoded subject without "Re:", "Fw:", "Fwd:", "[blob]" leaders, "(fwd)" trailers and
/// "[fwd: ...]" wrappers. Whether any of those was removed marks a reply or forward (THREAD).
/// </summary>
internal static class BaseSubject
{
    /// <summary>The base subject of an already decoded subject (encoded-words undone); compared ASCII case-insensitively.</summary>
    public static string Extract(string decoded, out bool isReplyOrForward)
    {
        isReplyOrForward = false;
        var s = CollapseWhitespace(decoded);
        while (true)
        {
            // Step 2: trailers "(fwd)" and white space.
            while (true)
            {
                if (s.EndsWith(" ", System.StringComparison.Ordinal)) { s = s.Substring(0, s.Length - 1); continue; }
                if (s.Length >= 5 && string.Compare(s, s.Length - 5, "(fwd)", 0, 5, System.StringComparison.OrdinalIgnoreCase) == 0)
                {
                    s = s.Substring(0, s.Length - 5);
                    isReplyOrForward = true;
                    continue;
                }
                break;
            }
            // Steps 3-5: leaders, then a lone blob when something is left after it, until nothing changes.
            while (true)
            {
                var before = s;
                s = StripLeaders(s, ref isReplyOrForward);
                int blobEnd = BlobEnd(s, 0);
                if (blobEnd > 0 && blobEnd < s.Length) s = s.Substring(blobEnd);
                if (s == before) break;
            }
            // Step 6: "[fwd: ...]" wraps the whole subject.
            if (s.Length >= 6 && s.StartsWith("[fwd:", System.StringComparison.OrdinalIgnoreCase) && s[s.Length - 1] == ']')
            {
                s = s.Substring(5, s.Length - 6).Trim(' ');
                isReplyOrForward = true;
                continue;
            }
            return s;
        }
    }

    /// <summary>Step 1: tabs and folding become one space, runs of spaces one space.</summary>
    private static string CollapseWhitespace(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool space = false;
        foreach (char c in s)
        {
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            {
                if (!space) sb.Append(' ');
                space = true;
                continue;
            }
            space = false;
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>subj-leader = (*subj-blob subj-refwd) / WSP, repeatedly.</summary>
    private static string StripLeaders(string s, ref bool isReplyOrForward)
    {
        while (s.Length > 0)
        {
            if (s[0] == ' ') { s = s.Substring(1); continue; }
            int i = 0;
            // *subj-blob
            while (true)
            {
                int end = BlobEnd(s, i);
                if (end < 0) break;
                i = end;
            }
            int after = RefwdEnd(s, i);
            if (after < 0) break;
            s = s.Substring(after);
            isReplyOrForward = true;
        }
        return s;
    }

    /// <summary>subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":" at <paramref name="i"/>; the index after it, or -1.</summary>
    private static int RefwdEnd(string s, int i)
    {
        if (StartsWith(s, i, "re")) i += 2;
        else if (StartsWith(s, i, "fwd")) i += 3;
        else if (StartsWith(s, i, "fw")) i += 2;
        else return -1;
        while (i < s.Length && s[i] == ' ') i++;
        int blob = BlobEnd(s, i);
        if (blob > 0) i = blob;
        return i < s.Length && s[i] == ':' ? i + 1 : -1;
    }

    /// <summary>subj-blob = "[" *BLOBCHAR "]" *WSP at <paramref name="i"/> (BLOBCHAR: anything but "[" and "]"); the index after it, or -1.</summary>
    private static int BlobEnd(string s, int i)
    {
        if (i >= s.Length || s[i] != '[') return -1;
        int j = i + 1;
        while (j < s.Length && s[j] != ']' && s[j] != '[') j++;
        if (j >= s.Length || s[j] != ']') return -1;
        j++;
        while (j < s.Length && s[j] == ' ') j++;
        return j;
    }

    private static bool StartsWith(string s, int i, string word) =>
        s.Length - i >= word.Length && string.Compare(s, i, word, 0, word.Length, System.StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>i;ascii-casemap: ASCII letters compared as upper case, everything else by code point.</summary>
    public static int CompareAsciiCaseInsensitive(string a, string b)
    {
        int n = a.Length < b.Length ? a.Length : b.Length;
        for (int i = 0; i < n; i++)
        {
            int x = Upper(a[i]), y = Upper(b[i]);
            if (x != y) return x - y;
        }
        return a.Length - b.Length;

        static int Upper(char c) => c >= 'a' && c <= 'z' ? c - 32 : c;
    }
}
