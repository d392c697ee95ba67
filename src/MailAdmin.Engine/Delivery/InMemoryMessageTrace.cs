using System;
using System.Collections.Generic;
using System.Linq;

namespace MailAdmin.Delivery;

/// <summary>The trace of a server without a file for it: the newest events in memory. (Skeleton: the admin branch completes it.)</summary>
internal sealed class InMemoryMessageTrace : IMessageTrace
{
    private readonly List<MessageTraceEvent> events = new();
    public void Write(MessageTraceEvent traceEvent) { lock (events) events.Add(traceEvent); }
    public IReadOnlyList<MessageTraceEvent> Query(MessageTraceQuery query) { lock (events) return events.AsEnumerable().Reverse().ToList(); }
}
