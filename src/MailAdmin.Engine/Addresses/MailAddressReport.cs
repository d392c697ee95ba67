using System.Collections.Generic;
using MailAdmin.DnsChecks;

namespace MailAdmin.Addresses;

/// <summary>What Test-MailAddress found about one address; IsValid is the overall verdict.</summary>
public sealed class MailAddressReport
{
    internal MailAddressReport(MailAddressSyntax syntax) => Syntax = syntax;

    public string Address => Syntax.Address;

    /// <summary>The display name when the address was given as "Name &lt;address&gt;".</summary>
    public string? DisplayName => Syntax.DisplayName;

    /// <summary>No finding failed.</summary>
    public bool IsValid => MailFinding.Worst(Findings) != MailFindingStatus.Fail;

    /// <summary>The worst status among the findings.</summary>
    public MailFindingStatus Status => MailFinding.Worst(Findings);

    public MailAddressSyntax Syntax { get; }

    public string? LocalPart => Syntax.LocalPart;

    public string? Domain => Syntax.Domain;

    /// <summary>The hosts that take mail for the domain: MX hosts by preference, or the domain itself without MX.</summary>
    public IReadOnlyList<string> MailHosts { get; internal set; } = new string[0];

    /// <summary>The RCPT TO answer when -Probe asked for one.</summary>
    public SmtpProbeResult? Probe { get; internal set; }

    public IReadOnlyList<MailFinding> Findings { get; internal set; } = new MailFinding[0];

    public override string ToString() => Address;
}
