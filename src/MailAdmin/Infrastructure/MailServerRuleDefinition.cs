using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using MailAdmin.Protocols.Smtp.Faults;

namespace MailAdmin.Commands;

/// <summary>
/// A fault rule as Add-MailServerRule's parameters describe it; Start-MailServer -Rule (and the
/// -ConfigurationPath file) give the same names as hashtable keys, so both paths build rules alike.
/// </summary>
internal sealed class MailServerRuleDefinition
{
    public SmtpFaultStage? Stage { get; set; }
    public string? Name { get; set; }
    public string? Sender { get; set; }
    public string? Recipient { get; set; }
    public string[]? ClientAddress { get; set; }
    public string? User { get; set; }
    public string? Reply { get; set; }
    public int? RateLimit { get; set; }
    public TimeSpan? Window { get; set; }
    public SmtpRateLimitScope? Per { get; set; }
    public TimeSpan? Delay { get; set; }
    public TimeSpan? MaxDelay { get; set; }
    public bool Disconnect { get; set; }
    public double? Probability { get; set; }
    public int? Seed { get; set; }

    private static readonly PropertyInfo[] Keys = typeof(MailServerRuleDefinition).GetProperties();

    /// <summary>Reads a hashtable whose keys are Add-MailServerRule's parameter names; ArgumentException for anything else.</summary>
    public static MailServerRuleDefinition FromHashtable(IDictionary table)
    {
        var definition = new MailServerRuleDefinition();
        foreach (DictionaryEntry entry in table)
        {
            var key = entry.Key?.ToString() ?? "";
            var property = Keys.FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"'{key}' is not a rule setting. Settings are Add-MailServerRule's parameter names: {string.Join(", ", Keys.Select(p => p.Name))}.");
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object? value;
            try
            {
                // A TimeSpan may be written as seconds, as the other -ConfigurationPath timeouts are.
                value = target == typeof(TimeSpan) && IsNumber(entry.Value)
                    ? TimeSpan.FromSeconds(Convert.ToDouble(PSObject.AsPSObject(entry.Value).BaseObject, CultureInfo.InvariantCulture))
                    : LanguagePrimitives.ConvertTo(entry.Value, target, CultureInfo.InvariantCulture);
            }
            catch (PSInvalidCastException ex)
            {
                throw new ArgumentException($"Rule setting '{key}': {ex.Message}", ex);
            }
            property.SetValue(definition, value);
        }
        return definition;
    }

    /// <summary>Start-MailServer -Rule: every hashtable as a checked rule; the first bad one goes to <paramref name="fail"/>, named by its position.</summary>
    public static List<SmtpFaultRule> ToRules(IEnumerable<Hashtable> tables, Action<ArgumentException> fail)
    {
        var rules = new List<SmtpFaultRule>();
        int index = 0;
        foreach (var table in tables)
        {
            index++;
            try
            {
                var rule = FromHashtable(table).ToRule();
                if (rule.Name != null && rules.Any(r => string.Equals(r.Name, rule.Name, StringComparison.OrdinalIgnoreCase)))
                    throw new ArgumentException($"A rule named '{rule.Name}' comes twice.");
                rules.Add(rule);
            }
            catch (ArgumentException ex) { fail(new ArgumentException($"-Rule {index}: {ex.Message}", ex)); }
        }
        return rules;
    }

    private static bool IsNumber(object? value) => PSObject.AsPSObject(value).BaseObject is int or long or double or decimal;

    /// <summary>The engine rule, checked; ArgumentException says what is missing or wrong.</summary>
    public SmtpFaultRule ToRule()
    {
        if (Stage is not SmtpFaultStage stage)
            throw new ArgumentException("A rule needs a Stage: " + string.Join(", ", Enum.GetNames(typeof(SmtpFaultStage))) + ".");
        var actions = new[] { RateLimit != null ? "RateLimit" : null, Delay != null ? "Delay" : null, Disconnect ? "Disconnect" : null, RateLimit == null && Reply != null ? "Reply" : null }
            .Where(a => a != null).ToList();
        if (actions.Count != 1)
            throw new ArgumentException(actions.Count == 0
                ? "A rule needs one action: Reply, RateLimit (with Window), Delay or Disconnect."
                : "A rule has one action; this one has " + string.Join(" and ", actions) + ".");
        if (MaxDelay != null && Delay == null) throw new ArgumentException("MaxDelay goes with Delay.");
        if (Window != null && RateLimit == null) throw new ArgumentException("Window goes with RateLimit.");
        if (Per != null && RateLimit == null) throw new ArgumentException("Per goes with RateLimit.");
        var action = (SmtpFaultAction)Enum.Parse(typeof(SmtpFaultAction), actions[0]!);
        var rule = new SmtpFaultRule(stage, action)
        {
            Name = Name,
            Sender = Sender,
            Recipient = Recipient,
            ClientAddress = ClientAddress,
            User = User,
            Reply = Reply != null ? SmtpFaultReply.Parse(Reply) : null,
            RateLimit = RateLimit ?? 0,
            Window = Window ?? TimeSpan.Zero,
            RateLimitScope = Per ?? SmtpRateLimitScope.ClientAddress,
            Delay = Delay ?? TimeSpan.Zero,
            MaxDelay = MaxDelay,
            Probability = Probability ?? 1,
            Seed = Seed,
        };
        rule.Validate();
        return rule;
    }
}
