using System;
using System.Collections.Generic;

namespace MailAdmin.Delivery;

/// <summary>
/// A <see cref="MessageTraceQuery"/> made ready to test events: patterns compiled once, the
/// Message-ID without its angle brackets (the trace stores it bare, users paste it either way).
/// Shared by every trace store so that the same query means the same thing in memory and on disk.
/// </summary>
internal sealed class MessageTraceFilter
{
    private readonly string? _messageId;
    private readonly Func<string, bool>? _sender;
    private readonly Func<string, bool>? _recipient;
    private readonly DateTimeOffset? _start;
    private readonly DateTimeOffset? _end;
    private readonly HashSet<MessageTraceStatus>? _status;
    private readonly string? _queueId;

    public MessageTraceFilter(MessageTraceQuery query)
    {
        _messageId = string.IsNullOrEmpty(query.MessageId) ? null : BareMessageId(query.MessageId!);
        _sender = query.Sender == null ? null : Wildcard.Compile(query.Sender);
        _recipient = query.Recipient == null ? null : Wildcard.Compile(query.Recipient);
        _start = query.Start;
        _end = query.End;
        _status = query.Status == null || query.Status.Count == 0 ? null : new HashSet<MessageTraceStatus>(query.Status);
        _queueId = string.IsNullOrEmpty(query.QueueId) ? null : query.QueueId;
        Limit = query.MaxResults is int max && max > 0 ? max : int.MaxValue;
    }

    /// <summary>How many matches the caller wants at most.</summary>
    public int Limit { get; }

    /// <summary>
    /// Events are written in about time order (threads race by milliseconds; an event may carry a time
    /// taken a little before it is written), so a reader going newest first may stop at the first
    /// event this much older than -Start: an hour of extra reading bounds the cost of a -Start search.
    /// </summary>
    public static readonly TimeSpan OrderSlack = TimeSpan.FromHours(1);

    /// <summary>True once a newest-first reader has gone past -Start (with slack): nothing older can match.</summary>
    public bool IsPastStart(MessageTraceEvent e) => _start is DateTimeOffset start && e.Timestamp < start - OrderSlack;

    /// <summary>
    /// A cheap test on a stored JSON line before it is parsed: false when the line cannot hold the
    /// -MessageId or -QueueId asked for (the common "follow one message" search then skips parsing
    /// almost every line). Only for values that JSON writes unescaped, so it never rules out a match.
    /// </summary>
    public bool MayMatchLine(string line)
    {
        if (_messageId != null && IsVerbatimInJson(_messageId) && line.IndexOf(_messageId, StringComparison.OrdinalIgnoreCase) < 0) return false;
        if (_queueId != null && IsVerbatimInJson(_queueId) && line.IndexOf(_queueId, StringComparison.OrdinalIgnoreCase) < 0) return false;
        return true;
    }

    private static bool IsVerbatimInJson(string value)
    {
        foreach (var c in value)
        {
            if (c == '"' || c == '\\' || c < 0x20 || c == '\u2028' || c == '\u2029') return false;
        }
        return true;
    }

    public bool IsMatch(MessageTraceEvent e)
    {
        if (_status != null && !_status.Contains(e.Status)) return false;
        if (_start is DateTimeOffset start && e.Timestamp < start) return false;
        if (_end is DateTimeOffset end && e.Timestamp > end) return false;
        if (_queueId != null && !string.Equals(_queueId, e.QueueId, StringComparison.OrdinalIgnoreCase)) return false;
        if (_messageId != null && (e.MessageId == null || !string.Equals(_messageId, BareMessageId(e.MessageId), StringComparison.OrdinalIgnoreCase))) return false;
        if (_sender != null && !_sender(e.Sender ?? "")) return false;
        if (_recipient != null && !_recipient(e.Recipient ?? "")) return false;
        return true;
    }

    private static string BareMessageId(string id)
    {
        var s = id.Trim();
        if (s.Length >= 2 && s[0] == '<' && s[s.Length - 1] == '>') s = s.Substring(1, s.Length - 2);
        return s;
    }
}

/// <summary>PowerShell-style wildcards (* and ?, case-insensitive) for the engine, which has no WildcardPattern.</summary>
internal static class Wildcard
{
    public static Func<string, bool> Compile(string pattern)
    {
        if (pattern.IndexOfAny(new[] { '*', '?' }) < 0)
            return s => string.Equals(s, pattern, StringComparison.OrdinalIgnoreCase);
        var p = pattern.ToLowerInvariant();
        return s => Match(p, s.ToLowerInvariant());
    }

    /// <summary>Greedy match with one backtrack point per '*': linear in practice, never exponential.</summary>
    private static bool Match(string p, string s)
    {
        int pi = 0, si = 0, star = -1, mark = 0;
        while (si < s.Length)
        {
            if (pi < p.Length && (p[pi] == '?' || p[pi] == s[si])) { pi++; si++; }
            else if (pi < p.Length && p[pi] == '*') { star = pi++; mark = si; }
            else if (star >= 0) { pi = star + 1; si = ++mark; }
            else return false;
        }
        while (pi < p.Length && p[pi] == '*') pi++;
        return pi == p.Length;
    }
}
