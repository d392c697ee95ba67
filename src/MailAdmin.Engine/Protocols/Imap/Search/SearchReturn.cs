using System;
using System.Collections.Generic;

namespace MailAdmin.Protocols.Imap;

/// <summary>The result options of SEARCH RETURN (...) (RFC 4731 MIN MAX ALL COUNT, RFC 5182 SAVE).</summary>
[Flags]
internal enum SearchReturnOptions
{
    None = 0,
    Min = 1,
    Max = 2,
    All = 4,
    Count = 8,
    Save = 16,
}

internal static class SearchReturn
{
    /// <summary>
    /// Reads "RETURN (options)" at the start of SEARCH's arguments, if there. Returns null when the
    /// command has no RETURN (a plain SEARCH); <paramref name="next"/> is the first criteria argument.
    /// "RETURN ()" means ALL (RFC 4731 §3.1).
    /// </summary>
    public static SearchReturnOptions? Parse(IReadOnlyList<ImapToken> args, out int next)
    {
        next = 0;
        if (args.Count == 0 || args[0].Kind != ImapTokenKind.Atom || !string.Equals(args[0].Text, "RETURN", StringComparison.OrdinalIgnoreCase))
            return null;
        if (args.Count < 2 || args[1].Kind != ImapTokenKind.List) throw new ImapParseException("RETURN needs a list of options");
        var options = SearchReturnOptions.None;
        foreach (var item in args[1].Items)
        {
            if (item.Kind != ImapTokenKind.Atom) throw new ImapParseException("Invalid RETURN option " + item);
            options |= item.Text.ToUpperInvariant() switch
            {
                "MIN" => SearchReturnOptions.Min,
                "MAX" => SearchReturnOptions.Max,
                "ALL" => SearchReturnOptions.All,
                "COUNT" => SearchReturnOptions.Count,
                "SAVE" => SearchReturnOptions.Save,
                _ => throw new ImapParseException("Unknown RETURN option " + item.Text),
            };
        }
        next = 2;
        return options == SearchReturnOptions.None ? SearchReturnOptions.All : options;
    }
}
