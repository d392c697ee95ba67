using System;
using System.Collections.Generic;

namespace MailAdmin.Delivery;

/// <summary>What Get-MailMessageTrace asks for; null members match everything.</summary>
public sealed class MessageTraceQuery
{
    public string? MessageId { get; set; }
    /// <summary>Wildcards (* ?) allowed.</summary>
    public string? Sender { get; set; }
    /// <summary>Wildcards (* ?) allowed.</summary>
    public string? Recipient { get; set; }
    public DateTimeOffset? Start { get; set; }
    public DateTimeOffset? End { get; set; }
    public IReadOnlyCollection<MessageTraceStatus>? Status { get; set; }
    public string? QueueId { get; set; }
    /// <summary>At most this many events (the newest); null or 0: all.</summary>
    public int? MaxResults { get; set; }
}

/// <summary>The message trace: every step of every message, written as it happens, read newest first.</summary>
public interface IMessageTrace
{
    /// <summary>Records an event; never throws (a trace that cannot be written must not stop mail).</summary>
    void Write(MessageTraceEvent traceEvent);

    /// <summary>Matching events, newest first.</summary>
    IReadOnlyList<MessageTraceEvent> Query(MessageTraceQuery query);
}
