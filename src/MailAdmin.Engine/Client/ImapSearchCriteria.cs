using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using MailKit;
using MailKit.Search;

namespace MailAdmin.Client;

/// <summary>
/// What Get-ImapMessage's search parameters ask for, turned into one server-side SEARCH.
/// All given criteria must match (IMAP ANDs search keys). With a raw <see cref="Query"/>
/// the whole search is sent as text (MailKit passes a string to UID SEARCH unchanged);
/// otherwise it becomes a MailKit <see cref="SearchQuery"/>, which quotes and picks a
/// charset for non-ASCII text itself.
/// </summary>
public sealed class ImapSearchCriteria
{
    public string? From { get; set; }
    public string? To { get; set; }
    public string? Subject { get; set; }
    public string? Body { get; set; }

    /// <summary>Received (INTERNALDATE) on or after this day; IMAP compares whole days.</summary>
    public DateTime? Since { get; set; }

    /// <summary>Received (INTERNALDATE) before this day.</summary>
    public DateTime? Before { get; set; }

    public bool Unread { get; set; }
    public bool Flagged { get; set; }

    /// <summary>Larger than this many bytes (RFC822.SIZE).</summary>
    public uint? Larger { get; set; }

    /// <summary>Smaller than this many bytes.</summary>
    public uint? Smaller { get; set; }

    public uint[]? Uid { get; set; }

    /// <summary>Raw IMAP search keys, e.g. <c>OR FROM ann SUBJECT report</c>.</summary>
    public string? Query { get; set; }

    /// <summary>True when the search is sent as text (a raw query was given).</summary>
    public bool IsRaw => !string.IsNullOrWhiteSpace(Query);

    /// <summary>The criteria as a MailKit query; <see cref="SearchQuery.All"/> when none were given.</summary>
    public SearchQuery ToSearchQuery()
    {
        var terms = new List<SearchQuery>();
        if (From != null) terms.Add(SearchQuery.FromContains(From));
        if (To != null) terms.Add(SearchQuery.ToContains(To));
        if (Subject != null) terms.Add(SearchQuery.SubjectContains(Subject));
        if (Body != null) terms.Add(SearchQuery.BodyContains(Body));
        if (Since != null) terms.Add(SearchQuery.DeliveredAfter(Since.Value.Date));
        if (Before != null) terms.Add(SearchQuery.DeliveredBefore(Before.Value.Date));
        if (Unread) terms.Add(SearchQuery.NotSeen);
        if (Flagged) terms.Add(SearchQuery.Flagged);
        if (Larger != null) terms.Add(SearchQuery.LargerThan(checked((int)Larger.Value)));
        if (Smaller != null) terms.Add(SearchQuery.SmallerThan(checked((int)Smaller.Value)));
        if (Uid != null) terms.Add(SearchQuery.Uids(Uid.Select(u => new UniqueId(u)).ToList()));
        if (terms.Count == 0) return SearchQuery.All;
        return terms.Aggregate((left, right) => left.And(right));
    }

    /// <summary>
    /// The criteria as IMAP search keys, the raw query last in parentheses. Text values must
    /// be ASCII here: a quoted string cannot carry other characters without a literal, which
    /// a raw search string cannot send.
    /// </summary>
    public string ToImapText()
    {
        var keys = new List<string>();
        void Text(string key, string? value)
        {
            if (value != null) keys.Add(key + " " + Quote(value, key));
        }
        Text("FROM", From);
        Text("TO", To);
        Text("SUBJECT", Subject);
        Text("BODY", Body);
        if (Since != null) keys.Add("SINCE " + ImapDate(Since.Value));
        if (Before != null) keys.Add("BEFORE " + ImapDate(Before.Value));
        if (Unread) keys.Add("UNSEEN");
        if (Flagged) keys.Add("FLAGGED");
        if (Larger != null) keys.Add("LARGER " + Larger.Value.ToString(CultureInfo.InvariantCulture));
        if (Smaller != null) keys.Add("SMALLER " + Smaller.Value.ToString(CultureInfo.InvariantCulture));
        if (Uid != null) keys.Add("UID " + UidSet(Uid));
        if (IsRaw) keys.Add(keys.Count == 0 ? Query!.Trim() : "(" + Query!.Trim() + ")");
        return keys.Count == 0 ? "ALL" : string.Join(" ", keys);
    }

    internal static string ImapDate(DateTime date) =>
        date.ToString("d-MMM-yyyy", CultureInfo.InvariantCulture);

    /// <summary>An IMAP quoted string (RFC 3501 §9: quoted-specials escaped).</summary>
    internal static string Quote(string value, string key)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c > 0x7e || c < 0x20)
                throw new ArgumentException($"With -Query, the {key} text must be plain ASCII; put non-ASCII text in a search without -Query.");
            if (c == '"' || c == '\\') quoted.Append('\\');
            quoted.Append(c);
        }
        return quoted.Append('"').ToString();
    }

    /// <summary>A UID set, consecutive runs written as ranges: 1:3,7.</summary>
    internal static string UidSet(IEnumerable<uint> uids)
    {
        var sorted = uids.Distinct().OrderBy(u => u).ToList();
        if (sorted.Count == 0) throw new ArgumentException("-Uid needs at least one UID.");
        var parts = new List<string>();
        int start = 0;
        for (int i = 1; i <= sorted.Count; i++)
        {
            if (i < sorted.Count && sorted[i] == sorted[i - 1] + 1) continue;
            parts.Add(i - 1 == start
                ? sorted[start].ToString(CultureInfo.InvariantCulture)
                : sorted[start].ToString(CultureInfo.InvariantCulture) + ":" + sorted[i - 1].ToString(CultureInfo.InvariantCulture));
            start = i;
        }
        return string.Join(",", parts);
    }
}
