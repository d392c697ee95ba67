using System;
using System.Net;

namespace MailAdmin.Health;

/// <summary>What Test-MailServer was asked to check on one target.</summary>
public sealed class MailServerProbeOptions
{
    public MailServerProbeOptions(string target, MailServiceKind protocol)
    {
        Target = target;
        Protocol = protocol;
    }

    public string Target { get; }

    /// <summary>Where to connect when the target's name was resolved already (an MX host via -DnsServer); null resolves <see cref="Target"/>.</summary>
    public System.Net.IPAddress? ConnectAddress { get; set; }
    public MailServiceKind Protocol { get; }
    /// <summary>0 picks the service's default port.</summary>
    public int Port { get; set; }
    public NetworkCredential? Credential { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>A certificate expiring sooner than this is a Warning.</summary>
    public int CertificateWarningDays { get; set; } = 21;
    /// <summary>The name we greet SMTP servers with.</summary>
    public string HeloName { get; set; } = Dns.GetHostName();
    /// <summary>SMTP: MAIL and RCPT to an outside address without logging in; must be refused.</summary>
    public bool TestRelay { get; set; }
    /// <summary>The outside address of the relay test; a reserved domain nobody delivers to.</summary>
    public string RelayRecipient { get; set; } = "relay-test@mailadmin-relay-check.invalid";
    /// <summary>SMTP: addresses to RCPT (without DATA) to check the server accepts them.</summary>
    public string[] Recipients { get; set; } = new string[0];
    /// <summary>The envelope sender of the relay and recipient probes.</summary>
    public string ProbeSender { get; set; } = "";

    /// <summary>Certificates trusted for this check although no authority vouches for them (a lab's self-signed one), by thumbprint.</summary>
    public string[] TrustedThumbprints { get; set; } = new string[0];

    /// <summary>SMTP: the end-to-end check (-RoundTrip); null skips it.</summary>
    public RoundTripOptions? RoundTrip { get; set; }

    public int EffectivePort => Port > 0 ? Port : MailServiceDefaults.Port(Protocol);
}
