using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using MailAdmin.Protocols.Imap;

namespace MailAdmin.Fuzz;

/// <summary>IMAP: the command reader/tokenizer, sequence sets, SEARCH programs, LIST patterns.</summary>
internal static class ImapTargets
{
    // Small limits, so that the fuzzer reaches every limit path with short inputs.
    private static ImapParserLimits Limits() => new() { MaxLineLength = 256, MaxOtherLiteral = 64, MaxAppendLiteral = 128, MaxLiterals = 4, MaxNestingDepth = 4 };

    /// <summary>Bytes → commands: refusals are results, never exceptions; the same whole or split.</summary>
    public static void Reader(byte[] data)
    {
        bool appendAllowed = data.Length > 0 && (data[^1] & 1) == 0;
        Chunks.SameWholeAndSplit(data, () =>
        {
            var reader = new ImapCommandReader(Limits()) { AppendAllowed = appendAllowed };
            return (ref ReadOnlySequence<byte> buffer, List<string> results) =>
            {
                var r = reader.TryRead(ref buffer);
                if (r.Status == ImapReadStatus.NeedMore) return false;
                results.Add(r.Status == ImapReadStatus.Command
                    ? "C " + r.Command!.Tag + " " + r.Command.Name + " " + Describe(r.Command.Arguments)
                    : r.Status + " " + r.Tag + " " + r.ErrorText + " " + r.ResponseCode + " " + r.Fatal);
                return true;
            };
        });
    }

    private static string Describe(IEnumerable<ImapToken> tokens)
        => string.Join(" ", tokens.Select(t => t.Kind == ImapTokenKind.List ? "(" + Describe(t.Items) + ")" : t.Kind + ":" + t.Text));

    /// <summary>Parses the input as a sequence set and checks Expand, Contains and ExceedsMax agree.</summary>
    public static void SequenceSets(byte[] data)
    {
        var text = Encoding.Latin1.GetString(data);
        if (!SequenceSet.TryParse(text, out var set)) return;
        var again = SequenceSet.Parse(set!.ToString());
        FuzzTargets.Check(again.ToString() == set.ToString(), "ToString does not round-trip: " + set);
        foreach (uint max in new uint[] { 0, 1, (uint)(data.Length % 40), 4_000_000_000, uint.MaxValue })
        {
            if (max <= 64)
            {
                var expanded = set.Expand(max).ToList();
                var expected = Enumerable.Range(1, (int)max).Select(n => (uint)n).Where(n => set.Contains(n, max)).ToList();
                FuzzTargets.Check(expanded.SequenceEqual(expected), $"Expand({max}) disagrees with Contains for {set}");
                FuzzTargets.Check(set.ExceedsMax(max) || !set.Contains(max + 1, max), $"ExceedsMax({max}) is false but {max + 1} is in {set}");
            }
            else
            {
                // Huge ranges must stream: only the first few are taken.
                var first = set.Expand(max).Take(8).ToList();
                FuzzTargets.Check(first.Zip(first.Skip(1)).All(p => p.First < p.Second), "Expand not ascending for " + set);
            }
        }
        var uids = new List<uint> { 3, 7, 8, 100, 4_000_000_000 };
        var byUid = set.Expand(uids).ToList();
        FuzzTargets.Check(byUid.All(u => uids.Contains(u)), "Expand(uids) invents a UID");
    }

    /// <summary>"a SEARCH " + input: a SEARCH program parses or is refused with ImapParseException (BAD/BADCHARSET).</summary>
    public static void Search(byte[] data)
    {
        var line = Encoding.ASCII.GetBytes("a UID SEARCH ").Concat(data).Concat(new byte[] { (byte)'\r', (byte)'\n' }).ToArray();
        var reader = new ImapCommandReader(new ImapParserLimits { MaxLiterals = 4, MaxOtherLiteral = 256 });
        var buffer = new ReadOnlySequence<byte>(line);
        while (true)
        {
            var r = reader.TryRead(ref buffer);
            if (r.Status == ImapReadStatus.NeedMore) return;
            if (r.Status != ImapReadStatus.Command || r.Command!.Tag != "a") continue;
            var args = r.Command.Arguments.Skip(1).ToList();   // after "SEARCH"
            try { SearchQuery.Parse(args); }
            catch (ImapParseException) { }
            return;
        }
    }

    /// <summary>pattern NUL name: the glob matcher against a regex oracle (with a timeout: the oracle backtracks).</summary>
    public static void ListPattern(byte[] data)
    {
        int nul = Array.IndexOf(data, (byte)0);
        var pattern = Encoding.UTF8.GetString(data, 0, nul < 0 ? data.Length : nul);
        var name = nul < 0 ? "INBOX" : Encoding.UTF8.GetString(data, nul + 1, data.Length - nul - 1);
        bool match = ImapListPattern.IsMatch(pattern, name, '.');
        bool folded = ImapListPattern.IsMatch(pattern, name, '.', ignoreCase: true);
        FuzzTargets.Check(!match || folded, "matches exactly but not ignoring case");
        if (pattern.Length > 64 || name.Length > 64) return;
        var regex = "^" + string.Concat(pattern.Select(c => c == '*' ? ".*" : c == '%' ? "[^.]*" : Regex.Escape(c.ToString()))) + @"\z";
        bool expected;
        try { expected = Regex.IsMatch(name, regex, RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(20)); }
        catch (RegexMatchTimeoutException) { return; }
        FuzzTargets.Check(match == expected, $"pattern '{pattern}' name '{name}': got {match}, regex says {expected}");
    }
}
