using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.DnsChecks;

/// <summary>
/// Builds a <see cref="MailDnsReport"/>: asks DNS for what a domain publishes for mail
/// (MX with addresses and reverse DNS, SPF, DMARC, DKIM keys, MTA-STS, TLS-RPT, BIMI) and
/// judges it. DNS trouble becomes findings, never exceptions.
/// </summary>
public sealed class MailDnsInspector
{
    /// <summary>RFC 7208 §4.6.4: at most 10 terms that cause DNS lookups.</summary>
    public const int SpfLookupLimit = 10;

    /// <summary>Includes deeper than this are not followed (a loop guard; real chains are short).</summary>
    private const int MaxSpfDepth = 10;

    private readonly MailDnsResolver _dns;

    public MailDnsInspector(MailDnsResolver dns) => _dns = dns;

    public async Task<MailDnsReport> InspectAsync(string domain, IReadOnlyList<string> selectors, CancellationToken token)
    {
        var ascii = DomainName.TryToAscii(domain, out var invalid);
        var report = new MailDnsReport(domain, ascii ?? domain, _dns.Server);
        if (ascii == null)
        {
            report.Findings = new[] { new MailFinding("Domain", MailFindingStatus.Fail, invalid!) };
            return report;
        }

        // The mail hosts go first: when the MX query gets no answer at all, or the domain does
        // not exist, one finding says so instead of one failure per record type.
        var mailHosts = await MailHostLookup.ResolveAsync(_dns, ascii, token).ConfigureAwait(false);
        if (mailHosts.Mx.Outcome == DnsOutcome.NoAnswer)
        {
            report.Findings = new[] { new MailFinding("DNS", MailFindingStatus.Fail, $"DNS lookup failed: {mailHosts.Mx.Error}") };
            return report;
        }
        if (mailHosts.Outcome == MailHostOutcome.DomainNotFound)
        {
            report.Findings = new[] { new MailFinding("Domain", MailFindingStatus.Fail, mailHosts.Problem!) };
            return report;
        }

        var mxFindings = new List<MailFinding>();
        var spfFindings = new List<MailFinding>();
        var dmarcFindings = new List<MailFinding>();
        var dkimFindings = new List<MailFinding>();
        var policyFindings = new List<MailFinding>();
        var mxTask = CheckMxAsync(mailHosts, mxFindings, token);
        var spfTask = CheckSpfAsync(ascii, spfFindings, token);
        var dmarcTask = CheckDmarcAsync(ascii, dmarcFindings, token);
        var dkimTasks = selectors.Select(s => CheckDkimAsync(ascii, s, token)).ToList();
        var mtaStsTask = CheckPolicyAsync("MTA-STS", "_mta-sts." + ascii, "STSv1", new[] { "id" }, token);
        var tlsRptTask = CheckPolicyAsync("TLS-RPT", "_smtp._tls." + ascii, "TLSRPTv1", new[] { "rua" }, token);
        var bimiTask = CheckPolicyAsync("BIMI", "default._bimi." + ascii, "BIMI1", new string[0], token);

        report.Mx = await mxTask.ConfigureAwait(false);
        report.Spf = await spfTask.ConfigureAwait(false);
        report.Dmarc = await dmarcTask.ConfigureAwait(false);
        var dkim = new List<DkimRecord>();
        foreach (var task in dkimTasks)
        {
            var (record, finding) = await task.ConfigureAwait(false);
            if (record != null) dkim.Add(record);
            dkimFindings.Add(finding);
        }
        report.Dkim = dkim;
        (report.MtaSts, var mtaSts) = await mtaStsTask.ConfigureAwait(false);
        (report.TlsRpt, var tlsRpt) = await tlsRptTask.ConfigureAwait(false);
        (report.Bimi, var bimi) = await bimiTask.ConfigureAwait(false);
        policyFindings.AddRange(new[] { mtaSts, tlsRpt, bimi }.Where(f => f != null)!);

        report.Findings = mxFindings.Concat(spfFindings).Concat(dmarcFindings).Concat(dkimFindings).Concat(policyFindings).ToList();
        return report;
    }

