using System.Management.Automation;
using MailAdmin.Delivery;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>
/// Remove-MailQueueMessage: drops a message from the outbound queue, silently or (-Bounce) with a
/// failure notice to its sender for the recipients not delivered.
/// </summary>
// ConfirmImpact Medium, like Remove-Pop3Message and Clear-MailServerMessage: it asks under -Confirm and
// obeys -WhatIf, but a scheduled clean-up (Get-MailQueueMessage -Status Failed | Remove-MailQueueMessage)
// runs unattended without -Confirm:$false. It removes one queued copy an admin picked, not a mailbox.
[Cmdlet(VerbsCommon.Remove, "MailQueueMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class RemoveMailQueueMessageCommand : MailQueueMessageCmdlet
{
    /// <summary>Send the sender a failure notice for the recipients not yet delivered.</summary>
    [Parameter]
    public SwitchParameter Bounce { get; set; }

    protected override bool Act(MailServer server, QueueMessage message)
    {
        if (!ShouldProcess(Describe(server, message), Bounce ? "Remove, with a failure notice to the sender" : "Remove")) return true;
        var removed = false;
        RunAsync(async token => removed = await server.Queue.RemoveAsync(message.Id, Bounce, token).ConfigureAwait(false));
        if (removed) WriteVerbose($"Removed '{message.Id}' from '{server.Name}'" + (Bounce ? " and sent a failure notice." : "."));
        return removed;
    }
}
