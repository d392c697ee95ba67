using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.DnsChecks;

namespace MailAdmin.Health
{
    /// <summary>The mail hosts of a domain, as Test-MailServer -Domain checks them.</summary>
    public static class MailHostResolver
    {
        /// <summary>
        /// The MX hosts of <paramref name="domain"/> in preference order, each with its first
        /// address (asked of the same resolver, so a test zone works end to end); the domain
        /// itself when it has no MX (RFC 5321 §5.1). Null, with <paramref name="problem"/>, when
        /// the domain does not exist or DNS did not answer.
        /// </summary>
        public static async Task<(IReadOnlyList<(string Host, IPAddress? Address)>? Hosts, string? Problem)> ResolveAsync(MailDnsResolver resolver, string domain, CancellationToken token)
        {
            var mx = await resolver.MxAsync(domain, token).ConfigureAwait(false);
            if (mx.Failed || mx.Outcome == DnsOutcome.NotFound)
                return (null, mx.Describe($"MX of {domain}"));
            var names = mx.Records.Count > 0
                ? mx.Records.OrderBy(r => r.Preference).Select(r => r.Host.TrimEnd('.')).ToList()
                : new List<string> { domain };
            var hosts = new List<(string, IPAddress?)>();
            foreach (var name in names.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                var addresses = await resolver.AddressesAsync(name, token).ConfigureAwait(false);
                hosts.Add((name, addresses.Records.FirstOrDefault()));
            }
            return (hosts, null);
        }
    }
}
