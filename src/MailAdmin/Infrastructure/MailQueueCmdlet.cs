using System;
using System.Management.Automation;
using MailAdmin.Delivery;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>
/// The queue and trace cmdlets' common part: -Server (a running server or its name, by default the
/// only one running) and the server's queue.
/// </summary>
public abstract class MailQueueCmdlet : MailAdminCmdlet
{
    /// <summary>The name of the note property that ties a Get-MailQueueMessage object to its server (for the pipeline).</summary>
    internal const string ServerProperty = "Server";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [MailServerTransformation]
    [ArgumentCompleter(typeof(MailServerNameCompleter))]
    [ValidateNotNull]
    public MailServer? Server { get; set; }

    /// <summary>The server to act on: -Server, else the one running server (an error names the choice otherwise).</summary>
    protected MailServer TargetServer()
    {
        if (Server != null) return Server;
        var implied = MailServerRegistry.Implied(out var errorId, out var reason);
        if (implied == null)
            ThrowTerminating(new InvalidOperationException(reason), errorId!, ErrorCategory.InvalidArgument, null);
        return implied!;
    }

    protected OutboundQueue TargetQueue() => TargetServer().Queue;

    /// <summary>A queue message as the pipeline sees it: the snapshot with the server's name, so Resume/Suspend/Remove find the same server.</summary>
    protected static PSObject WithServer(QueueMessage message, MailServer server)
    {
        var item = PSObject.AsPSObject(message);
        item.Properties.Add(new PSNoteProperty(ServerProperty, server.Name));
        return item;
    }
}
