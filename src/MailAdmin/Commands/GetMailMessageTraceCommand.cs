using System;
using System.Management.Automation;
using MailAdmin.Delivery;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>
/// Get-MailMessageTrace: every step of the server's messages (received, queued, attempted, deferred,
/// delivered, failed, bounced...), newest first, like Exchange's Get-MessageTraceV2.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MailMessageTrace")]
[OutputType(typeof(MessageTraceEvent))]
public sealed class GetMailMessageTraceCommand : MailAdminCmdlet
{
    // Not from the pipeline, unlike the queue cmdlets' -Server: the objects piped in are messages, and
    // Send-SmtpMessage -PassThru's carry a Server property of their own (the host they were sent to).
    [Parameter]
    [MailServerTransformation]
    [ArgumentCompleter(typeof(MailServerNameCompleter))]
    [ValidateNotNull]
    public MailServer? Server { get; set; }

    /// <summary>Exchange's default page size; -ResultSize 0 means all.</summary>
    public const int DefaultResultSize = 1000;

    /// <summary>The Message-ID header, with or without its angle brackets.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? MessageId { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNull]
    public string? Sender { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Recipient { get; set; }

    [Parameter]
    public DateTime? Start { get; set; }

    [Parameter]
    public DateTime? End { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public MessageTraceStatus[]? Status { get; set; }

    /// <summary>The queue (SMTP transaction) id, as Get-MailQueueMessage shows it in Id.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? QueueId { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int ResultSize { get; set; } = DefaultResultSize;

    protected override void ProcessRecord()
    {
        var server = Server;
        if (server == null)
        {
            server = MailServerRegistry.Implied(out var errorId, out var reason);
            if (server == null)
                ThrowTerminating(new InvalidOperationException(reason), errorId!, ErrorCategory.InvalidArgument, null);
        }
        if (Start.HasValue && End.HasValue && Start.Value > End.Value)
            ThrowTerminating(new ArgumentException("-Start is later than -End."), "MailMessageTraceRangeInvalid", ErrorCategory.InvalidArgument, Start);
        var query = new MessageTraceQuery
        {
            MessageId = MessageId,
            Sender = Sender,
            Recipient = Recipient,
            // A DateTime without a kind is the user's local time, as Get-Date gives it.
            Start = Start.HasValue ? new DateTimeOffset(Start.Value) : (DateTimeOffset?)null,
            End = End.HasValue ? new DateTimeOffset(End.Value) : (DateTimeOffset?)null,
            Status = Status,
            QueueId = QueueId,
            // One more than asked: tells whether there were more to say so.
            MaxResults = ResultSize == 0 ? (int?)null : ResultSize + 1,
        };
        var events = server!.Trace.Query(query);
        var count = ResultSize == 0 ? events.Count : Math.Min(ResultSize, events.Count);
        for (var i = 0; i < count; i++) WriteObject(events[i]);
        if (ResultSize != 0 && events.Count > ResultSize)
            WriteWarning($"More than {ResultSize} events match; only the newest {ResultSize} are shown. Narrow the search or raise -ResultSize (0: all).");
    }
}
