using System;
using System.Collections.Generic;

namespace MailAdmin.Protocols.Imap;

/// <summary>A parsed FETCH attribute list (RFC 3501 §6.4.5, with macros ALL, FAST, FULL).</summary>
public sealed class FetchRequest
{
    private FetchRequest(List<FetchItem> items, bool isUid)
    {
        Items = items;
        IsUid = isUid;
        foreach (var item in items)
        {
            switch (item.Kind)
            {
                case FetchItemKind.Flags: HasFlags = true; break;
                case FetchItemKind.Uid: HasUid = true; break;
                case FetchItemKind.ModSeq: HasModSeq = true; break;
                case FetchItemKind.InternalDate:
                case FetchItemKind.Rfc822Size:
                    break;
                case FetchItemKind.Rfc822:
                case FetchItemKind.Rfc822Text:
                    SetsSeen = true;
                    NeedsBody = true;
                    break;
                case FetchItemKind.BodySection:
                    if (!item.Section!.Peek) SetsSeen = true;
                    NeedsBody = true;
                    break;
                case FetchItemKind.Binary:
                    if (!item.Binary!.Peek && !item.Binary.SizeOnly) SetsSeen = true;
                    NeedsBody = true;
                    HasBinary = true;
                    break;
                default:
                    NeedsBody = true;
                    break;
            }
        }
    }

    /// <summary>The attributes, macros expanded, in the order asked.</summary>
    public IReadOnlyList<FetchItem> Items { get; }

    /// <summary>UID FETCH: UID is in every response.</summary>
    public bool IsUid { get; }

    internal bool HasFlags { get; }

    internal bool HasUid { get; }

    /// <summary>MODSEQ was asked for (a CONDSTORE enabling command, RFC 7162 §3.1).</summary>
    public bool HasModSeq { get; }

    /// <summary>This request with MODSEQ added: FETCH (CHANGEDSINCE n) implies it (RFC 7162 §3.1.4.1).</summary>
    public FetchRequest WithModSeq()
    {
        if (HasModSeq) return this;
        var items = new List<FetchItem>(Items) { new FetchItem(FetchItemKind.ModSeq) };
        return new FetchRequest(items, IsUid);
    }

    /// <summary>A BINARY item is asked: its encodings are checked before the message's response starts.</summary>
    internal bool HasBinary { get; }

    /// <summary>True when an attribute sets \Seen: BODY[...] without .PEEK, RFC822, RFC822.TEXT.</summary>
    public bool SetsSeen { get; }

    /// <summary>True when the message bytes are needed (anything beyond FLAGS, UID, INTERNALDATE, RFC822.SIZE).</summary>
    public bool NeedsBody { get; }

    /// <summary>
    /// True when the top-level header block is all the bytes needed: ENVELOPE, RFC822.HEADER,
    /// BODY[HEADER], BODY[HEADER.FIELDS (...)] and the cheap items. The session then serves
    /// them from a header cache instead of reading every message file (what mail clients
    /// ask for when they open a folder).
    /// </summary>
    public bool NeedsHeaderOnly
    {
        get
        {
            foreach (var item in Items)
            {
                switch (item.Kind)
                {
                    case FetchItemKind.Flags:
                    case FetchItemKind.Uid:
                    case FetchItemKind.ModSeq:
                    case FetchItemKind.InternalDate:
                    case FetchItemKind.Rfc822Size:
                    case FetchItemKind.Envelope:
                    case FetchItemKind.Rfc822Header:
                        break;
                    case FetchItemKind.BodySection:
                        var section = item.Section!;
                        if (section.Part.Count != 0 || section.PartialOffset.HasValue
                            || (section.Text != SectionText.Header && section.Text != SectionText.HeaderFields && section.Text != SectionText.HeaderFieldsNot))
                            return false;
                        break;
                    default:
                        return false;
                }
            }
            return true;
        }
    }

    /// <summary>Parses the attributes: one token (atom/macro) or a list. UID FETCH adds UID to the response.</summary>
    public static FetchRequest Parse(IReadOnlyList<ImapToken> attributes, bool isUid)
    {
        if (attributes == null || attributes.Count != 1)
            throw new ImapParseException("FETCH expects one attribute, a macro or a parenthesised list");
        var token = attributes[0];
        var items = new List<FetchItem>();
        if (token.Kind == ImapTokenKind.List)
        {
            if (token.Items.Count == 0) throw new ImapParseException("Empty FETCH attribute list");
            foreach (var t in token.Items) items.Add(ParseAttribute(t));
        }
        else if (token.Kind == ImapTokenKind.Atom)
        {
            var text = token.Text;
            if (Eq(text, "ALL") || Eq(text, "FAST") || Eq(text, "FULL"))
            {
                items.Add(new FetchItem(FetchItemKind.Flags));
                items.Add(new FetchItem(FetchItemKind.InternalDate));
                items.Add(new FetchItem(FetchItemKind.Rfc822Size));
                if (!Eq(text, "FAST")) items.Add(new FetchItem(FetchItemKind.Envelope));
                if (Eq(text, "FULL")) items.Add(new FetchItem(FetchItemKind.Body));
            }
            else items.Add(ParseAttribute(token));
        }
        else throw new ImapParseException("Invalid FETCH attribute: " + token);
        return new FetchRequest(items, isUid);
    }