    // ---- MX and reverse DNS ----

    private async Task<IReadOnlyList<MxHost>> CheckMxAsync(MailHostLookup mailHosts, List<MailFinding> findings, CancellationToken token)
    {
        switch (mailHosts.Outcome)
        {
            case MailHostOutcome.LookupFailed:
            case MailHostOutcome.NoMailHost:
                findings.Add(new MailFinding("MX", MailFindingStatus.Fail, mailHosts.Problem!));
                return new MxHost[0];
            case MailHostOutcome.ImplicitMx:
                findings.Add(new MailFinding("MX", MailFindingStatus.Warning,
                    $"no MX record; mail goes to the domain's own address ({string.Join(", ", mailHosts.Hosts[0].Addresses)})"));
                return new MxHost[0];
            case MailHostOutcome.NullMx:
                findings.Add(mailHosts.NullMxAmongOthers
                    ? new MailFinding("MX", MailFindingStatus.Fail, "a null MX (\".\") among other MX records (RFC 7505 §3 forbids that)")
                    : new MailFinding("MX", MailFindingStatus.Warning, "null MX (RFC 7505): the domain accepts no mail"));
                return mailHosts.Mx.Records.Select(m => new MxHost(m.Preference, m.Host, new MxAddress[0])).ToList();
        }

        var hosts = await Task.WhenAll(mailHosts.Hosts.Select(h => CheckReverseDnsAsync(h, token))).ConfigureAwait(false);
        var before = findings.Count;
        foreach (var host in hosts)
        {
            if (host.Addresses.Count == 0)
                findings.Add(new MailFinding("MX", MailFindingStatus.Fail, $"MX host {host.Host} has no A/AAAA record"));
            foreach (var address in host.Addresses)
            {
                if (address.Ptr.Count == 0)
                    findings.Add(new MailFinding("PTR", MailFindingStatus.Warning, $"{address.Address} ({host.Host}) has no PTR record"));
                else if (!address.ForwardConfirmed)
                    findings.Add(new MailFinding("PTR", MailFindingStatus.Warning, $"{address.Address} ({host.Host}) has PTR {string.Join(", ", address.Ptr)}, which does not resolve back to it"));
            }
        }
        if (findings.Count == before)
            findings.Add(new MailFinding("MX", MailFindingStatus.Pass,
                $"{hosts.Length} MX host(s), first {hosts[0].Host}; every address has forward-confirmed reverse DNS"));
        return hosts;
    }

    private async Task<MxHost> CheckReverseDnsAsync(MailHost host, CancellationToken token)
    {
        var checkedAddresses = await Task.WhenAll(host.Addresses.Select(async address =>
        {
            var ptr = await _dns.PtrAsync(address, token).ConfigureAwait(false);
            var confirmed = false;
            foreach (var name in ptr.Records)
            {
                var forward = await _dns.AddressesAsync(name, token).ConfigureAwait(false);
                if (forward.Records.Contains(address)) { confirmed = true; break; }
            }
            return new MxAddress(address, ptr.Records, confirmed);
        })).ConfigureAwait(false);
        return new MxHost(host.Preference, host.Name, checkedAddresses);
    }

    // ---- SPF ----

