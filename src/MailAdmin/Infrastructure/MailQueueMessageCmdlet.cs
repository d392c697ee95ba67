using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using MailAdmin.Delivery;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>Resume-, Suspend- and Remove-MailQueueMessage: act on queue messages named by -Id or piped from Get-MailQueueMessage.</summary>
public abstract class MailQueueMessageCmdlet : MailQueueCmdlet
{
    // One snapshot of the queue per server for the whole pipeline, taken again only when an id is
    // not in it: piping thousands of messages in would otherwise copy the whole queue once per message.
    private MailServer? _snapshotServer;
    private Dictionary<string, QueueMessage>? _snapshot;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = new string[0];

    protected override void ProcessRecord()
    {
        var server = TargetServer();
        foreach (var id in Id)
        {
            ThrowIfStopping();
            var message = Find(server, id);
            if (message == null || !Act(server, message))
                WriteError(new ItemNotFoundException($"No message '{id}' is in the queue of '{server.Name}' (delivered and gone, removed, or a typo: Get-MailQueueMessage lists them)."), "MailQueueMessageNotFound", ErrorCategory.ObjectNotFound, id);
        }
    }

    /// <summary>
    /// Does the work for one message (a snapshot; its Id is the queue's own spelling); false when the
    /// queue no longer has it. True also when -WhatIf or -Confirm declined.
    /// </summary>
    protected abstract bool Act(MailServer server, QueueMessage message);

    /// <summary>The queued message with this id (in any case, as Get-MailQueueMessage -Id matches), or null.</summary>
    private QueueMessage? Find(MailServer server, string id)
    {
        var key = id.Trim();
        if (_snapshot == null || !ReferenceEquals(_snapshotServer, server) || !_snapshot.ContainsKey(key))
        {
            _snapshotServer = server;
            _snapshot = new Dictionary<string, QueueMessage>(StringComparer.OrdinalIgnoreCase);
            foreach (var message in server.Queue.GetMessages()) _snapshot[message.Id] = message;
        }
        return _snapshot.TryGetValue(key, out var found) ? found : null;
    }

    /// <summary>What ShouldProcess names: the message, its envelope and its server.</summary>
    protected static string Describe(MailServer server, QueueMessage message) =>
        $"Queue message '{message.Id}' from <{message.Sender}> to {message.Recipients.Count} recipient(s), {message.Recipients.Count(r => !r.IsFinal)} not delivered, on '{server.Name}'";
}
