using System.Collections.Generic;
using System.Management.Automation;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>Stop-MailServer: stops running servers gracefully.</summary>
[Cmdlet(VerbsLifecycle.Stop, "MailServer", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(MailServer))]
public sealed class StopMailServerCommand : MailAdminCmdlet
{
    private const string NameSet = "Name";
    private const string ObjectSet = "InputObject";

    [Parameter(Position = 0, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(MailServerNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [ValidateNotNull]
    public MailServer[] InputObject { get; set; } = new MailServer[0];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        IReadOnlyList<MailServer> targets = InputObject;
        if (ParameterSetName == NameSet)
        {
            targets = MailServerRegistry.Match(Name, out var unmatched);
            foreach (var name in unmatched)
                WriteError(new ItemNotFoundException($"No running mail server is named '{name}'."), "MailServerNotFound", ErrorCategory.ObjectNotFound, name);
        }

        foreach (var server in targets)
        {
            if (!ShouldProcess($"{server.Name} ({string.Join(", ", server.Endpoints)})", "Stop mail server"))
                continue;
            // Bounded: busy sessions get a few seconds, then are aborted (MailServer.Stop).
            server.Stop();
            MailServerRegistry.Remove(server);
            if (PassThru) WriteObject(server);
        }
    }
}
