using System.Management.Automation;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>Resume-MailQueueMessage: retry now (deferred recipients become due) and lift a suspension.</summary>
[Cmdlet(VerbsLifecycle.Resume, "MailQueueMessage")]
public sealed class ResumeMailQueueMessageCommand : MailQueueMessageCmdlet
{
    protected override bool Act(MailServer server, string id)
    {
        var found = server.Queue.Resume(id);
        if (found) WriteVerbose($"Resumed '{id}' on '{server.Name}': its deferred recipients are due now.");
        return found;
    }
}
