using System;
using System.Collections.Generic;
using System.Linq;

namespace MailAdmin.Protocols.Smtp.Faults;

/// <summary>
/// A server's fault rules. Sessions read a snapshot array without locking, at every step, so a
/// rule added or removed applies at once to new and running sessions; changes copy the array.
/// At a stage the rules are tried in the order they were added: every Delay rule that fires adds
/// its wait, a RateLimit rule under its limit counts the event and lets it through, and the first
/// Reply or Disconnect rule that fires (or RateLimit past its limit) decides the step; later
/// rules are not consulted.
/// </summary>
public sealed class SmtpFaultRuleSet
{
    private readonly object _gate = new();
    private volatile SmtpFaultRule[] _rules = Array.Empty<SmtpFaultRule>();
    private int _nextId;

    /// <param name="server">The server name the rules show (Get-MailServerRule).</param>
    public SmtpFaultRuleSet(string? server = null) => ServerName = server;

    public string? ServerName { get; }

    /// <summary>The clock of the rate limits (tests move it by hand).</summary>
    internal Func<DateTime> UtcNow { get; set; } = () => DateTime.UtcNow;

    public IReadOnlyList<SmtpFaultRule> Rules => _rules;

    /// <summary>No rule: the common case, which sessions check before building a context.</summary>
    public bool IsEmpty => _rules.Length == 0;

    /// <summary>Checks the rule (ArgumentException), gives it an id and adds it last. A name must be unique.</summary>
    public SmtpFaultRule Add(SmtpFaultRule rule)
    {
        if (rule == null) throw new ArgumentNullException(nameof(rule));
        rule.Prepare();
        lock (_gate)
        {
            if (_rules.Contains(rule)) throw new ArgumentException("The rule was already added.");
            if (rule.Name != null && _rules.Any(r => string.Equals(r.Name, rule.Name, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"A rule named '{rule.Name}' exists already.");
            rule.Id = ++_nextId;
            rule.Server = ServerName;
            _rules = _rules.Concat(new[] { rule }).ToArray();
        }
        return rule;
    }

    public bool Remove(SmtpFaultRule rule)
    {
        lock (_gate)
        {
            var rest = _rules.Where(r => !ReferenceEquals(r, rule)).ToArray();
            if (rest.Length == _rules.Length) return false;
            _rules = rest;
            return true;
        }
    }

    /// <summary>Removes every rule (test teardown); ids go on counting.</summary>
    public void Clear()
    {
        lock (_gate) _rules = Array.Empty<SmtpFaultRule>();
    }

    public SmtpFaultOutcome Evaluate(SmtpFaultStage stage, in SmtpFaultContext context)
    {
        var rules = _rules;
        if (rules.Length == 0) return SmtpFaultOutcome.None;
        TimeSpan delay = TimeSpan.Zero;
        foreach (var rule in rules)
        {
            if (rule.Stage != stage || !rule.IsMatch(context) || !rule.Draws()) continue;
            switch (rule.Action)
            {
                case SmtpFaultAction.Delay:
                    rule.CountHit();
                    delay += rule.NextDelay();
                    continue;
                case SmtpFaultAction.RateLimit:
                    if (rule.Admits(context, UtcNow())) continue;
                    rule.CountHit();
                    return new SmtpFaultOutcome(delay, rule.Reply, false);
                case SmtpFaultAction.Reply:
                    rule.CountHit();
                    return new SmtpFaultOutcome(delay, rule.Reply, false);
                case SmtpFaultAction.Disconnect:
                    rule.CountHit();
                    return new SmtpFaultOutcome(delay, null, true);
            }
        }
        return new SmtpFaultOutcome(delay, null, false);
    }
}
