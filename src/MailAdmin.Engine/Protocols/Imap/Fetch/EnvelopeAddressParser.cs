using System;
using System.Collections.Generic;
using System.Text;

namespace MailAdmin.Protocols.Imap;

/// <summary>One address of an ENVELOPE (RFC 3501 §7.4.2): name, route, mailbox, host; a group start or end when Host is null.</summary>
internal readonly struct EnvelopeAddress
{
    public EnvelopeAddress(string? name, string? route, string? mailbox, string? host)
    {
        Name = name;
        Route = route;
        Mailbox = mailbox;
        Host = host;
    }

    public string? Name { get; }
    public string? Route { get; }
    public string? Mailbox { get; }
    public string? Host { get; }
}

/// <summary>
/// RFC 5322 address lists (with the obsolete route syntax and groups) read leniently from the raw
/// header text, words left as written: encoded-words stay encoded, as ENVELOPE wants them.
/// </summary>
internal static class EnvelopeAddressParser
{
    /// <summary>Stands for a missing domain ("user" alone): NIL would mean a group, "" confuses clients (Dovecot says the same).</summary>
    public const string MissingDomain = "MISSING_DOMAIN";

    /// <summary>Stands for a missing local part ("&lt;&gt;", "@example.com").</summary>
    public const string MissingMailbox = "MISSING_MAILBOX";

    private enum Kind { Atom, Quoted, Comment, DomainLiteral, Special }

    private static readonly Dictionary<char, string> Specials = new Dictionary<char, string>
    {
        ['<'] = "<",
        ['>'] = ">",
        ['@'] = "@",
        [','] = ",",
        [';'] = ";",
        [':'] = ":",
    };

    private readonly struct Token
    {
        public Token(Kind kind, string text, bool spaceBefore) { Kind = kind; Text = text; SpaceBefore = spaceBefore; }
        public Kind Kind { get; }
        public bool SpaceBefore { get; }
        public string Text { get; }
        public bool Is(char special) => Kind == Kind.Special && Text[0] == special;
    }

    public static List<EnvelopeAddress> Parse(string value)
    {
        var tokens = Lex(value);
        var result = new List<EnvelopeAddress>();
        int i = 0;
        while (i < tokens.Count)
        {
            if (tokens[i].Is(',') || tokens[i].Is(';') || tokens[i].Is('>')) { i++; continue; }
            ParseOne(tokens, ref i, result, allowGroup: true);
        }
        return result;
    }

    private static void ParseOne(List<Token> t, ref int i, List<EnvelopeAddress> result, bool allowGroup)
    {
        var phrase = new List<Token>();
        string? comment = null;
        while (i < t.Count)
        {
            var tok = t[i];
            if (tok.Is('<') || tok.Is('@') || tok.Is(',') || tok.Is(';')) break;
            if (tok.Is(':'))
            {
                if (allowGroup) break;
                i++;
                continue;
            }
            if (tok.Kind == Kind.Comment) comment = tok.Text;
            else if (!tok.Is('>')) phrase.Add(tok);
            i++;
        }

        if (i < t.Count && t[i].Is(':'))
        {
            i++;
            result.Add(new EnvelopeAddress(null, null, Phrase(phrase) ?? string.Empty, null));
            while (i < t.Count && !t[i].Is(';'))
            {
                if (t[i].Is(',') || t[i].Is('>')) { i++; continue; }
                ParseOne(t, ref i, result, allowGroup: false);
            }
            if (i < t.Count) i++; // ';'
            result.Add(new EnvelopeAddress(null, null, null, null));
            return;
        }

        if (i < t.Count && t[i].Is('<'))
        {
            i++;
            string? route = null;
            if (i < t.Count && t[i].Is('@'))
            {
                var sb = new StringBuilder();
                while (i < t.Count && !t[i].Is(':') && !t[i].Is('>'))
                {
                    if (t[i].Kind != Kind.Comment) sb.Append(t[i].Text);
                    i++;
                }
                if (i < t.Count && t[i].Is(':')) { i++; route = sb.ToString(); }
            }
            var local = new List<Token>();
            while (i < t.Count && !t[i].Is('@') && !t[i].Is('>') && !t[i].Is(',') && !t[i].Is(';'))
            {
                if (t[i].Kind != Kind.Comment) local.Add(t[i]);
                i++;
            }
            string host = MissingDomain;
            if (i < t.Count && t[i].Is('@'))
            {
                i++;
                host = Domain(t, ref i, '>');
            }
            if (i < t.Count && t[i].Is('>')) i++;
            // Anything up to the next separator: a comment may name the mailbox.
            while (i < t.Count && !t[i].Is(',') && !t[i].Is(';'))
            {
                if (t[i].Kind == Kind.Comment && comment == null) comment = t[i].Text;
                i++;
            }
            result.Add(new EnvelopeAddress(Phrase(phrase) ?? NullIfEmpty(comment), route, Mailbox(local), host.Length == 0 ? MissingDomain : host));
            return;
        }

        if (i < t.Count && t[i].Is('@'))
        {
            i++;
            var host = Domain(t, ref i, ',', ref comment);
            result.Add(new EnvelopeAddress(NullIfEmpty(comment), null, Mailbox(phrase), host.Length == 0 ? MissingDomain : host));
            return;
        }

        if (phrase.Count > 0)
            result.Add(new EnvelopeAddress(NullIfEmpty(comment), null, Mailbox(phrase), MissingDomain));
    }

