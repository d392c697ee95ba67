using System;
using System.Collections.Generic;
using System.Text;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>IMAP flag names for the store's flags, and back.</summary>
public static class ImapFlags
{
    private static readonly string[] Cache = new string[64];

    /// <summary>"(\Seen \Flagged ...)" with \Recent when the message is recent for this session.</summary>
    public static string Format(MessageFlags flags, bool recent)
    {
        int key = (int)(flags & (MessageFlags.Seen | MessageFlags.Answered | MessageFlags.Flagged | MessageFlags.Deleted | MessageFlags.Draft)) | (recent ? 32 : 0);
        return Cache[key] ??= Build(key);
    }

    /// <summary>As <see cref="Format(MessageFlags, bool)"/>, with the message's keywords after the system flags.</summary>
    public static string Format(MessageFlags flags, IReadOnlyList<string>? keywords, bool recent)
    {
        var system = Format(flags, recent);
        if (keywords == null || keywords.Count == 0) return system;
        var sb = new StringBuilder(system, 0, system.Length - 1, system.Length + 16 * keywords.Count);
        foreach (var k in keywords)
        {
            if (sb.Length > 1) sb.Append(' ');
            sb.Append(k);
        }
        return sb.Append(')').ToString();
    }

    private static string Build(int key)
    {
        var sb = new StringBuilder("(");
        void Add(string name) { if (sb.Length > 1) sb.Append(' '); sb.Append(name); }
        if ((key & (int)MessageFlags.Seen) != 0) Add("\\Seen");
        if ((key & (int)MessageFlags.Answered) != 0) Add("\\Answered");
        if ((key & (int)MessageFlags.Flagged) != 0) Add("\\Flagged");
        if ((key & (int)MessageFlags.Deleted) != 0) Add("\\Deleted");
        if ((key & (int)MessageFlags.Draft) != 0) Add("\\Draft");
        if ((key & 32) != 0) Add("\\Recent");
        return sb.Append(')').ToString();
    }

    /// <summary>Parses a flag list (the list's items, or one list token); keywords the store cannot keep are ignored.</summary>
    public static MessageFlags Parse(IReadOnlyList<ImapToken> flags)
    {
        if (flags == null) throw new ArgumentNullException(nameof(flags));
        if (flags.Count == 1 && flags[0].Kind == ImapTokenKind.List) flags = flags[0].Items;
        var result = MessageFlags.None;
        foreach (var token in flags)
        {
            if (token.Kind != ImapTokenKind.Atom) throw new ImapParseException("A flag must be an atom: " + token);
            var f = ParseOne(token.Text);
            if (f == null) throw new ImapParseException("Invalid flag: " + token.Text);
            result |= f.Value;
        }
        return result;
    }

    /// <summary>
    /// Parses a flag list into system flags and keywords (STORE, APPEND): \Recent and unknown \-flags are
    /// dropped, any other atom is a keyword. Throws <see cref="ImapParseException"/> for a non-atom.
    /// </summary>
    public static (MessageFlags Flags, IReadOnlyList<string> Keywords) ParseWithKeywords(IReadOnlyList<ImapToken> flags)
    {
        if (flags == null) throw new ArgumentNullException(nameof(flags));
        if (flags.Count == 1 && flags[0].Kind == ImapTokenKind.List) flags = flags[0].Items;
        var result = MessageFlags.None;
        List<string>? keywords = null;
        foreach (var token in flags)
        {
            // NIL is an atom here: a keyword named NIL (imaptest's nil script stores and fetches it).
            if (token.Kind != ImapTokenKind.Atom && token.Kind != ImapTokenKind.Nil) throw new ImapParseException("A flag must be an atom: " + token);
            var f = ParseOne(token.Text);
            if (f == null) throw new ImapParseException("Invalid flag: " + token.Text);
            result |= f.Value;
            if (f.Value == MessageFlags.None && token.Text[0] != '\\') (keywords ??= new List<string>()).Add(token.Text);
        }
        return (result, MessageKeywords.Normalize(keywords));
    }

    /// <summary>One flag name: a system flag, None for \Recent or a keyword, null when not a valid flag.</summary>
    internal static MessageFlags? ParseOne(string text)
    {
        if (text.Length == 0) return null;
        if (text[0] == '\\')
        {
            if (Eq(text, "\\Seen")) return MessageFlags.Seen;
            if (Eq(text, "\\Answered")) return MessageFlags.Answered;
            if (Eq(text, "\\Flagged")) return MessageFlags.Flagged;
            if (Eq(text, "\\Deleted")) return MessageFlags.Deleted;
            if (Eq(text, "\\Draft")) return MessageFlags.Draft;
            if (text.Length < 2 || !IsAtom(text, 1)) return null;
            return MessageFlags.None; // \Recent (not settable) or a flag extension: nothing to keep
        }
        return IsAtom(text, 0) ? MessageFlags.None : (MessageFlags?)null;
    }

    private static bool Eq(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool IsAtom(string text, int start)
    {
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (c <= ' ' || c >= 0x7F || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' || c == '"' || c == '\\' || c == ']') return false;
        }
        return true;
    }
}
