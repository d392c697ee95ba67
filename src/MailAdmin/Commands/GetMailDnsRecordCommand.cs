using System;
using System.Management.Automation;
using MailAdmin.DnsChecks;

namespace MailAdmin.Commands;

/// <summary>Get-MailDnsRecord: what a domain publishes for mail (MX, SPF, DMARC, DKIM, MTA-STS, TLS-RPT, BIMI, reverse DNS), judged.</summary>
[Cmdlet(VerbsCommon.Get, "MailDnsRecord")]
[OutputType(typeof(MailDnsReport))]
public sealed class GetMailDnsRecordCommand : MailAdminCmdlet
{
    private MailDnsInspector? _inspector;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Domain { get; set; } = Array.Empty<string>();

    /// <summary>DKIM selectors whose keys to look up.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Selector { get; set; } = Array.Empty<string>();

    /// <summary>Ask this server ("address", "address:port", "[v6]:port" or a name) instead of the system's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DnsServer { get; set; }

    /// <summary>Seconds to wait for each DNS answer.</summary>
    [Parameter]
    [ValidateRange(1, 300)]
    public int Timeout { get; set; } = 5;

    protected override void BeginProcessing()
    {
        _inspector = new MailDnsInspector(DnsResolvers.Create(this, DnsServer, Timeout));
    }

    protected override void ProcessRecord()
    {
        foreach (var domain in Domain)
        {
            MailDnsReport? report = null;
            RunAsync(async token => report = await _inspector!.InspectAsync(domain, Selector, token).ConfigureAwait(false));
            WriteObject(report);
        }
    }
}

/// <summary>The resolver -DnsServer asks for; a server that cannot be parsed or named is a setup failure.</summary>
internal static class DnsResolvers
{
    public static MailDnsResolver Create(MailAdminCmdlet cmdlet, string? server, int timeoutSeconds)
    {
        try
        {
            return new MailDnsResolver(server, TimeSpan.FromSeconds(timeoutSeconds));
        }
        catch (Exception ex) when (ex is FormatException || ex is System.Net.Sockets.SocketException || ex is ArgumentException)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(ex, "DnsServerInvalid", ErrorCategory.InvalidArgument, server));
            throw; // not reached
        }
    }
}
