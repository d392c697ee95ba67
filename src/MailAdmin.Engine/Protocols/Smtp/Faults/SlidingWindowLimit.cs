using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace MailAdmin.Protocols.Smtp.Faults;

/// <summary>At most N events per key in any window of the given length (a sliding log: exact, and
/// small for the counts a test server sees). Only admitted events are counted, so a client that is
/// refused and retries gets in again once the window has moved past its earlier events.</summary>
internal sealed class SlidingWindowLimit
{
    private readonly int _limit;
    private readonly TimeSpan _window;
    private readonly ConcurrentDictionary<string, Queue<DateTime>> _events = new(StringComparer.OrdinalIgnoreCase);

    public SlidingWindowLimit(int limit, TimeSpan window)
    {
        _limit = limit;
        _window = window;
    }

    /// <summary>Admits and counts one event, or refuses it when the key already had N in the window.</summary>
    public bool TryAdmit(string key, DateTime now)
    {
        var times = _events.GetOrAdd(key, _ => new Queue<DateTime>());
        lock (times)
        {
            while (times.Count > 0 && now - times.Peek() >= _window) times.Dequeue();
            if (times.Count >= _limit) return false;
            times.Enqueue(now);
            return true;
        }
    }
}
