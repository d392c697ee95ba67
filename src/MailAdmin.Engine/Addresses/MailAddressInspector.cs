using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.DnsChecks;

namespace MailAdmin.Addresses;

/// <summary>What to check beyond syntax.</summary>
public sealed class MailAddressCheckOptions
{
    /// <summary>Check syntax only (no DNS, no probe).</summary>
    public bool SkipDns { get; set; }

    /// <summary>Ask the mail host with RCPT TO.</summary>
    public bool Probe { get; set; }

    /// <summary>Probe this server instead of the domain's mail hosts.</summary>
    public string? ProbeServer { get; set; }

    public int ProbePort { get; set; } = 25;

    /// <summary>The MAIL FROM address; empty is the null reverse-path &lt;&gt;.</summary>
    public string ProbeSender { get; set; } = "";

    public string HeloName { get; set; } = "localhost";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Checks an address: syntax (RFC 5321/5322, 6531), that its domain can receive mail (MX,
/// or A/AAAA as the implicit MX), and optionally that the mail host accepts it (RCPT TO).
/// </summary>
public sealed class MailAddressInspector
{
    private readonly MailDnsResolver? _dns;
    private readonly MailAddressCheckOptions _options;

    /// <param name="dns">May be null with SkipDns, or when ProbeServer names the server to ask.</param>
    public MailAddressInspector(MailDnsResolver? dns, MailAddressCheckOptions options)
    {
        _dns = dns;
        _options = options;
    }

    public async Task<MailAddressReport> CheckAsync(string address, CancellationToken token)
    {
        var syntax = MailAddressSyntax.Check(address.Trim());
        var report = new MailAddressReport(syntax);
        var findings = new List<MailFinding>();
        report.Findings = findings;
        if (!syntax.IsValid)
        {
            findings.Add(new MailFinding("Syntax", MailFindingStatus.Fail, syntax.Error!));
            return report;
        }
        findings.Add(new MailFinding("Syntax", MailFindingStatus.Pass,
            syntax.RequiresSmtpUtf8 ? "valid; the UTF-8 local part needs a server with SMTPUTF8 (RFC 6531)" : "valid"));

        MailHostLookup? lookup = null;
        if (syntax.AddressLiteral != null)
        {
            report.MailHosts = new[] { syntax.AddressLiteral.ToString() };
            findings.Add(new MailFinding("Domain", MailFindingStatus.Pass, "an address literal: no DNS needed"));
        }
        else if (!_options.SkipDns && _dns != null)
        {
            lookup = await FindMailHostsAsync(syntax.AsciiDomain!, findings, token).ConfigureAwait(false);
            report.MailHosts = lookup.Hosts.Select(h => h.Name).ToList();
        }

        if (_options.Probe)
            await ProbeAsync(report, lookup, findings, token).ConfigureAwait(false);
        return report;
    }

    private async Task<MailHostLookup> FindMailHostsAsync(string domain, List<MailFinding> findings, CancellationToken token)
    {
        var lookup = await MailHostLookup.ResolveAsync(_dns!, domain, token).ConfigureAwait(false);
        findings.Add(lookup.Outcome switch
        {
            MailHostOutcome.Mx => new MailFinding("Domain", MailFindingStatus.Pass, $"MX: {string.Join(", ", lookup.Hosts)}"),
            MailHostOutcome.ImplicitMx => new MailFinding("Domain", MailFindingStatus.Pass,
                $"no MX; the domain's own address takes mail ({string.Join(", ", lookup.Hosts[0].Addresses)})"),
            _ => new MailFinding("Domain", MailFindingStatus.Fail, lookup.Problem!),
        });
        return lookup;
    }

    private async Task ProbeAsync(MailAddressReport report, MailHostLookup? lookup, List<MailFinding> findings, CancellationToken token)
    {
        // -Server as given (no DNS), or the domain's mail hosts at the addresses DNS gave
        // (through -DnsServer, not the system resolver), or an address literal.
        var servers = _options.ProbeServer != null ? new[] { new MailHost(0, _options.ProbeServer, new IPAddress[0], null) }
            : lookup?.Hosts ?? report.MailHosts.Select(h => new MailHost(0, h, new IPAddress[0], null)).ToList();
        if (servers.Count == 0)
        {
            findings.Add(new MailFinding("Probe", MailFindingStatus.Warning, lookup?.Problem != null ? $"not asked: {lookup.Problem}" : "no mail host to ask"));
            return;
        }
        // The first host that answers decides; a host that cannot be reached passes the turn on.
        SmtpProbeResult? result = null;
        foreach (var server in servers)
        {
            foreach (var address in server.Addresses.Count > 0 ? server.Addresses.ToArray() : new IPAddress?[] { null })
            {
                result = await SmtpRcptProbe.ProbeAsync(server.Name, address, _options.ProbePort, _options.ProbeSender, report.Address,
                    report.Syntax.RequiresSmtpUtf8, _options.HeloName, _options.Timeout, token).ConfigureAwait(false);
                if (result.Code != 0) break;
            }
            if (result != null && result.Code != 0) break;
        }
        report.Probe = result;
        findings.Add(Judge(result!));
    }

    private static MailFinding Judge(SmtpProbeResult result)
    {
        var at = $"{result.Server}:{result.Port}";
        if (result.Code == 0)
            return new MailFinding("Probe", MailFindingStatus.Warning, $"could not ask {at} ({result.Stage}): {result.Reply}");
        if (result.Stage != "RCPT")
            return new MailFinding("Probe", MailFindingStatus.Warning, $"{at} refused the probe at {result.Stage}: {result}");
        if (result.Accepted)
            return new MailFinding("Probe", MailFindingStatus.Pass, $"{at} accepts the recipient: {result}");
        if (result.Code / 100 == 5)
            return new MailFinding("Probe", MailFindingStatus.Fail, $"{at} rejects the recipient: {result}");
        // 252 (cannot verify) and 4xx (try later, greylisting) say nothing for sure.
        return new MailFinding("Probe", MailFindingStatus.Warning, $"{at} gave no verdict: {result}");
    }
}