    private static string Domain(List<Token> t, ref int i, char stop)
    {
        string? ignored = null;
        return Domain(t, ref i, stop, ref ignored);
    }

    private static string Domain(List<Token> t, ref int i, char stop, ref string? comment)
    {
        // The usual case, one atom up to the end or a separator: no building.
        if (i < t.Count && t[i].Kind == Kind.Atom && (i + 1 == t.Count || IsSeparator(t[i + 1])))
            return t[i++].Text;
        var sb = new StringBuilder();
        while (i < t.Count && !t[i].Is(stop) && !t[i].Is(',') && !t[i].Is(';') && !t[i].Is('>'))
        {
            if (t[i].Kind == Kind.Comment) { if (comment == null) comment = t[i].Text; }
            else if (t[i].Kind == Kind.Quoted) sb.Append(t[i].Text);
            else sb.Append(t[i].Text);
            i++;
        }
        return sb.ToString();
    }

    private static bool IsSeparator(Token t) => t.Is(',') || t.Is(';') || t.Is('>');

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    // display-name: words joined by one space, quoted strings unquoted.
    private static string? Phrase(List<Token> words)
    {
        if (words.Count == 0) return null;
        if (words.Count == 1) return words[0].Text;
        var sb = new StringBuilder();
        foreach (var w in words)
        {
            if (sb.Length > 0 && w.SpaceBefore) sb.Append(' ');
            sb.Append(w.Text);
        }
        return sb.ToString();
    }

    private static string Mailbox(List<Token> words)
    {
        var local = Local(words);
        return local.Length == 0 ? MissingMailbox : local;
    }

    // local-part: atoms and dots as written, quoted strings kept quoted.
    private static string Local(List<Token> words)
    {
        if (words.Count == 1 && words[0].Kind == Kind.Atom) return words[0].Text;
        var sb = new StringBuilder();
        foreach (var w in words)
        {
            if (w.Kind == Kind.Quoted)
            {
                sb.Append('"');
                foreach (char c in w.Text)
                {
                    if (c == '"' || c == '\\') sb.Append('\\');
                    sb.Append(c);
                }
                sb.Append('"');
            }
            else sb.Append(w.Text);
        }
        return sb.ToString();
    }

    private static string Unescape(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length) i++;
            sb.Append(text[i]);
        }
        return sb.ToString();
    }

    [ThreadStatic] private static List<Token>? _tokens;

    private static List<Token> Lex(string s)
    {
        var list = _tokens ??= new List<Token>(32);
        list.Clear();
        int i = 0;
        bool space = false;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') { i++; space = true; continue; }
            bool sp = space;
            space = c == '(';
            switch (c)
            {
                case '"':
                    {
                        int start = ++i;
                        bool escaped = false;
                        while (i < s.Length && s[i] != '"')
                        {
                            if (s[i] == '\\' && i + 1 < s.Length) { escaped = true; i++; }
                            i++;
                        }
                        var text = s.Substring(start, Math.Min(i, s.Length) - start);
                        if (escaped) text = Unescape(text);
                        i++;
                        list.Add(new Token(Kind.Quoted, text, sp));
                        continue;
                    }
                case '(':
                    {
                        var sb = new StringBuilder();
                        int depth = 1;
                        i++;
                        while (i < s.Length)
                        {
                            char d = s[i];
                            if (d == '\\' && i + 1 < s.Length) { sb.Append(s[i + 1]); i += 2; continue; }
                            if (d == '(') depth++;
                            else if (d == ')' && --depth == 0) { i++; break; }
                            sb.Append(d);
                            i++;
                        }
                        list.Add(new Token(Kind.Comment, sb.ToString().Trim(), sp));
                        continue;
                    }
                case '[':
                    {
                        int start = i;
                        while (i < s.Length && s[i] != ']') { if (s[i] == '\\') i++; i++; }
                        i = System.Math.Min(i + 1, s.Length);
                        list.Add(new Token(Kind.DomainLiteral, s.Substring(start, i - start), sp));
                        continue;
                    }
                case '<':
                case '>':
                case '@':
                case ',':
                case ';':
                case ':':
                    list.Add(new Token(Kind.Special, Specials[c], sp));
                    i++;
                    continue;
            }
            int atomStart = i;
            while (i < s.Length)
            {
                char d = s[i];
                if (d == ' ' || d == '\t' || d == '\r' || d == '\n' || d == '"' || d == '(' || d == ')' || d == '[' || d == ']'
                    || d == '<' || d == '>' || d == '@' || d == ',' || d == ';' || d == ':' || d == '\\') break;
                i++;
            }
            if (i == atomStart) i++; // a stray ')' ']' or '\'
            else list.Add(new Token(Kind.Atom, s.Substring(atomStart, i - atomStart), sp));
        }
        return list;
    }
}
