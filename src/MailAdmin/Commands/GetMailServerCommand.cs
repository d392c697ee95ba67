using System.Management.Automation;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>Get-MailServer: the servers running in this session, with live statistics.</summary>
[Cmdlet(VerbsCommon.Get, "MailServer")]
[OutputType(typeof(MailServer))]
public sealed class GetMailServerCommand : MailAdminCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(MailServerNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void EndProcessing()
    {
        var servers = MailServerRegistry.Match(Name, out var unmatched);
        foreach (var name in unmatched)
            WriteError(new ItemNotFoundException($"No running mail server is named '{name}'."), "MailServerNotFound", ErrorCategory.ObjectNotFound, name);
        WriteObject(servers, enumerateCollection: true);
    }
}
