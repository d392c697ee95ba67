using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.DnsChecks;

namespace MailAdmin.Addresses
{
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

            if (syntax.AddressLiteral != null)
            {
                report.MailHosts = new[] { syntax.AddressLiteral.ToString() };
                findings.Add(new MailFinding("Domain", MailFindingStatus.Pass, "an address literal: no DNS needed"));
            }
            else if (!_options.SkipDns && _dns != null)
            {
                report.MailHosts = await FindMailHostsAsync(syntax.AsciiDomain!, findings, token).ConfigureAwait(false);
            }

            if (_options.Probe)
                await ProbeAsync(report, findings, token).ConfigureAwait(false);
            return report;
        }

        private async Task<IReadOnlyList<string>> FindMailHostsAsync(string domain, List<MailFinding> findings, CancellationToken token)
        {
            var mx = await _dns!.MxAsync(domain, token).ConfigureAwait(false);
            if (mx.Outcome == DnsOutcome.Found)
            {
                if (mx.Records.Any(m => m.IsNull))
                {
                    findings.Add(new MailFinding("Domain", MailFindingStatus.Fail, $"{domain} publishes a null MX (RFC 7505): it accepts no mail"));
                    return new string[0];
                }
                var hosts = mx.Records.Select(m => m.Host).ToList();
                findings.Add(new MailFinding("Domain", MailFindingStatus.Pass, $"MX: {string.Join(", ", hosts)}"));
                return hosts;
            }
            if (mx.Outcome == DnsOutcome.NoData)
            {
                // RFC 5321 §5.1: no MX, so the domain's own address is the implicit MX.
                var a = await _dns.AddressesAsync(domain, token).ConfigureAwait(false);
                if (a.Records.Count > 0)
                {
                    findings.Add(new MailFinding("Domain", MailFindingStatus.Pass, $"no MX; the domain's own address takes mail ({string.Join(", ", a.Records)})"));
                    return new[] { domain };
                }
                findings.Add(new MailFinding("Domain", MailFindingStatus.Fail, a.Failed ? a.Describe($"A/AAAA lookup of {domain}") : $"{domain} has no MX and no A/AAAA record"));
                return new string[0];
            }
            findings.Add(new MailFinding("Domain", MailFindingStatus.Fail,
                mx.Outcome == DnsOutcome.NotFound ? $"{domain} does not exist (NXDOMAIN)" : mx.Describe($"MX lookup of {domain}")));
            return new string[0];
        }

        private async Task ProbeAsync(MailAddressReport report, List<MailFinding> findings, CancellationToken token)
        {
            var servers = _options.ProbeServer != null ? new[] { _options.ProbeServer } : report.MailHosts;
            if (servers.Count == 0)
            {
                findings.Add(new MailFinding("Probe", MailFindingStatus.Warning, "no mail host to ask"));
                return;
            }
            // The first host that answers decides; a host that cannot be reached passes the turn on.
            SmtpProbeResult? result = null;
            foreach (var server in servers)
            {
                // Mail hosts found through -DnsServer are resolved through it too, not the system resolver.
                var addresses = new System.Net.IPAddress?[] { null };
                if (_options.ProbeServer == null && _dns != null && !System.Net.IPAddress.TryParse(server, out _))
                {
                    var found = await _dns.AddressesAsync(server, token).ConfigureAwait(false);
                    if (found.Records.Count > 0) addresses = found.Records.ToArray()!;
                }
                foreach (var address in addresses)
                {
                    result = await SmtpRcptProbe.ProbeAsync(server, address, _options.ProbePort, _options.ProbeSender, report.Address,
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
}
