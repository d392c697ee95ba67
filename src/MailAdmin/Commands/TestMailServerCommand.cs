using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.DnsChecks;
using MailAdmin.Health;

namespace MailAdmin.Commands;

/// <summary>
/// Test-MailServer: checks mail services (connect, greeting, capabilities, TLS and
/// certificate, login mechanisms, login, open relay, recipients), many targets at once.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MailServer", DefaultParameterSetName = TargetSet)]
[OutputType(typeof(MailServerHealth), typeof(bool))]
public sealed class TestMailServerCommand : MailAdminCmdlet
{
    private const string TargetSet = "ComputerName";
    private const string DomainSet = "Domain";
    private readonly List<MailServerProbeOptions> _targets = new List<MailServerProbeOptions>();
    private bool _warnedSmtpOnly;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = TargetSet)]
    [Alias("Server", "HostName", "Target")]
    [ValidateNotNullOrEmpty]
    public string[] ComputerName { get; set; } = new string[0];

    /// <summary>Mail domains: their MX hosts (or the domain itself, without MX) are the targets.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = DomainSet)]
    [ValidateNotNullOrEmpty]
    public string[] Domain { get; set; } = new string[0];

    /// <summary>The DNS server that resolves -Domain: an address, address:port or host name.</summary>
    [Parameter(ParameterSetName = DomainSet)]
    [ValidateNotNullOrEmpty]
    public string? DnsServer { get; set; }

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public MailServiceKind[] Protocol { get; set; } = { MailServiceKind.Smtp };

    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateRange(1, 600)]
    public int Timeout { get; set; } = 15;

    [Parameter]
    [ValidateRange(1, 1000)]
    public int ThrottleLimit { get; set; } = 32;

    [Parameter]
    [ValidateRange(0, 3650)]
    public int CertificateWarningDays { get; set; } = 21;

    [Parameter]
    public SwitchParameter TestRelay { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RelayRecipient { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Recipient { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string From { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? HeloName { get; set; }

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>Sends a real probe message through each SMTP target and waits for it in a mailbox; the switch is the consent to send.</summary>
    [Parameter]
    public SwitchParameter RoundTrip { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ImapServer { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Pop3Server { get; set; }

    /// <summary>The IMAP or POP3 port of the mailbox; 0 picks the default.</summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int MailboxPort { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? MailboxCredential { get; set; }

    /// <summary>The probe's recipient: the mailbox's address; the mailbox user name when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? To { get; set; }

    /// <summary>Seconds to wait for the probe to arrive.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int RoundTripTimeout { get; set; } = 60;

    [Parameter]
    [ValidateNotNull]
    public System.Security.Cryptography.X509Certificates.X509Certificate2[]? TrustedCertificate { get; set; }

    protected override void BeginProcessing()
    {
        if (!RoundTrip) return;
        if ((ImapServer == null) == (Pop3Server == null))
            ThrowTerminating(new ArgumentException("-RoundTrip needs the mailbox to read: -ImapServer or -Pop3Server (one of them)."), "RoundTripMailboxMissing", ErrorCategory.InvalidArgument, null);
        if (MailboxCredential == null)
            ThrowTerminating(new ArgumentException("-RoundTrip needs -MailboxCredential to read the mailbox."), "RoundTripMailboxMissing", ErrorCategory.InvalidArgument, null);
    }

    private RoundTripOptions? RoundTripOptions()
    {
        if (!RoundTrip) return null;
        var mailbox = MailboxCredential!.GetNetworkCredential();
        return new RoundTripOptions(To ?? mailbox.UserName, ImapServer ?? Pop3Server!, ImapServer != null ? MailAdmin.Client.MailClientProtocol.Imap : MailAdmin.Client.MailClientProtocol.Pop3)
        {
            ReadPort = MailboxPort,
            ReadCredential = mailbox,
            Sender = From,
            Wait = TimeSpan.FromSeconds(RoundTripTimeout),
        };
    }

    protected override void ProcessRecord()
    {
        var targets = ParameterSetName == DomainSet ? MailHostsOf(Domain) : ComputerName.Select(name => (name, (System.Net.IPAddress?)null));
        foreach (var (target, address) in targets)
        {
            foreach (var protocol in Protocol)
            {
                var options = new MailServerProbeOptions(target, protocol)
                {
                    ConnectAddress = address,
                    RoundTrip = MailServiceDefaults.IsSmtp(protocol) ? RoundTripOptions() : null,
                    Port = Port,
                    Credential = Credential?.GetNetworkCredential(),
                    Timeout = TimeSpan.FromSeconds(Timeout),
                    CertificateWarningDays = CertificateWarningDays,
                    TestRelay = TestRelay,
                    Recipients = Recipient ?? new string[0],
                    ProbeSender = From,
                    TrustedThumbprints = TrustedCertificate?.Select(c => c.Thumbprint).ToArray() ?? new string[0],
                };
                if (RelayRecipient != null) options.RelayRecipient = RelayRecipient;
                if (HeloName != null) options.HeloName = HeloName;
                // Said once for the whole command, not once per target.
                if ((TestRelay || Recipient != null) && !MailServiceDefaults.IsSmtp(protocol) && !_warnedSmtpOnly)
                {
                    _warnedSmtpOnly = true;
                    var others = Protocol.Where(p => !MailServiceDefaults.IsSmtp(p)).Select(p => p.ToString());
                    WriteWarning($"-TestRelay and -Recipient apply to SMTP only; skipped for {string.Join(", ", others)} on every target.");
                }
                _targets.Add(options);
            }
        }
    }

    /// <summary>
    /// The mail hosts of each domain (MailHostLookup: MX by preference, or the domain itself),
    /// each at its first address from the same DNS server. A domain with no host to try (null
    /// MX, no such domain, no DNS answer) is an error for that domain, never a probe.
    /// </summary>
    private IEnumerable<(string Host, System.Net.IPAddress? Address)> MailHostsOf(IEnumerable<string> domains)
    {
        MailDnsResolver resolver;
        try { resolver = new MailDnsResolver(DnsServer, TimeSpan.FromSeconds(Timeout)); }
        catch (ArgumentException ex) { ThrowTerminating(ex, "DnsServerInvalid", ErrorCategory.InvalidArgument, DnsServer); yield break; }
        foreach (var domain in domains)
        {
            var ascii = DomainName.TryToAscii(domain, out var invalid);
            if (ascii == null)
            {
                WriteError(new ArgumentException(invalid), "MailDomainInvalid", ErrorCategory.InvalidArgument, domain);
                continue;
            }
            MailHostLookup? lookup = null;
            RunAsync(async token => lookup = await MailHostLookup.ResolveAsync(resolver, ascii, token).ConfigureAwait(false));
            if (lookup!.Outcome == MailHostOutcome.NullMx)
            {
                WriteError(new InvalidOperationException(lookup.Problem), "MailDomainAcceptsNoMail", ErrorCategory.InvalidData, domain);
                continue;
            }
            if (lookup.Hosts.Count == 0)
            {
                WriteError(new InvalidOperationException(lookup.Problem), "MailDomainUnresolved", ErrorCategory.ResourceUnavailable, domain);
                continue;
            }
            WriteVerbose($"{domain}: mail hosts {string.Join(", ", lookup.Hosts)}");
            foreach (var host in lookup.Hosts) yield return (host.Name, host.Addresses.FirstOrDefault());
        }
    }

    /// <summary>
    /// All targets run at once, at most -ThrottleLimit at a time. Results come out in input
    /// order (so -Quiet's booleans line up with the targets), each as soon as it and every
    /// one before it are done.
    /// </summary>
    protected override void EndProcessing()
    {
        var total = _targets.Count;
        var done = 0;
        var results = new MailServerHealth?[total];
        var next = 0;
        RunAsync(async token =>
        {
            using var throttle = new SemaphoreSlim(ThrottleLimit);
            var checks = _targets.Select(async (options, index) =>
            {
                await throttle.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    var health = await MailServerProber.ProbeAsync(options, token).ConfigureAwait(false);
                    await OnPipelineThread(() =>
                    {
                        results[index] = health;
                        ReportProgress(++done, total);
                        for (; next < total && results[next] != null; next++)
                            Report(results[next]!);
                    }).ConfigureAwait(false);
                }
                finally
                {
                    throttle.Release();
                }
            }).ToList();
            await Task.WhenAll(checks).ConfigureAwait(false);
        });
        if (total > 1)
            WriteProgress(new ProgressRecord(1, "Test-MailServer", "Done") { RecordType = ProgressRecordType.Completed });
    }

    private void ReportProgress(int done, int total)
    {
        if (total > 1)
            WriteProgress(new ProgressRecord(1, "Test-MailServer", $"{done} of {total} checked") { PercentComplete = done * 100 / total });
    }

    private void Report(MailServerHealth health)
    {
        if (Quiet) WriteObject(health.Status != CheckStatus.Fail);
        else WriteObject(health);
    }
}
