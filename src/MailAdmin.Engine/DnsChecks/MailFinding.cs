using System.Collections.Generic;
using System.Linq;

namespace MailAdmin.DnsChecks;

/// <summary>How a check came out. Ordered so that the worst of several is the largest.</summary>
public enum MailFindingStatus
{
    Pass = 0,
    Warning = 1,
    Fail = 2,
}

/// <summary>
/// One verdict of a DNS or address check: what was checked, how it came out and why.
/// Failures of the checks themselves (a DNS server that does not answer) are findings
/// too, so a report is always written and scripts can filter on Status.
/// </summary>
public sealed class MailFinding
{
    public MailFinding(string check, MailFindingStatus status, string detail)
    {
        Check = check;
        Status = status;
        Detail = detail;
    }

    /// <summary>The area checked: MX, SPF, DMARC, DKIM, PTR, MTA-STS, TLS-RPT, BIMI, DNS, Syntax, Domain, Probe.</summary>
    public string Check { get; }

    public MailFindingStatus Status { get; }

    public string Detail { get; }

    public override string ToString() => $"{Status} {Check}: {Detail}";

    /// <summary>The worst status among the findings; Pass when there are none.</summary>
    public static MailFindingStatus Worst(IEnumerable<MailFinding> findings) =>
        findings.Select(f => f.Status).DefaultIfEmpty(MailFindingStatus.Pass).Max();
}
