using System.Management.Automation;
using MailAdmin.Delivery;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>Suspend-MailQueueMessage: hold a message (no attempt) until Resume-MailQueueMessage.</summary>
// ShouldProcess like Suspend-Service and Exchange's Suspend-Message; ConfirmImpact Low: -Confirm asks, nothing else does.
[Cmdlet(VerbsLifecycle.Suspend, "MailQueueMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
public sealed class SuspendMailQueueMessageCommand : MailQueueMessageCmdlet
{
    protected override bool Act(MailServer server, QueueMessage message)
    {
        if (!ShouldProcess(Describe(server, message), "Suspend")) return true;
        var found = server.Queue.Suspend(message.Id);
        if (found) WriteVerbose($"Suspended '{message.Id}' on '{server.Name}'.");
        return found;
    }
}