    private async Task<SpfRecord?> CheckSpfAsync(string domain, List<MailFinding> findings, CancellationToken token)
    {
        var txt = await _dns.TxtAsync(domain, token).ConfigureAwait(false);
        if (txt.Failed)
        {
            findings.Add(new MailFinding("SPF", MailFindingStatus.Fail, txt.Describe("SPF lookup")));
            return null;
        }
        var published = txt.Records.Where(SpfRecord.IsSpf).ToList();
        if (published.Count == 0)
        {
            findings.Add(new MailFinding("SPF", MailFindingStatus.Warning, "no SPF record"));
            return null;
        }
        if (published.Count > 1)
            findings.Add(new MailFinding("SPF", MailFindingStatus.Fail, $"{published.Count} SPF records: receivers return permerror (RFC 7208 §4.5)"));

        var spf = SpfRecord.Parse(published[0]);
        foreach (var error in spf.Errors)
            findings.Add(new MailFinding("SPF", MailFindingStatus.Fail, $"syntax error (permerror): {error}"));
        spf.LookupCount = await CountLookupsAsync(domain, spf, new HashSet<string>(StringComparer.OrdinalIgnoreCase) { domain }, findings, token).ConfigureAwait(false);
        if (spf.LookupCount > SpfLookupLimit)
            findings.Add(new MailFinding("SPF", MailFindingStatus.Warning,
                $"{spf.LookupCount} DNS lookups, more than the {SpfLookupLimit} allowed (RFC 7208 §4.6.4): receivers return permerror"));
        var all = spf.Mechanisms.LastOrDefault(m => m.Name == "all");
        if (all != null && all.Qualifier == '+')
            findings.Add(new MailFinding("SPF", MailFindingStatus.Fail, "'+all' lets any host send mail as this domain"));
        else if (all == null && spf.Redirect == null)
            findings.Add(new MailFinding("SPF", MailFindingStatus.Warning, "no 'all' mechanism or redirect: unlisted senders get Neutral"));

        spf.Status = MailFinding.Worst(findings);
        if (findings.Count == 0)
            findings.Add(new MailFinding("SPF", MailFindingStatus.Pass, $"{spf.LookupCount} DNS lookup(s), ends with {all}"));
        return spf;
    }

    /// <summary>
    /// The lookups <paramref name="spf"/> costs, following include and redirect into the
    /// records they name. <paramref name="path"/> holds the domains above, to stop loops.
    /// </summary>
    private async Task<int> CountLookupsAsync(string domain, SpfRecord spf, HashSet<string> path, List<MailFinding> findings, CancellationToken token)
    {
        var total = spf.OwnLookupCount;
        var targets = spf.Includes.Select(t => (Kind: "include", Target: t)).ToList();
        if (spf.Redirect != null) targets.Add(("redirect", spf.Redirect));
        foreach (var (kind, target) in targets)
        {
            // A macro (%{i}, %{d}, ...) is expanded per message: its record cannot be known here.
            if (target.IndexOf('%') >= 0) continue;
            var name = target.TrimEnd('.');
            if (path.Count >= MaxSpfDepth || path.Contains(name))
            {
                findings.Add(new MailFinding("SPF", MailFindingStatus.Fail, $"{kind}:{name} in {domain} loops back or nests too deep"));
                continue;
            }
            var txt = await _dns.TxtAsync(name, token).ConfigureAwait(false);
            var records = txt.Records.Where(SpfRecord.IsSpf).ToList();
            if (records.Count != 1)
            {
                // RFC 7208 §5.2 and §6.1: a target without exactly one SPF record is a permerror.
                var why = txt.Failed ? $"lookup failed ({txt.Error})" : records.Count == 0 ? "has no SPF record" : "has several SPF records";
                findings.Add(new MailFinding("SPF", MailFindingStatus.Fail, $"{kind}:{name} (from {domain}) {why}"));
                continue;
            }
            var nested = SpfRecord.Parse(records[0]);
            foreach (var error in nested.Errors)
                findings.Add(new MailFinding("SPF", MailFindingStatus.Fail, $"{kind}:{name}: syntax error: {error}"));
            path.Add(name);
            total += await CountLookupsAsync(name, nested, path, findings, token).ConfigureAwait(false);
            path.Remove(name);
        }
        return total;
    }

    // ---- DMARC ----

