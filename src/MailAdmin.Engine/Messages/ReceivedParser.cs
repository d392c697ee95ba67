using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit.Utils;

namespace MailAdmin.Messages;

/// <summary>What one Received field says, as far as it could be read.</summary>
public sealed class ReceivedStamp
{
    /// <summary>The host named in the 'from' clause (its HELO/EHLO name or an address literal).</summary>
    public string? FromHost { get; internal set; }
    /// <summary>The comments of the 'from' clause, e.g. "mail.example.org [192.0.2.10]".</summary>
    public string? FromComment { get; internal set; }
    /// <summary>The sending host's IP address, from an address literal or the from-part's comments.</summary>
    public string? FromAddress { get; internal set; }
    public string? ByHost { get; internal set; }
    public string? ByComment { get; internal set; }
    public string? Via { get; internal set; }
    public string? With { get; internal set; }
    public string? Id { get; internal set; }
    public string? For { get; internal set; }
    /// <summary>The text after the last ';', as written.</summary>
    public string? DateText { get; internal set; }
    public DateTimeOffset? Timestamp { get; internal set; }
    /// <summary>Why the field is malformed, or null when it is well formed.</summary>
    public string? ParseError { get; internal set; }
}

/// <summary>
/// Reads a Received field (RFC 5321 §4.4) the way real MTAs write it: clauses in any order
/// or missing, comments anywhere (nested, holding words such as "from" or "by"), 'via',
/// multi-word 'with' values, and the date after the last ';' in any format MimeKit's
/// date parser accepts. It never throws: problems go to <see cref="ReceivedStamp.ParseError"/>.
/// </summary>
public static class ReceivedParser
{
    private static readonly string[] Keywords = { "from", "by", "via", "with", "id", "for" };

    public static ReceivedStamp Parse(string fieldBody)
    {
        if (fieldBody == null) throw new ArgumentNullException(nameof(fieldBody));
        var tokenizer = ReceivedTokenizer.Tokenize(fieldBody);
        return Parse(fieldBody, tokenizer.Tokens, tokenizer.Errors);
    }

    /// <summary>Builds the stamp from tokens already made (by a tokenizer fed in chunks).</summary>
    public static ReceivedStamp Parse(string fieldBody, IReadOnlyList<ReceivedToken> tokens, IReadOnlyList<string> tokenErrors)
    {
        var stamp = new ReceivedStamp();
        var errors = new List<string>(tokenErrors);

        int lastSemicolon = -1;
        for (int i = 0; i < tokens.Count; i++)
            if (tokens[i].Kind == ReceivedTokenKind.Semicolon) lastSemicolon = i;

        int clauseEnd = lastSemicolon >= 0 ? lastSemicolon : tokens.Count;
        ReadClauses(tokens, clauseEnd, stamp, errors);
        ReadDate(fieldBody, tokens, lastSemicolon, stamp, errors);

        if (stamp.FromHost == null && stamp.ByHost == null && stamp.With == null && stamp.Id == null && stamp.Via == null && stamp.For == null
            && !tokens.Take(clauseEnd).Any(t => t.Kind == ReceivedTokenKind.Comment))
            errors.Insert(0, "No clause (from, by, via, with, id, for) was found.");

        if (errors.Count > 0)
            stamp.ParseError = string.Join(" ", errors.Distinct());
        return stamp;
    }

    private sealed class Clause
    {
        public Clause(string keyword) => Keyword = keyword;
        public string Keyword { get; }
        public List<ReceivedToken> Values { get; } = new List<ReceivedToken>();
        public List<string> Comments { get; } = new List<string>();
    }

