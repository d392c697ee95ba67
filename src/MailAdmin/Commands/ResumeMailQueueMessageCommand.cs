using System.Management.Automation;
using MailAdmin.Delivery;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>Resume-MailQueueMessage: retry now (deferred recipients become due) and lift a suspension.</summary>
// ShouldProcess like Resume-Service and Exchange's Resume-Message; ConfirmImpact Low: -Confirm asks, nothing else does.
[Cmdlet(VerbsLifecycle.Resume, "MailQueueMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
public sealed class ResumeMailQueueMessageCommand : MailQueueMessageCmdlet
{
    protected override bool Act(MailServer server, QueueMessage message)
    {
        if (!ShouldProcess(Describe(server, message), "Resume (retry now)")) return true;
        var found = server.Queue.Resume(message.Id);
        if (found) WriteVerbose($"Resumed '{message.Id}' on '{server.Name}': its deferred recipients are due now.");
        return found;
    }
}
