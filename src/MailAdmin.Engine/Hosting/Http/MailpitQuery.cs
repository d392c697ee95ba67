using System;
using System.Collections.Generic;
using System.Text;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// The subset of Mailpit's search syntax we take: free words (anywhere in subject, addresses,
/// Message-ID and the first 4 KB of body text), "quoted phrases", from:, to: (To, Cc and Bcc),
/// subject:, message-id:, is:read / is:unread; a leading '-' or '!' negates a term. All terms
/// must match (AND), case-insensitively, by substring. Other prefixes are searched as free text.
/// </summary>
internal sealed class MailpitQuery
{
    private readonly List<Term> _terms = new List<Term>();

    private enum Field { Text, From, To, Subject, MessageId, Read, Unread }

    private readonly struct Term
    {
        public Term(Field field, string value, bool negated)
        {
            Field = field;
            Value = value;
            Negated = negated;
        }

        public Field Field { get; }
        public string Value { get; }
        public bool Negated { get; }
    }

    public static MailpitQuery Parse(string query)
    {
        var result = new MailpitQuery();
        foreach (var token in Tokenize(query))
        {
            var text = token;
            var negated = false;
            if (text.Length > 1 && (text[0] == '-' || text[0] == '!')) { negated = true; text = text.Substring(1); }
            var colon = text.IndexOf(':');
            var field = Field.Text;
            if (colon > 0)
            {
                var prefix = text.Substring(0, colon).ToLowerInvariant();
                var value = text.Substring(colon + 1);
                switch (prefix)
                {
                    case "from": field = Field.From; text = value; break;
                    case "to": field = Field.To; text = value; break;
                    case "subject": field = Field.Subject; text = value; break;
                    case "message-id": field = Field.MessageId; text = value; break;
                    case "is" when value.Equals("read", StringComparison.OrdinalIgnoreCase): field = Field.Read; break;
                    case "is" when value.Equals("unread", StringComparison.OrdinalIgnoreCase): field = Field.Unread; break;
                }
            }
            text = text.Trim('"').ToLowerInvariant();
            if (text.Length == 0 && field != Field.Read && field != Field.Unread) continue;
            result._terms.Add(new Term(field, text, negated));
        }
        return result;
    }

    public bool Matches(MessageSummary summary, bool read)
    {
        foreach (var term in _terms)
        {
            bool hit = term.Field switch
            {
                Field.From => summary.SearchFrom.Contains(term.Value),
                Field.To => summary.SearchTo.Contains(term.Value),
                Field.Subject => summary.SearchSubject.Contains(term.Value),
                Field.MessageId => summary.MessageId.Trim('<', '>').ToLowerInvariant().Contains(term.Value.Trim('<', '>')),
                Field.Read => read,
                Field.Unread => !read,
                _ => summary.SearchText.Contains(term.Value),
            };
            if (hit == term.Negated) return false;
        }
        return true;
    }

    /// <summary>Words split at spaces, except inside double quotes (which may follow a prefix: subject:"a b").</summary>
    private static IEnumerable<string> Tokenize(string query)
    {
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in query)
        {
            if (c == '"') { quoted = !quoted; current.Append(c); continue; }
            if (char.IsWhiteSpace(c) && !quoted)
            {
                if (current.Length > 0) yield return current.ToString();
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        if (current.Length > 0) yield return current.ToString();
    }
}
