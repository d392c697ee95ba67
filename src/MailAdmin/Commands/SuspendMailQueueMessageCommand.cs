using System.Management.Automation;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>Suspend-MailQueueMessage: hold a message (no attempt) until Resume-MailQueueMessage.</summary>
[Cmdlet(VerbsLifecycle.Suspend, "MailQueueMessage")]
public sealed class SuspendMailQueueMessageCommand : MailQueueMessageCmdlet
{
    protected override bool Act(MailServer server, string id)
    {
        var found = server.Queue.Suspend(id);
        if (found) WriteVerbose($"Suspended '{id}' on '{server.Name}'.");
        return found;
    }
}