    private static void ReadClauses(IReadOnlyList<ReceivedToken> tokens, int end, ReceivedStamp stamp, List<string> errors)
    {
        var clauses = new List<Clause>();
        Clause? current = null;
        var stray = new List<string>();
        for (int i = 0; i < end; i++)
        {
            var token = tokens[i];
            if (token.Kind == ReceivedTokenKind.Atom && IsKeyword(token.Text))
            {
                current = new Clause(token.Text.ToLowerInvariant());
                clauses.Add(current);
            }
            else if (token.Kind == ReceivedTokenKind.Comment)
            {
                // A leading comment (qmail's "(qmail 123 invoked by uid 1000)") belongs to no clause.
                current?.Comments.Add(Squeeze(token.Text));
            }
            else if (token.Kind == ReceivedTokenKind.Semicolon)
            {
                // An earlier ';' than the last: tolerated, it ends nothing.
            }
            else if (current != null)
            {
                current.Values.Add(token);
            }
            else
            {
                stray.Add(token.Text);
            }
        }
        if (stray.Count > 0)
            errors.Add($"Unexpected text before the first clause: '{string.Join(" ", stray)}'.");

        foreach (var group in clauses.GroupBy(c => c.Keyword))
        {
            var clause = group.First();
            if (group.Count() > 1)
                errors.Add($"The '{clause.Keyword}' clause appears {group.Count()} times; the first is used.");
            var values = clause.Values.Select(v => v.Text).Where(v => v.Length > 0).ToList();
            if (values.Count == 0)
            {
                errors.Add($"The '{clause.Keyword}' clause has no value.");
                continue;
            }
            string? comment = clause.Comments.Count > 0 ? string.Join("; ", clause.Comments) : null;
            switch (clause.Keyword)
            {
                case "from":
                    stamp.FromHost = values[0];
                    stamp.FromComment = comment;
                    stamp.FromAddress = FindAddress(new[] { values[0] }.Concat(clause.Comments));
                    break;
                case "by":
                    stamp.ByHost = values[0];
                    stamp.ByComment = comment;
                    break;
                case "via":
                    stamp.Via = string.Join(" ", values);
                    break;
                case "with":
                    stamp.With = string.Join(" ", values);
                    break;
                case "id":
                    stamp.Id = string.Join(" ", values);
                    break;
                case "for":
                    stamp.For = string.Join(", ", values.Select(v => v.Trim(',')).Where(v => v.Length > 0));
                    break;
            }
        }
    }

    private static void ReadDate(string fieldBody, IReadOnlyList<ReceivedToken> tokens, int lastSemicolon, ReceivedStamp stamp, List<string> errors)
    {
        string? dateText = null;
        if (lastSemicolon >= 0)
        {
            dateText = fieldBody.Substring(tokens[lastSemicolon].End);
        }
        else
        {
            // An unclosed comment or quote may have swallowed the ';': look at the raw text.
            int raw = fieldBody.LastIndexOf(';');
            if (raw >= 0 && tokens.Count > 0 && errors.Count > 0)
                dateText = fieldBody.Substring(raw + 1);
        }
        dateText = dateText == null ? null : Squeeze(dateText);
        if (string.IsNullOrEmpty(dateText))
        {
            errors.Add("The header has no date (there is no date after a ';').");
            return;
        }
        stamp.DateText = dateText;
        if (TryParseDate(dateText!, out var timestamp))
            stamp.Timestamp = timestamp;
        else
            errors.Add($"The date '{dateText}' could not be read.");
    }

    private static readonly Regex FractionalSeconds = new Regex(@"(\d{1,2}:\d{2}:\d{2})[.,]\d+", RegexOptions.CultureInvariant);
    private static readonly Regex TrailingComment = new Regex(@"\s*\([^()]*\)\s*$", RegexOptions.CultureInvariant);

    /// <summary>MimeKit's lenient date parser, after removing what it does not expect (fractions of a second).</summary>
    internal static bool TryParseDate(string text, out DateTimeOffset timestamp)
    {
        // MimeKit reads "10:00:00.123" as midnight rather than failing: drop the fraction first.
        text = FractionalSeconds.Replace(text, "$1");
        if (DateUtils.TryParse(text, out timestamp))
            return true;
        var cleaned = TrailingComment.Replace(text, string.Empty);
        if (cleaned != text && DateUtils.TryParse(cleaned, out timestamp))
            return true;
        return DateTimeOffset.TryParse(cleaned, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal, out timestamp);
    }

    private static bool IsKeyword(string atom)
    {
        foreach (var keyword in Keywords)
            if (string.Equals(atom, keyword, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>The first IP address in an address literal ([192.0.2.1], [IPv6:2001:db8::1]) or bare in a comment.</summary>
    internal static string? FindAddress(IEnumerable<string> texts)
    {
        foreach (var text in texts)
        {
            foreach (var word in text.Split(new[] { ' ', '\t', '[', ']', '(', ')', '=', ',', ';' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = word.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase) ? word.Substring(5) : word;
                candidate = candidate.TrimEnd('.');
                bool looksLikeIp = candidate.Count(c => c == '.') == 3 || candidate.Contains(':');
                if (looksLikeIp && candidate.All(c => Uri.IsHexDigit(c) || c == '.' || c == ':') && IPAddress.TryParse(candidate, out var address))
                    return address.ToString();
            }
        }
        return null;
    }

    /// <summary>Collapses runs of white space (folding included) to one space.</summary>
    private static string Squeeze(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool space = false;
        foreach (var c in text)
        {
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            {
                space = builder.Length > 0;
                continue;
            }
            if (space) builder.Append(' ');
            space = false;
            builder.Append(c);
        }
        return builder.ToString();
    }
}
