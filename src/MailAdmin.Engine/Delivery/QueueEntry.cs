using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace MailAdmin.Delivery;

/// <summary>
/// The queue's live record of one message: the state (mutated under the queue's lock only), each
/// recipient's destination (fixed at enqueue), and which destinations are claimed, i.e. waiting in
/// a lane or being sent right now, so no message goes out twice at once to one destination.
/// </summary>
internal sealed class QueueEntry
{
    internal QueueEntry(QueueMessage message, Func<string, string> destinationOf)
    {
        Message = message;
        Destinations = message.Recipients.Select(r => destinationOf(r.Address)).ToArray();
    }

    internal QueueMessage Message { get; }

    /// <summary>Destination of Message.Recipients[i] (the recipient list never changes after enqueue).</summary>
    internal string[] Destinations { get; }

    internal HashSet<string> Claimed { get; } = new(StringComparer.Ordinal);

    /// <summary>Held while a state is saved (and checked there), so saves of one message land in order and never after its removal.</summary>
    internal object SaveLock { get; } = new();

    /// <summary>Removed by an admin or finished and deleted: nothing may save it again.</summary>
    internal bool Removed { get; set; }

    internal bool IsDue(int i, DateTimeOffset now)
    {
        var r = Message.Recipients[i];
        return r.Status == QueueRecipientStatus.Pending
               || (r.Status == QueueRecipientStatus.Deferred && (r.NextAttempt == null || r.NextAttempt <= now));
    }

    /// <summary>Indexes of the recipients for <paramref name="destination"/> that may be tried now.</summary>
    internal List<int> DueFor(string destination, DateTimeOffset now)
    {
        var result = new List<int>();
        if (Removed || Message.Suspended) return result;
        for (int i = 0; i < Destinations.Length; i++)
            if (Destinations[i] == destination && IsDue(i, now)) result.Add(i);
        return result;
    }

    /// <summary>Destinations with a recipient due now (none while suspended).</summary>
    internal IEnumerable<string> DueDestinations(DateTimeOffset now)
    {
        if (Removed || Message.Suspended) return Array.Empty<string>();
        return Enumerable.Range(0, Destinations.Length).Where(i => IsDue(i, now)).Select(i => Destinations[i]).Distinct();
    }
}

/// <summary>The messages due for one destination and the connections open to it.</summary>
internal sealed class QueueLane
{
    internal QueueLane(string destination) => Destination = destination;
    internal string Destination { get; }
    internal Queue<QueueEntry> Due { get; } = new();
    internal int Active { get; set; }
    /// <summary>Connections of <see cref="Active"/> waiting for more mail (kept open a moment for reuse).</summary>
    internal int Idle { get; set; }
    /// <summary>Completed when mail arrives in the lane (or idle connections must close): wakes the idle ones.</summary>
    internal TaskCompletionSource<bool> Arrival { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void SignalArrival()
    {
        if (Idle == 0) return;
        Arrival.TrySetResult(true);
        Arrival = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
