using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.DnsChecks;

/// <summary>What DNS says about where a domain's mail goes.</summary>
public enum MailHostOutcome
{
    /// <summary>MX records name the hosts.</summary>
    Mx,
    /// <summary>No MX: the domain's own A/AAAA address takes the mail (RFC 5321 §5.1, the implicit MX).</summary>
    ImplicitMx,
    /// <summary>A null MX ("MX 0 ."): the domain accepts no mail (RFC 7505).</summary>
    NullMx,
    /// <summary>Neither MX nor A/AAAA: nowhere to deliver.</summary>
    NoMailHost,
    /// <summary>The domain does not exist (NXDOMAIN).</summary>
    DomainNotFound,
    /// <summary>DNS did not answer or answered with an error: nothing can be concluded.</summary>
    LookupFailed,
}

/// <summary>One host that takes mail for a domain, with the addresses DNS gave for it.</summary>
public sealed class MailHost
{
    internal MailHost(int preference, string name, IReadOnlyList<IPAddress> addresses, string? addressProblem)
    {
        Preference = preference;
        Name = name;
        Addresses = addresses;
        AddressProblem = addressProblem;
    }

    /// <summary>The MX preference (0 for the implicit MX).</summary>
    public int Preference { get; }

    public string Name { get; }

    /// <summary>A then AAAA addresses; empty when the host has none or the lookup failed.</summary>
    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>Why <see cref="Addresses"/> is empty, in words; null when there are addresses.</summary>
    public string? AddressProblem { get; }

    public override string ToString() => Name;
}

/// <summary>
/// The one place that finds a domain's mail hosts as a sender must (RFC 5321 §5.1): MX hosts
/// in preference order; without MX, the domain itself when it has an address (the implicit
/// MX); a null MX (RFC 7505) means the domain takes no mail, so there is no host to try.
/// Every host is resolved through the same resolver, so a test zone works end to end.
/// </summary>
public sealed class MailHostLookup
{
    private MailHostLookup(string domain, MailHostOutcome outcome, DnsAnswer<DnsMx> mx, IReadOnlyList<MailHost> hosts, string? problem)
    {
        Domain = domain;
        Outcome = outcome;
        Mx = mx;
        Hosts = hosts;
        Problem = problem;
    }

    public string Domain { get; }

    public MailHostOutcome Outcome { get; }

    /// <summary>The MX answer as DNS gave it (records already in preference order).</summary>
    public DnsAnswer<DnsMx> Mx { get; }

    /// <summary>The hosts to try, in order; empty unless <see cref="Outcome"/> is Mx or ImplicitMx.</summary>
    public IReadOnlyList<MailHost> Hosts { get; }

    /// <summary>Why there is no host to try, in words; null when there are hosts.</summary>
    public string? Problem { get; }

    /// <summary>The null MX came with other MX records, which RFC 7505 §3 forbids; the domain still takes no mail.</summary>
    public bool NullMxAmongOthers => Outcome == MailHostOutcome.NullMx && Mx.Records.Count > 1;

    /// <param name="domain">An ASCII (A-label) domain name, without the trailing dot.</param>
    public static async Task<MailHostLookup> ResolveAsync(MailDnsResolver resolver, string domain, CancellationToken token)
    {
        var mx = await resolver.MxAsync(domain, token).ConfigureAwait(false);
        switch (mx.Outcome)
        {
            case DnsOutcome.NotFound:
                return Without(MailHostOutcome.DomainNotFound, $"{domain} does not exist (NXDOMAIN)");
            case DnsOutcome.ServerError:
            case DnsOutcome.NoAnswer:
                return Without(MailHostOutcome.LookupFailed, mx.Describe($"MX lookup of {domain}"));
            case DnsOutcome.NoData:
                var own = await resolver.AddressesAsync(domain, token).ConfigureAwait(false);
                if (own.Records.Count > 0)
                    return new MailHostLookup(domain, MailHostOutcome.ImplicitMx, mx, new[] { new MailHost(0, domain, own.Records, null) }, null);
                return own.Failed
                    ? Without(MailHostOutcome.LookupFailed, own.Describe($"{domain} has no MX; the A/AAAA lookup"))
                    : Without(MailHostOutcome.NoMailHost, $"{domain} has no MX and no A/AAAA record");
        }
        // RFC 7505 §3: a null MX ("." as the exchange) means no mail, even beside other records (which it forbids).
        if (mx.Records.Any(m => m.IsNull))
            return Without(MailHostOutcome.NullMx, $"{domain} publishes a null MX (RFC 7505): it accepts no mail");

        var names = mx.Records
            .GroupBy(m => m.Host, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.OrderBy(m => m.Preference).First())
            .OrderBy(m => m.Preference)
            .ToList();
        var hosts = await Task.WhenAll(names.Select(async m =>
        {
            var addresses = await resolver.AddressesAsync(m.Host, token).ConfigureAwait(false);
            var problem = addresses.Records.Count > 0 ? null
                : addresses.Failed ? addresses.Describe($"A/AAAA lookup of {m.Host}") : $"{m.Host} has no A/AAAA record";
            return new MailHost(m.Preference, m.Host, addresses.Records, problem);
        })).ConfigureAwait(false);
        return new MailHostLookup(domain, MailHostOutcome.Mx, mx, hosts, null);

        MailHostLookup Without(MailHostOutcome outcome, string problem) =>
            new MailHostLookup(domain, outcome, mx, Array.Empty<MailHost>(), problem);
    }
}
