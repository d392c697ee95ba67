using System;
using System.Linq;
using System.Management.Automation;
using MailAdmin.Delivery;

namespace MailAdmin.Commands;

/// <summary>Get-MailQueueMessage: the messages in a server's outbound queue, each with its recipients' state.</summary>
[Cmdlet(VerbsCommon.Get, "MailQueueMessage")]
[OutputType(typeof(QueueMessage))]
public sealed class GetMailQueueMessageCommand : MailQueueCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNull]
    public string? Sender { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Recipient { get; set; }

    /// <summary>Pending, Deferred, Delivered, Failed (the recipients' state) or Suspended (held by Suspend-MailQueueMessage).</summary>
    [Parameter]
    [ValidateSet("Pending", "Deferred", "Delivered", "Failed", "Suspended", IgnoreCase = true)]
    public string[]? Status { get; set; }

    protected override void ProcessRecord()
    {
        var server = TargetServer();
        var ids = Id?.Select(i => WildcardPattern.Get(i, WildcardOptions.IgnoreCase)).ToList();
        var sender = Sender == null ? null : WildcardPattern.Get(Sender, WildcardOptions.IgnoreCase);
        var recipient = Recipient == null ? null : WildcardPattern.Get(Recipient, WildcardOptions.IgnoreCase);
        var messages = server.Queue.GetMessages();
        foreach (var message in messages)
        {
            if (ids != null && !ids.Any(p => p.IsMatch(message.Id))) continue;
            if (sender != null && !sender.IsMatch(message.Sender)) continue;
            if (recipient != null && !message.Recipients.Any(r => recipient.IsMatch(r.Address))) continue;
            if (Status != null && !Status.Any(s => string.Equals(s, StatusOf(message), StringComparison.OrdinalIgnoreCase))) continue;
            WriteObject(WithServer(message, server));
        }
        if (Id != null)
        {
            foreach (var id in Id.Where(i => !WildcardPattern.ContainsWildcardCharacters(i) && !messages.Any(m => string.Equals(m.Id, i, StringComparison.OrdinalIgnoreCase))))
                WriteError(new ItemNotFoundException($"No message '{id}' is in the queue of '{server.Name}'."), "MailQueueMessageNotFound", ErrorCategory.ObjectNotFound, id);
        }
    }

    /// <summary>What -Status and the table's Status column call a message: Suspended while held, else its recipients' state.</summary>
    internal static string StatusOf(QueueMessage message) => message.Suspended ? "Suspended" : message.Status.ToString();
}
