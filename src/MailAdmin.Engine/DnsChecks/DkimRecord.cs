using System.Collections.Generic;

namespace MailAdmin.DnsChecks;

/// <summary>A DKIM public key record (RFC 6376 §3.6.1) at &lt;selector&gt;._domainkey.&lt;domain&gt;.</summary>
public sealed class DkimRecord
{
    internal DkimRecord(string selector, string name, string record, IReadOnlyDictionary<string, string> tags, IReadOnlyList<string> errors)
    {
        Selector = selector;
        Name = name;
        Record = record;
        Tags = tags;
        Errors = errors;
    }

    public string Selector { get; }

    /// <summary>The DNS name queried.</summary>
    public string Name { get; }

    public string Record { get; }

    public IReadOnlyDictionary<string, string> Tags { get; }

    public IReadOnlyList<string> Errors { get; }

    /// <summary>k: the key type, rsa by default.</summary>
    public string KeyType => Tags.Get("k") ?? "rsa";

    /// <summary>False when p= is empty: the key was revoked (§3.6.1).</summary>
    public bool HasKey => !string.IsNullOrWhiteSpace(Tags.Get("p"));

    public override string ToString() => Record;

    public static DkimRecord Parse(string selector, string name, string record)
    {
        var errors = new List<string>();
        var tags = DnsTagList.Parse(record, errors);
        if (tags.Get("v") is string v && v != "DKIM1") errors.Add($"v={v} is not DKIM1");
        if (!tags.ContainsKey("p")) errors.Add("no p (public key) tag");
        return new DkimRecord(selector, name, record, tags, errors);
    }
}

/// <summary>
/// A tag=value TXT record announcing a policy: MTA-STS (_mta-sts, RFC 8461 §3.1), TLS-RPT
/// (_smtp._tls, RFC 8460 §3) or BIMI (default._bimi).
/// </summary>
public sealed class MailPolicyRecord
{
    internal MailPolicyRecord(string name, string record, IReadOnlyDictionary<string, string> tags, IReadOnlyList<string> errors)
    {
        Name = name;
        Record = record;
        Tags = tags;
        Errors = errors;
    }

    /// <summary>The DNS name queried.</summary>
    public string Name { get; }

    public string Record { get; }

    public IReadOnlyDictionary<string, string> Tags { get; }

    public IReadOnlyList<string> Errors { get; }

    public string? Version => Tags.Get("v");

    public override string ToString() => Record;

    /// <summary>Parses a record, requiring v=<paramref name="version"/> first and the <paramref name="required"/> tags.</summary>
    public static MailPolicyRecord Parse(string name, string record, string version, params string[] required)
    {
        var errors = new List<string>();
        var tags = DnsTagList.Parse(record, errors);
        if (tags.Get("v") != version) errors.Add($"v is not {version}");
        foreach (var tag in required)
            if (string.IsNullOrEmpty(tags.Get(tag))) errors.Add($"no {tag} tag");
        return new MailPolicyRecord(name, record, tags, errors);
    }

    /// <summary>Whether a TXT string starts with v=<paramref name="version"/> (how these records are told apart).</summary>
    public static bool Announces(string text, string version) =>
        text.Split(';')[0].Replace(" ", "").Equals("v=" + version, System.StringComparison.Ordinal);
}