    private static bool Eq(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static FetchItem ParseAttribute(ImapToken token)
    {
        if (token.Kind != ImapTokenKind.Atom) throw new ImapParseException("Invalid FETCH attribute: " + token);
        var text = token.Text;
        int bracket = text.IndexOf('[');
        if (bracket < 0)
        {
            switch (text.ToUpperInvariant())
            {
                case "FLAGS": return new FetchItem(FetchItemKind.Flags);
                case "INTERNALDATE": return new FetchItem(FetchItemKind.InternalDate);
                case "RFC822.SIZE": return new FetchItem(FetchItemKind.Rfc822Size);
                case "ENVELOPE": return new FetchItem(FetchItemKind.Envelope);
                case "BODYSTRUCTURE": return new FetchItem(FetchItemKind.BodyStructure);
                case "BODY": return new FetchItem(FetchItemKind.Body);
                case "UID": return new FetchItem(FetchItemKind.Uid);
                case "RFC822": return new FetchItem(FetchItemKind.Rfc822);
                case "RFC822.HEADER": return new FetchItem(FetchItemKind.Rfc822Header);
                case "RFC822.TEXT": return new FetchItem(FetchItemKind.Rfc822Text);
                case "MODSEQ": return new FetchItem(FetchItemKind.ModSeq);
                default: throw new ImapParseException("Unknown FETCH attribute: " + text);
            }
        }
        if (BinarySection.TryParse(text, out var binary)) return new FetchItem(binary!);
        var head = text.Substring(0, bracket);
        bool peek;
        if (Eq(head, "BODY")) peek = false;
        else if (Eq(head, "BODY.PEEK")) peek = true;
        else throw new ImapParseException("Unknown FETCH attribute: " + text);
        return new FetchItem(ParseSection(text, bracket + 1, peek));
    }

    // section-spec "]" ["<" number "." nz-number ">"], from just after '['.
    private static BodySection ParseSection(string s, int i, bool peek)
    {
        var parts = new List<uint>();
        var textKind = SectionText.None;
        List<string>? fields = null;
        bool textAfterPart = false;
        while (i < s.Length && s[i] >= '0' && s[i] <= '9')
        {
            parts.Add(ReadNumber(s, ref i, nonZero: true));
            if (i >= s.Length || s[i] != '.') break;
            i++;
            if (i < s.Length && char.IsLetter(s[i])) { textAfterPart = true; break; }
            if (i >= s.Length || s[i] < '0' || s[i] > '9') throw Bad(s);
        }
        if (parts.Count > 0 && !textAfterPart && i < s.Length && s[i] != ']') throw Bad(s);
        if (i < s.Length && char.IsLetter(s[i]))
        {
            int start = i;
            while (i < s.Length && (char.IsLetter(s[i]) || s[i] == '.')) i++;
            var word = s.Substring(start, i - start).ToUpperInvariant();
            switch (word)
            {
                case "HEADER": textKind = SectionText.Header; break;
                case "TEXT": textKind = SectionText.Text; break;
                case "MIME":
                    if (parts.Count == 0) throw Bad(s);
                    textKind = SectionText.Mime;
                    break;
                case "HEADER.FIELDS": textKind = SectionText.HeaderFields; break;
                case "HEADER.FIELDS.NOT": textKind = SectionText.HeaderFieldsNot; break;
                default: throw Bad(s);
            }
            if (textKind == SectionText.HeaderFields || textKind == SectionText.HeaderFieldsNot)
                fields = ParseFieldList(s, ref i);
        }
        if (i >= s.Length || s[i] != ']') throw Bad(s);
        i++;
        uint? offset = null, length = null;
        if (i < s.Length)
        {
            if (s[i] != '<') throw Bad(s);
            i++;
            offset = ReadNumber(s, ref i, nonZero: false);
            if (i >= s.Length || s[i] != '.') throw Bad(s);
            i++;
            length = ReadNumber(s, ref i, nonZero: true);
            if (i >= s.Length || s[i] != '>' || i != s.Length - 1) throw Bad(s);
        }
        return new BodySection(peek, parts.ToArray(), textKind, fields, offset, length);
    }

    // SP "(" header-fld-name *(SP header-fld-name) ")", names being astrings (atoms or quoted).
    private static List<string> ParseFieldList(string s, ref int i)
    {
        if (i + 1 >= s.Length || s[i] != ' ' || s[i + 1] != '(') throw Bad(s);
        i += 2;
        var fields = new List<string>();
        while (true)
        {
            if (i >= s.Length) throw Bad(s);
            string name;
            if (s[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (true)
                {
                    if (i >= s.Length) throw Bad(s);
                    char c = s[i++];
                    if (c == '"') break;
                    if (c == '\\') { if (i >= s.Length) throw Bad(s); c = s[i++]; }
                    sb.Append(c);
                }
                name = sb.ToString();
            }
            else
            {
                int start = i;
                while (i < s.Length && s[i] > ' ' && s[i] < 0x7F && s[i] != ')' && s[i] != '(' && s[i] != '"' && s[i] != ':') i++;
                name = s.Substring(start, i - start);
            }
            if (name.Length == 0) throw Bad(s);
            fields.Add(name.ToUpperInvariant());
            if (i < s.Length && s[i] == ')') { i++; return fields; }
            if (i >= s.Length || s[i] != ' ') throw Bad(s);
            i++;
        }
    }

    private static uint ReadNumber(string s, ref int i, bool nonZero)
    {
        int start = i;
        ulong v = 0;
        while (i < s.Length && s[i] >= '0' && s[i] <= '9')
        {
            v = v * 10 + (uint)(s[i] - '0');
            if (v > uint.MaxValue) throw Bad(s);
            i++;
        }
        if (i == start || (nonZero && v == 0)) throw Bad(s);
        return (uint)v;
    }

    private static ImapParseException Bad(string s) => new ImapParseException("Invalid FETCH section: " + s);

    public override string ToString() => "(" + string.Join(" ", Items) + ")";
}
