using System;
using System.Management.Automation;
using MailAdmin.Addresses;

namespace MailAdmin.Commands;

/// <summary>Test-MailAddress: syntax, a domain that takes mail, and optionally RCPT TO at its mail host.</summary>
[Cmdlet(VerbsDiagnostic.Test, "MailAddress")]
[OutputType(typeof(MailAddressReport))]
public sealed class TestMailAddressCommand : MailAdminCmdlet
{
    private MailAddressInspector? _inspector;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Address { get; set; } = Array.Empty<string>();

    /// <summary>Ask this DNS server instead of the system's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DnsServer { get; set; }

    /// <summary>Check the syntax only.</summary>
    [Parameter]
    public SwitchParameter SkipDns { get; set; }

    /// <summary>Ask the mail host with RCPT TO (never DATA).</summary>
    [Parameter]
    public SwitchParameter Probe { get; set; }

    /// <summary>Probe this server instead of the domain's mail hosts.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 25;

    /// <summary>MAIL FROM of the probe; the null sender &lt;&gt; by default.</summary>
    [Parameter]
    public string From { get; set; } = "";

    /// <summary>Seconds to wait for each DNS answer and for the probe.</summary>
    [Parameter]
    [ValidateRange(1, 300)]
    public int Timeout { get; set; } = 10;

    protected override void BeginProcessing()
    {
        var options = new MailAddressCheckOptions
        {
            SkipDns = SkipDns,
            Probe = Probe,
            ProbeServer = Server,
            ProbePort = Port,
            ProbeSender = From,
            HeloName = System.Net.Dns.GetHostName(),
            Timeout = TimeSpan.FromSeconds(Timeout),
        };
        var dns = SkipDns ? null : DnsResolvers.Create(this, DnsServer, Timeout);
        _inspector = new MailAddressInspector(dns, options);
    }

    protected override void ProcessRecord()
    {
        foreach (var address in Address)
        {
            MailAddressReport? report = null;
            RunAsync(async token => report = await _inspector!.CheckAsync(address, token).ConfigureAwait(false));
            WriteObject(report);
        }
    }
}
