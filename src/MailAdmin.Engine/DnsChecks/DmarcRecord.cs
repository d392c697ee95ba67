using System;
using System.Collections.Generic;
using System.Linq;

namespace MailAdmin.DnsChecks;

/// <summary>A DMARC policy record (RFC 7489 §6.3) at _dmarc.&lt;domain&gt;, its tags parsed.</summary>
public sealed class DmarcRecord
{
    private DmarcRecord(string record, IReadOnlyDictionary<string, string> tags, IReadOnlyList<string> errors)
    {
        Record = record;
        Tags = tags;
        Errors = errors;
    }

    public string Record { get; }

    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>Problems that make the record invalid (a receiver would ignore it).</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>p: none, quarantine or reject.</summary>
    public string? Policy => Tags.Get("p")?.ToLowerInvariant();

    /// <summary>sp, which defaults to p (§6.3).</summary>
    public string? SubdomainPolicy => Tags.Get("sp")?.ToLowerInvariant() ?? Policy;

    /// <summary>pct, the share of failing mail the policy applies to; 100 by default.</summary>
    public int Pct => int.TryParse(Tags.Get("pct"), out var pct) ? pct : 100;

    /// <summary>rua: where aggregate reports go (URIs, any "!size" limit removed).</summary>
    public IReadOnlyList<string> Rua => Uris("rua");

    /// <summary>ruf: where failure reports go.</summary>
    public IReadOnlyList<string> Ruf => Uris("ruf");

    /// <summary>adkim: r (relaxed, the default) or s (strict) DKIM alignment.</summary>
    public string Adkim => Tags.Get("adkim")?.ToLowerInvariant() ?? "r";

    /// <summary>aspf: r (relaxed, the default) or s (strict) SPF alignment.</summary>
    public string Aspf => Tags.Get("aspf")?.ToLowerInvariant() ?? "r";

    /// <summary>fo: when failure reports are wanted; "0" by default.</summary>
    public string FailureOptions => Tags.Get("fo") ?? "0";

    public override string ToString() => Record;

    /// <summary>Whether a TXT string is a DMARC record: it starts with the v=DMARC1 tag.</summary>
    public static bool IsDmarc(string text)
    {
        var first = text.Split(';')[0].Replace(" ", "").Replace("\t", "");
        return first.Equals("v=DMARC1", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Parses a record that <see cref="IsDmarc"/> accepted. Never throws.</summary>
    public static DmarcRecord Parse(string record)
    {
        var errors = new List<string>();
        var tags = DnsTagList.Parse(record, errors);
        // p must come right after v (§6.4); a record without it is ignored by receivers.
        var order = record.Split(';').Select(t => t.Split('=')[0].Trim()).Where(t => t.Length > 0).ToList();
        if (order.Count < 2 || !order[1].Equals("p", StringComparison.OrdinalIgnoreCase))
            errors.Add(tags.ContainsKey("p") ? "the p tag must follow v=DMARC1" : "no p (policy) tag");
        CheckChoice(tags, "p", errors, "none", "quarantine", "reject");
        CheckChoice(tags, "sp", errors, "none", "quarantine", "reject");
        CheckChoice(tags, "adkim", errors, "r", "s");
        CheckChoice(tags, "aspf", errors, "r", "s");
        if (tags.Get("pct") is string pct && !(int.TryParse(pct, out var n) && n >= 0 && n <= 100))
            errors.Add($"pct={pct} is not a number from 0 to 100");
        foreach (var name in new[] { "rua", "ruf" })
            foreach (var uri in SplitUris(tags.Get(name)))
                if (!Uri.TryCreate(uri, UriKind.Absolute, out _))
                    errors.Add($"{name} entry '{uri}' is not a URI");
        return new DmarcRecord(record, tags, errors);
    }

    private static void CheckChoice(IReadOnlyDictionary<string, string> tags, string name, List<string> errors, params string[] allowed)
    {
        var value = tags.Get(name);
        if (value != null && !allowed.Contains(value, StringComparer.OrdinalIgnoreCase))
            errors.Add($"{name}={value} is not one of {string.Join(", ", allowed)}");
    }

    private IReadOnlyList<string> Uris(string tag) => SplitUris(Tags.Get(tag)).ToList();

    /// <summary>A comma-separated list of URIs, each optionally followed by "!size[kmgt]" (§6.2).</summary>
    private static IEnumerable<string> SplitUris(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) yield break;
        foreach (var entry in value!.Split(','))
        {
            var uri = entry.Trim();
            var bang = uri.LastIndexOf('!');
            if (bang > 0) uri = uri.Substring(0, bang);
            if (uri.Length > 0) yield return uri;
        }
    }
}
