using System.Collections.Generic;
using System.Linq;
using System.Net;

namespace MailAdmin.DnsChecks;

/// <summary>One address of an MX host, with its reverse DNS.</summary>
public sealed class MxAddress
{
    internal MxAddress(IPAddress address, IReadOnlyList<string> ptr, bool forwardConfirmed)
    {
        Address = address;
        Ptr = ptr;
        ForwardConfirmed = forwardConfirmed;
    }

    public IPAddress Address { get; }

    /// <summary>The PTR names of the address.</summary>
    public IReadOnlyList<string> Ptr { get; }

    /// <summary>A PTR name resolves back to this address (forward-confirmed reverse DNS).</summary>
    public bool ForwardConfirmed { get; }

    public override string ToString() => Address.ToString();
}

/// <summary>An MX host of a domain with its addresses.</summary>
public sealed class MxHost
{
    internal MxHost(int preference, string host, IReadOnlyList<MxAddress> addresses)
    {
        Preference = preference;
        Host = host;
        Addresses = addresses;
    }

    public int Preference { get; }

    /// <summary>The exchange host; empty for a null MX (RFC 7505).</summary>
    public string Host { get; }

    public IReadOnlyList<MxAddress> Addresses { get; }

    public override string ToString() => $"{Preference} {Host}";
}

/// <summary>What a domain publishes for mail, and what is right or wrong with it.</summary>
public sealed class MailDnsReport
{
    internal MailDnsReport(string domain, string asciiDomain, string dnsServer)
    {
        Domain = domain;
        AsciiDomain = asciiDomain;
        DnsServer = dnsServer;
    }

    /// <summary>The domain as given.</summary>
    public string Domain { get; }

    /// <summary>The domain as queried (IDN labels in punycode).</summary>
    public string AsciiDomain { get; }

    /// <summary>The DNS server(s) asked.</summary>
    public string DnsServer { get; }

    /// <summary>MX hosts by preference, lowest (most preferred) first.</summary>
    public IReadOnlyList<MxHost> Mx { get; internal set; } = new MxHost[0];

    public SpfRecord? Spf { get; internal set; }

    public DmarcRecord? Dmarc { get; internal set; }

    /// <summary>The keys found for the selectors asked for.</summary>
    public IReadOnlyList<DkimRecord> Dkim { get; internal set; } = new DkimRecord[0];

    public MailPolicyRecord? MtaSts { get; internal set; }

    public MailPolicyRecord? TlsRpt { get; internal set; }

    public MailPolicyRecord? Bimi { get; internal set; }

    public IReadOnlyList<MailFinding> Findings { get; internal set; } = new MailFinding[0];

    /// <summary>The worst status among the findings.</summary>
    public MailFindingStatus Status => MailFinding.Worst(Findings);

    /// <summary>Every MX address with its reverse DNS, flattened.</summary>
    public IEnumerable<MxAddress> MxAddresses => Mx.SelectMany(m => m.Addresses);

    public override string ToString() => Domain;
}
