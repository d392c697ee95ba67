using System.Management.Automation;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>Resume-, Suspend- and Remove-MailQueueMessage: act on queue messages named by -Id or piped from Get-MailQueueMessage.</summary>
public abstract class MailQueueMessageCmdlet : MailQueueCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = new string[0];

    protected override void ProcessRecord()
    {
        var server = TargetServer();
        foreach (var id in Id)
        {
            ThrowIfStopping();
            if (!Act(server, id))
                WriteError(new ItemNotFoundException($"No message '{id}' is in the queue of '{server.Name}' (delivered and gone, removed, or a typo: Get-MailQueueMessage lists them)."), "MailQueueMessageNotFound", ErrorCategory.ObjectNotFound, id);
        }
    }

    /// <summary>Does the work for one id; false when the queue has no such message (true also when -WhatIf declined).</summary>
    protected abstract bool Act(MailServer server, string id);
}
