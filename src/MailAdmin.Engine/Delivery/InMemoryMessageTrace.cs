using System.Collections.Generic;

namespace MailAdmin.Delivery;

/// <summary>
/// The trace of a server without a file for it (-InMemory without -LogPath): the newest
/// <see cref="Capacity"/> events in a ring, the oldest dropped first, so a busy lab server's
/// memory stays bounded (about 100,000 × a few hundred bytes ≈ tens of MB at most).
/// </summary>
internal sealed class InMemoryMessageTrace : IMessageTrace
{
    public const int DefaultCapacity = 100_000;

    private readonly MessageTraceEvent?[] _ring;
    private int _next;   // where the next event goes
    private int _count;

    public InMemoryMessageTrace(int capacity = DefaultCapacity) => _ring = new MessageTraceEvent?[capacity];

    public int Capacity => _ring.Length;

    public void Write(MessageTraceEvent traceEvent)
    {
        if (traceEvent == null) return;
        lock (_ring)
        {
            _ring[_next] = traceEvent;
            _next = (_next + 1) % _ring.Length;
            if (_count < _ring.Length) _count++;
        }
    }

    public IReadOnlyList<MessageTraceEvent> Query(MessageTraceQuery query)
    {
        var filter = new MessageTraceFilter(query);
        var result = new List<MessageTraceEvent>();
        lock (_ring)
        {
            // Newest first: walk back from the last written slot.
            for (int n = 0, i = _next - 1; n < _count && result.Count < filter.Limit; n++, i--)
            {
                if (i < 0) i = _ring.Length - 1;
                var e = _ring[i]!;
                if (filter.IsPastStart(e)) break;
                if (filter.IsMatch(e)) result.Add(e);
            }
        }
        return result;
    }
}
