using System;
using System.Collections.Generic;
using System.Globalization;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>A parsed SEARCH program (RFC 3501 §6.4.4, every key; CHARSET UTF-8/US-ASCII).</summary>
public sealed class SearchQuery
{
    /// <summary>The response code when the charset is not supported.</summary>
    public const string BadCharsetCode = "BADCHARSET (UTF-8 US-ASCII)";

    /// <summary>Parenthesised groups and NOT/OR chains deeper than this are refused.</summary>
    public const int MaxDepth = 100;

    private static readonly string[] Months = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };

    private readonly SearchKey _root;

    private SearchQuery(SearchKey root, string? charset)
    {
        _root = root;
        Charset = charset;
        NeedsBody = root.NeedsBody;
        NeedsHeaderOnly = root.NeedsBody && !root.NeedsWholeMessage;
    }

    /// <summary>The CHARSET given, or null.</summary>
    public string? Charset { get; }

    /// <summary>True when the query needs the message bytes (header or text keys).</summary>
    public bool NeedsBody { get; }

    /// <summary>True when only header keys read the message (FROM, SUBJECT, HEADER, SENT*): the top-level header block is enough.</summary>
    public bool NeedsHeaderOnly { get; }

    public bool Matches(ImapMessageContext message, SearchContext context)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        if (context == null) throw new ArgumentNullException(nameof(context));
        return _root.Matches(message, context);
    }

    /// <summary>
    /// Whether every sequence-set key (not UID keys) names only messages 1..<paramref name="exists"/>;
    /// false means a BAD (RFC 9051 §9 seq-number).
    /// </summary>
    public bool SequenceSetsFit(uint exists) => _root.SequenceSetsFit(exists);

    /// <summary>A MODSEQ key is in the query: it is a CONDSTORE enabling command and its response ends in "(MODSEQ n)".</summary>
    public bool UsesModSeq => _root.UsesModSeq;

    /// <summary>Parses the arguments after SEARCH (CHARSET included); unknown charset throws with BADCHARSET.</summary>
    public static SearchQuery Parse(IReadOnlyList<ImapToken> arguments)
    {
        if (arguments == null) throw new ArgumentNullException(nameof(arguments));
        int i = 0;
        string? charset = null;
        if (arguments.Count > 0 && arguments[0].Kind == ImapTokenKind.Atom && Eq(arguments[0].Text, "CHARSET"))
        {
            if (arguments.Count < 2) throw new ImapParseException("CHARSET needs a name");
            charset = AString(arguments, 1);
            if (!Eq(charset, "UTF-8") && !Eq(charset, "US-ASCII") && !Eq(charset, "UTF8"))
                throw new ImapParseException("Unsupported charset " + charset, BadCharsetCode);
            i = 2;
        }
        if (i >= arguments.Count) throw new ImapParseException("SEARCH needs at least one key");
        var keys = new List<SearchKey>();
        while (i < arguments.Count) keys.Add(ParseKey(arguments, ref i, 0));
        return new SearchQuery(keys.Count == 1 ? keys[0] : new AndKey(keys), charset);
    }

    private static SearchKey ParseKey(IReadOnlyList<ImapToken> t, ref int i, int depth)
    {
        if (depth > MaxDepth) throw new ImapParseException("SEARCH program nested too deeply");
        if (i >= t.Count) throw new ImapParseException("SEARCH key missing");
        var token = t[i++];
        if (token.Kind == ImapTokenKind.List)
        {
            if (token.Items.Count == 0) throw new ImapParseException("Empty parenthesised SEARCH key");
            var keys = new List<SearchKey>();
            int j = 0;
            while (j < token.Items.Count) keys.Add(ParseKey(token.Items, ref j, depth + 1));
            return keys.Count == 1 ? keys[0] : new AndKey(keys);
        }
        if (token.Kind != ImapTokenKind.Atom) throw new ImapParseException("Invalid SEARCH key: " + token);
        var word = token.Text.ToUpperInvariant();
        switch (word)
        {
            case "ALL": return new ConstantKey(true);
            case "ANSWERED": return new FlagKey(MessageFlags.Answered, true);
            case "DELETED": return new FlagKey(MessageFlags.Deleted, true);
            case "DRAFT": return new FlagKey(MessageFlags.Draft, true);
            case "FLAGGED": return new FlagKey(MessageFlags.Flagged, true);
            case "SEEN": return new FlagKey(MessageFlags.Seen, true);
            case "UNANSWERED": return new FlagKey(MessageFlags.Answered, false);
            case "UNDELETED": return new FlagKey(MessageFlags.Deleted, false);
            case "UNDRAFT": return new FlagKey(MessageFlags.Draft, false);
            case "UNFLAGGED": return new FlagKey(MessageFlags.Flagged, false);
            case "UNSEEN": return new FlagKey(MessageFlags.Seen, false);
            case "RECENT": return new RecentKey(true);
            case "OLD": return new RecentKey(false);
            case "NEW": return new AndKey(new List<SearchKey> { new RecentKey(true), new FlagKey(MessageFlags.Seen, false) });
            case "KEYWORD": return KeywordKeyFor(Flag(t, ref i), set: true);
            case "UNKEYWORD": return KeywordKeyFor(Flag(t, ref i), set: false);
            case "MODSEQ": return ModSeq(t, ref i);
            case "BCC": return new HeaderKey("Bcc", Str(t, ref i));
            case "CC": return new HeaderKey("Cc", Str(t, ref i));
            case "FROM": return new HeaderKey("From", Str(t, ref i));
            case "TO": return new HeaderKey("To", Str(t, ref i));
            case "SUBJECT": return new HeaderKey("Subject", Str(t, ref i));
            case "HEADER":
                {
                    var field = Str(t, ref i);
                    if (field.Length == 0) throw new ImapParseException("HEADER needs a field name");
                    return new HeaderKey(field, Str(t, ref i));
                }
            case "BODY": return new TextKey(Str(t, ref i), includeHeader: false);
            case "TEXT": return new TextKey(Str(t, ref i), includeHeader: true);
            case "BEFORE": return new DateKey(Date(t, ref i), DateComparison.Before, sent: false);
            case "ON": return new DateKey(Date(t, ref i), DateComparison.On, sent: false);
            case "SINCE": return new DateKey(Date(t, ref i), DateComparison.Since, sent: false);
            case "SENTBEFORE": return new DateKey(Date(t, ref i), DateComparison.Before, sent: true);
            case "SENTON": return new DateKey(Date(t, ref i), DateComparison.On, sent: true);
            case "SENTSINCE": return new DateKey(Date(t, ref i), DateComparison.Since, sent: true);
            case "LARGER": return new SizeKey(Number(t, ref i), larger: true);
            case "SMALLER": return new SizeKey(Number(t, ref i), larger: false);
            case "$": return new SavedResultKey();
            case "UID":
                {
                    if (i < t.Count && t[i].Kind == ImapTokenKind.Atom && t[i].Text == "$") { i++; return new SavedResultKey(); }
                    if (i >= t.Count || t[i].Kind != ImapTokenKind.Atom || !SequenceSet.TryParse(t[i].Text, out var uids))
                        throw new ImapParseException("UID needs a UID set");
                    i++;
                    return new SetKey(uids!, uid: true);
                }
            case "NOT": return new NotKey(ParseKey(t, ref i, depth + 1));
            case "OR":
                {
                    var a = ParseKey(t, ref i, depth + 1);
                    var b = ParseKey(t, ref i, depth + 1);
                    return new OrKey(a, b);
                }
        }
        if (SequenceSet.TryParse(token.Text, out var set)) return new SetKey(set!, uid: false);
        throw new ImapParseException("Unknown SEARCH key: " + token.Text);
    }

    private static bool Eq(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static string AString(IReadOnlyList<ImapToken> t, int i)
    {
        // A search string is an astring, and NIL is an atom there: SUBJECT NIL looks for "NIL"
        // (imaptest's nil script; Dovecot does the same).
        if (t[i].Kind == ImapTokenKind.Nil) return t[i].Text;
        var s = t[i].AsString;
        if (s == null) throw new ImapParseException("A string was expected, not " + t[i]);
        return s;
    }

    private static string Str(IReadOnlyList<ImapToken> t, ref int i)
    {
        if (i >= t.Count) throw new ImapParseException("SEARCH key needs a string");
        return AString(t, i++);
    }

    private static string Flag(IReadOnlyList<ImapToken> t, ref int i)
    {
        // NIL is an atom here too: a keyword may be named NIL.
        if (i >= t.Count || (t[i].Kind != ImapTokenKind.Atom && t[i].Kind != ImapTokenKind.Nil) || t[i].Text.Length == 0) throw new ImapParseException("KEYWORD needs a flag keyword");
        return t[i++].Text;
    }

    /// <summary>KEYWORD/UNKEYWORD; a system flag given as a keyword (KEYWORD \Seen) is searched as that flag, as Dovecot does.</summary>
    private static SearchKey KeywordKeyFor(string flag, bool set)
    {
        var system = ImapFlags.ParseOne(flag);
        if (system is MessageFlags f && f != MessageFlags.None) return new FlagKey(f, set);
        if (flag[0] == '\\') return new ConstantKey(!set);   // \Recent or an unknown \-flag: no message has it as a keyword
        return new KeywordKey(flag, set);
    }

    /// <summary>MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162 §3.1.5); the entry names a flag, and we keep one MODSEQ per message.</summary>
    private static SearchKey ModSeq(IReadOnlyList<ImapToken> t, ref int i)
    {
        // An entry ("/flags/\\draft" all) narrows the MODSEQ to one flag; with one MODSEQ per message it answers for every entry.
        if (i + 2 < t.Count && t[i].Kind == ImapTokenKind.Quoted) i += 2;
        if (i >= t.Count) throw new ImapParseException("MODSEQ needs a mod-sequence");
        return new ModSeqKey(ImapSession.Number(t[i++], long.MaxValue, "mod-sequence"));
    }

    private static long Number(IReadOnlyList<ImapToken> t, ref int i)
    {
        if (i >= t.Count || t[i].Kind != ImapTokenKind.Atom) throw new ImapParseException("A number was expected");
        var s = t[i++].Text;
        if (s.Length == 0 || s.Length > 19) throw new ImapParseException("Invalid number: " + s);
        foreach (char c in s) if (c < '0' || c > '9') throw new ImapParseException("Invalid number: " + s);
        return long.Parse(s, CultureInfo.InvariantCulture);
    }

    /// <summary>date = date-text / DQUOTE date-text DQUOTE; date-text = date-day "-" date-month "-" date-year.</summary>
    private static DateTime Date(IReadOnlyList<ImapToken> t, ref int i)
    {
        if (i >= t.Count) throw new ImapParseException("A date was expected");
        var tok = t[i++];
        if (tok.Kind != ImapTokenKind.Atom && tok.Kind != ImapTokenKind.Quoted) throw new ImapParseException("Invalid date: " + tok);
        if (!TryParseDate(tok.Text, out var date)) throw new ImapParseException("Invalid date: " + tok.Text);
        return date;
    }

    internal static bool TryParseDate(string s, out DateTime date)
    {
        date = default;
        var parts = s.Split('-');
        if (parts.Length != 3) return false;
        if (parts[0].Length < 1 || parts[0].Length > 2 || parts[2].Length != 4) return false;
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var day)) return false;
        if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var year)) return false;
        int month = Array.IndexOf(Months, parts[1].ToUpperInvariant()) + 1;
        if (month == 0 || year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        date = new DateTime(year, month, day);
        return true;
    }
}