    private async Task<DmarcRecord?> CheckDmarcAsync(string domain, List<MailFinding> findings, CancellationToken token)
    {
        var txt = await _dns.TxtAsync("_dmarc." + domain, token).ConfigureAwait(false);
        if (txt.Failed)
        {
            findings.Add(new MailFinding("DMARC", MailFindingStatus.Fail, txt.Describe("DMARC lookup")));
            return null;
        }
        var published = txt.Records.Where(DmarcRecord.IsDmarc).ToList();
        if (published.Count == 0)
        {
            findings.Add(new MailFinding("DMARC", MailFindingStatus.Warning, $"no DMARC record at _dmarc.{domain}"));
            return null;
        }
        if (published.Count > 1)
            findings.Add(new MailFinding("DMARC", MailFindingStatus.Fail, $"{published.Count} DMARC records: receivers ignore them all (RFC 7489 §6.6.3)"));
        var dmarc = DmarcRecord.Parse(published[0]);
        foreach (var error in dmarc.Errors)
            findings.Add(new MailFinding("DMARC", MailFindingStatus.Fail, $"invalid record: {error}"));
        if (dmarc.Errors.Count == 0)
        {
            if (dmarc.Policy == "none")
                findings.Add(new MailFinding("DMARC", MailFindingStatus.Warning, "p=none: failing mail is only reported, not quarantined or rejected"));
            if (dmarc.Pct < 100)
                findings.Add(new MailFinding("DMARC", MailFindingStatus.Warning, $"pct={dmarc.Pct}: the policy applies to part of the failing mail only"));
            if (dmarc.Rua.Count == 0)
                findings.Add(new MailFinding("DMARC", MailFindingStatus.Warning, "no rua: nobody receives aggregate reports"));
        }
        if (findings.Count == 0)
            findings.Add(new MailFinding("DMARC", MailFindingStatus.Pass, $"p={dmarc.Policy}, reports to {string.Join(", ", dmarc.Rua)}"));
        return dmarc;
    }

    // ---- DKIM, MTA-STS, TLS-RPT, BIMI ----

    private async Task<(DkimRecord?, MailFinding)> CheckDkimAsync(string domain, string selector, CancellationToken token)
    {
        var name = $"{selector}._domainkey.{domain}";
        var txt = await _dns.TxtAsync(name, token).ConfigureAwait(false);
        // A key record need not start with v=DKIM1; any TXT there with a p= tag is taken.
        var text = txt.Records.FirstOrDefault(r => r.IndexOf("p=", StringComparison.Ordinal) >= 0);
        if (text == null)
            return (null, new MailFinding("DKIM", MailFindingStatus.Fail, txt.Failed ? txt.Describe($"DKIM lookup of {name}") : $"no DKIM key at {name}"));
        var dkim = DkimRecord.Parse(selector, name, text);
        if (dkim.Errors.Count > 0)
            return (dkim, new MailFinding("DKIM", MailFindingStatus.Fail, $"selector {selector}: {string.Join("; ", dkim.Errors)}"));
        if (!dkim.HasKey)
            return (dkim, new MailFinding("DKIM", MailFindingStatus.Warning, $"selector {selector}: the key is revoked (empty p=)"));
        return (dkim, new MailFinding("DKIM", MailFindingStatus.Pass, $"selector {selector}: {dkim.KeyType} key published"));
    }

    /// <summary>An optional policy record: absent is no finding; present is judged.</summary>
    private async Task<(MailPolicyRecord?, MailFinding?)> CheckPolicyAsync(string check, string name, string version, string[] required, CancellationToken token)
    {
        var txt = await _dns.TxtAsync(name, token).ConfigureAwait(false);
        if (txt.Failed)
            return (null, new MailFinding(check, MailFindingStatus.Fail, txt.Describe($"{check} lookup of {name}")));
        var published = txt.Records.Where(r => MailPolicyRecord.Announces(r, version)).ToList();
        if (published.Count == 0) return (null, null);
        var record = MailPolicyRecord.Parse(name, published[0], version, required);
        if (published.Count > 1)
            return (record, new MailFinding(check, MailFindingStatus.Fail, $"{published.Count} {check} records at {name}; there must be one"));
        if (record.Errors.Count > 0)
            return (record, new MailFinding(check, MailFindingStatus.Fail, $"{name}: {string.Join("; ", record.Errors)}"));
        return (record, new MailFinding(check, MailFindingStatus.Pass, $"{name}: {record.Record}"));
    }
}
