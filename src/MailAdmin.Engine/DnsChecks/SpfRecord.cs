using System;
using System.Collections.Generic;
using System.Linq;

namespace MailAdmin.DnsChecks;

/// <summary>One term of an SPF record (RFC 7208 §4.6.1): a mechanism with its qualifier, or a modifier.</summary>
public sealed class SpfMechanism
{
    internal SpfMechanism(char qualifier, string name, string? value, bool isModifier)
    {
        Qualifier = qualifier;
        Name = name;
        Value = value;
        IsModifier = isModifier;
    }

    /// <summary>'+' pass, '-' fail, '~' softfail, '?' neutral; '\0' for a modifier.</summary>
    public char Qualifier { get; }

    /// <summary>The result a match gives: Pass, Fail, SoftFail, Neutral (empty for a modifier).</summary>
    public string Result => Qualifier switch { '+' => "Pass", '-' => "Fail", '~' => "SoftFail", '?' => "Neutral", _ => "" };

    /// <summary>Lower-case mechanism or modifier name: all, include, a, mx, ptr, ip4, ip6, exists, redirect, exp, ...</summary>
    public string Name { get; }

    /// <summary>What follows ':' or '=' (domain-spec, address, CIDR lengths), or null.</summary>
    public string? Value { get; }

    public bool IsModifier { get; }

    /// <summary>Terms that cost a DNS lookup toward the limit of 10 (RFC 7208 §4.6.4).</summary>
    public bool CountsLookup => Name is "include" or "a" or "mx" or "ptr" or "exists" or "redirect";

    public override string ToString() =>
        IsModifier ? $"{Name}={Value}" : (Qualifier == '+' ? "" : Qualifier.ToString()) + Name + (Value == null ? "" : Value.StartsWith("/", StringComparison.Ordinal) ? Value : ":" + Value);
}

/// <summary>
/// A published SPF record (RFC 7208): its text, its terms, the DNS lookups it costs in
/// total (its includes and redirect followed), and what is wrong with it.
/// </summary>
public sealed class SpfRecord
{
    private static readonly string[] KnownMechanisms = { "all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists" };

    private SpfRecord(string record, IReadOnlyList<SpfMechanism> terms, IReadOnlyList<string> errors)
    {
        Record = record;
        Mechanisms = terms;
        Errors = errors;
    }

    public string Record { get; }

    /// <summary>The terms in record order, modifiers included.</summary>
    public IReadOnlyList<SpfMechanism> Mechanisms { get; }

    /// <summary>Syntax errors; any makes the record a permerror (RFC 7208 §4.6).</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Lookups this record's own terms cost.</summary>
    public int OwnLookupCount => Mechanisms.Count(m => m.CountsLookup && !(m.Name == "redirect" && HasAll));

    /// <summary>Lookups in total, includes and redirect followed; set by the DNS check.</summary>
    public int LookupCount { get; internal set; }

    /// <summary>How the SPF check came out (the worst of its findings); set by the DNS check.</summary>
    public MailFindingStatus Status { get; internal set; }

    /// <summary>An 'all' mechanism makes a redirect modifier ineffective (RFC 7208 §6.1).</summary>
    public bool HasAll => Mechanisms.Any(m => m.Name == "all");

    /// <summary>The redirect target, when it takes effect.</summary>
    public string? Redirect => HasAll ? null : Mechanisms.FirstOrDefault(m => m.Name == "redirect")?.Value;

    public IEnumerable<string> Includes => Mechanisms.Where(m => m.Name == "include" && m.Value != null).Select(m => m.Value!);

    public override string ToString() => Record;

    /// <summary>Whether a TXT string is an SPF record at all: "v=spf1" alone or followed by a space (§4.5).</summary>
    public static bool IsSpf(string text) =>
        text.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (text.Length == 6 || text[6] == ' ');

    /// <summary>Parses a record that <see cref="IsSpf"/> accepted. Never throws; problems land in Errors.</summary>
    public static SpfRecord Parse(string record)
    {
        var terms = new List<SpfMechanism>();
        var errors = new List<string>();
        var seenModifiers = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var term in record.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var parsed = ParseTerm(term, errors);
            if (parsed == null) continue;
            if (parsed.IsModifier && (parsed.Name == "redirect" || parsed.Name == "exp") && !seenModifiers.Add(parsed.Name))
                errors.Add($"modifier '{parsed.Name}' appears more than once");
            terms.Add(parsed);
        }
        return new SpfRecord(record, terms, errors);
    }

    private static SpfMechanism? ParseTerm(string term, List<string> errors)
    {
        // A modifier is name=value where name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
        var equals = term.IndexOf('=');
        var colon = term.IndexOf(':');
        if (equals > 0 && (colon < 0 || equals < colon) && IsModifierName(term.Substring(0, equals)))
            return new SpfMechanism('\0', term.Substring(0, equals).ToLowerInvariant(), term.Substring(equals + 1), isModifier: true);

        var qualifier = '+';
        var rest = term;
        if ("+-~?".IndexOf(term[0]) >= 0)
        {
            qualifier = term[0];
            rest = term.Substring(1);
        }
        // The name ends at ':' (a domain-spec or address follows) or '/' (a CIDR length follows).
        var end = rest.IndexOfAny(new[] { ':', '/' });
        var name = (end < 0 ? rest : rest.Substring(0, end)).ToLowerInvariant();
        string? value = end < 0 ? null : rest[end] == ':' ? rest.Substring(end + 1) : rest.Substring(end);
        if (Array.IndexOf(KnownMechanisms, name) < 0)
        {
            errors.Add($"unknown mechanism '{term}'");
            return null;
        }
        var problem = CheckValue(name, value);
        if (problem != null)
        {
            errors.Add($"'{term}': {problem}");
            return null;
        }
        return new SpfMechanism(qualifier, name, value, isModifier: false);
    }

    private static string? CheckValue(string name, string? value)
    {
        switch (name)
        {
            case "all":
                return value == null ? null : "'all' takes no argument";
            case "include":
            case "exists":
                return string.IsNullOrEmpty(value) ? "needs a domain" : null;
            case "ip4":
            case "ip6":
                if (string.IsNullOrEmpty(value)) return "needs an address";
                var slash = value!.IndexOf('/');
                var address = slash < 0 ? value : value.Substring(0, slash);
                if (!System.Net.IPAddress.TryParse(address, out var ip) ||
                    ip.AddressFamily != (name == "ip4" ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6))
                    return $"'{address}' is not an {(name == "ip4" ? "IPv4" : "IPv6")} address";
                if (slash >= 0 && !(int.TryParse(value.Substring(slash + 1), out var length) && length >= 0 && length <= (name == "ip4" ? 32 : 128)))
                    return "bad prefix length";
                return null;
            default:
                return value != null && value.Length == 0 ? "empty argument" : null;
        }
    }

    private static bool IsModifierName(string name)
    {
        if (name.Length == 0 || !char.IsLetter(name[0]) || name[0] > 127) return false;
        return name.All(c => c < 128 && (char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.'));
    }
}
