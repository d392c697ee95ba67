using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Delivery;

/// <summary>
/// The scheduler: one loop that hands due messages to connections, and one task per open
/// connection that sends message after message for its destination (connection reuse) until its
/// lane is empty, the connection breaks, or it carried MaxMessagesPerConnection. The loop sleeps
/// until an enqueue, a resume or a finished connection wakes it, or until the earliest next attempt.
/// </summary>
public sealed partial class OutboundQueue
{
    private readonly Dictionary<string, QueueLane> lanes = new(StringComparer.Ordinal);
    private int activeConnections, idleConnections;

    /// <summary>
    /// How long a connection whose lane is empty stays open for more mail to that destination, as
    /// Postfix's connection cache: a stream of messages arriving one by one then shares connections.
    /// </summary>
    internal TimeSpan ConnectionIdleTime { get; set; } = TimeSpan.FromSeconds(2);
    private TaskCompletionSource<bool> wakeSignal = NewSignal();
    private TaskCompletionSource<bool> changedSignal = NewSignal();
    /// <summary>When the loop must look for deferred recipients falling due (MinValue: at once).</summary>
    private DateTimeOffset nextScan = DateTimeOffset.MinValue;
    private Task? loop;

    private static TaskCompletionSource<bool> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void StartScheduler()
    {
        lock (gate) nextScan = DateTimeOffset.MinValue;
        loop = Task.Run(RunLoopAsync);
    }

    private async Task RunLoopAsync()
    {
        var token = stop.Token;
        while (!token.IsCancellationRequested)
        {
            Task wake;
            TimeSpan delay;
            lock (gate)
            {
                if (stopping) return;
                var now = DateTimeOffset.UtcNow;
                try
                {
                    if (now >= nextScan) ScanLocked(now);
                    StartConnectionsLocked(now);
                }
                catch (Exception)
                {
                    // A bug here must not end sending for good: look again in a second.
                    nextScan = now + TimeSpan.FromSeconds(1);
                }
                if (wakeSignal.Task.IsCompleted) wakeSignal = NewSignal();
                wake = wakeSignal.Task;
                delay = nextScan == DateTimeOffset.MaxValue ? Timeout.InfiniteTimeSpan : Clamp(nextScan - now);
            }
            using var sleeping = CancellationTokenSource.CreateLinkedTokenSource(token);
            await Task.WhenAny(wake, Task.Delay(delay, sleeping.Token)).ConfigureAwait(false);
            sleeping.Cancel(); // drops the timer when the wake came first
        }
    }

    private static TimeSpan Clamp(TimeSpan delay)
    {
        if (delay < TimeSpan.FromMilliseconds(1)) return TimeSpan.FromMilliseconds(1);
        return delay > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : delay;
    }

    /// <summary>
    /// Puts every recipient that fell due into its lane and sets the next scan to the earliest later
    /// attempt, but not sooner than a fraction of the shortest retry interval: a big deferred queue
    /// with attempts a few milliseconds apart is scanned once per batch, not once per recipient.
    /// </summary>
    private void ScanLocked(DateTimeOffset now)
    {
        var earliest = DateTimeOffset.MaxValue;
        foreach (var e in entries.Values)
        {
            if (e.Removed || e.Message.Suspended) continue;
            for (int i = 0; i < e.Destinations.Length; i++)
            {
                var r = e.Message.Recipients[i];
                if (r.IsFinal) continue;
                if (e.IsDue(i, now)) MarkDueLocked(e, e.Destinations[i]);
                else if (r.NextAttempt.HasValue && r.NextAttempt.Value < earliest) earliest = r.NextAttempt.Value;
            }
        }
        nextScan = earliest == DateTimeOffset.MaxValue ? earliest : Max(earliest, now + ScanGranularity());
        foreach (var idle in lanes.Values.Where(l => l.Active == 0 && l.Due.Count == 0).Select(l => l.Destination).ToList())
            lanes.Remove(idle);
    }

    private TimeSpan ScanGranularity()
    {
        var shortest = Options.RetrySchedule.Count > 0 ? Options.RetrySchedule.Min() : TimeSpan.FromMinutes(5);
        var g = TimeSpan.FromTicks(shortest.Ticks / 10);
        return g > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : g;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>A deferral was recorded: the loop's timer must reach it.</summary>
    private void NoteNextAttemptLocked(DateTimeOffset at)
    {
        if (at < nextScan)
        {
            nextScan = at;
            WakeLocked();
        }
    }

    private void MarkDueLocked(QueueEntry entry, string destination)
    {
        if (!entry.Claimed.Add(destination)) return; // waiting in the lane or being sent already
        if (!lanes.TryGetValue(destination, out var lane)) lanes[destination] = lane = new QueueLane(destination);
        lane.Due.Enqueue(entry);
        lane.SignalArrival();
    }

    /// <summary>The next message of the lane with recipients due now; claims of stale ones (suspended, removed, sent meanwhile) are dropped.</summary>
    private QueueEntry? TakeNextLocked(QueueLane lane, DateTimeOffset now)
    {
        while (lane.Due.Count > 0)
        {
            var e = lane.Due.Dequeue();
            if (e.DueFor(lane.Destination, now).Count > 0) return e;
            e.Claimed.Remove(lane.Destination);
        }
        return null;
    }

    /// <summary>The message is done with for this destination now; what fell due meanwhile (a resume) goes back in the lane.</summary>
    private void ReleaseLocked(QueueEntry entry, string destination)
    {
        entry.Claimed.Remove(destination);
        if (!stopping && entry.DueFor(destination, DateTimeOffset.UtcNow).Count > 0)
        {
            MarkDueLocked(entry, destination);
            WakeLocked();
        }
        PulseLocked();
    }

    private void StartConnectionsLocked(DateTimeOffset now)
    {
        bool starved = false;
        foreach (var lane in lanes.Values)
        {
            // Idle connections of the lane take what is waiting first (they were woken by its arrival).
            while (lane.Due.Count > lane.Idle && lane.Active < Math.Max(1, Options.MaxConnectionsPerDestination))
            {
                if (activeConnections >= Math.Max(1, Options.MaxConnections)) { starved = true; break; }
                var first = TakeNextLocked(lane, now);
                if (first == null) break;
                lane.Active++;
                activeConnections++;
                _ = Task.Run(() => RunConnectionAsync(lane, first));
            }
        }
        // Every slot is taken and some wait idle for other destinations: they close and make room.
        if (starved && idleConnections > 0)
            foreach (var lane in lanes.Values)
                if (lane.Due.Count == 0) lane.SignalArrival();
    }

    /// <summary>One connection: connects, then sends due messages of its lane one after the other.</summary>
    private async Task RunConnectionAsync(QueueLane lane, QueueEntry first)
    {
        var token = stop.Token;
        IOutboundConnection? connection = null;
        try
        {
            try
            {
                connection = await Transport.ConnectAsync(lane.Destination, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                lock (gate) ReleaseLocked(first, lane.Destination);
                return;
            }
            catch (Exception e)
            {
                var failure = e as OutboundConnectException ?? new OutboundConnectException(e.Message, false, "4.4.1", e);
                // The only connection to a destination that does not answer: everything waiting for it
                // is deferred now, instead of one more failed connection per message.
                var victims = new List<QueueEntry> { first };
                lock (gate)
                {
                    if (lane.Active == 1)
                        for (var next = TakeNextLocked(lane, DateTimeOffset.UtcNow); next != null; next = TakeNextLocked(lane, DateTimeOffset.UtcNow))
                            victims.Add(next);
                }
                foreach (var victim in victims) await ApplyFailureAsync(victim, lane.Destination, failure, null).ConfigureAwait(false);
                return;
            }
            int sent = 0;
            for (var item = first; item != null;)
            {
                bool usable = await SendOneAsync(connection, lane.Destination, item, token).ConfigureAwait(false);
                sent++;
                if (!usable || token.IsCancellationRequested || !connection.IsConnected || sent >= Math.Max(1, Options.MaxMessagesPerConnection)) break;
                item = await NextForConnectionAsync(lane, token).ConfigureAwait(false);
            }
        }
        finally
        {
            try { connection?.Dispose(); } catch (Exception) { /* a close that fails changes nothing sent */ }
            lock (gate)
            {
                lane.Active--;
                activeConnections--;
                WakeLocked(); // the lane or another one may wait for this connection slot
                PulseLocked();
            }
        }
    }

    /// <summary>The next message for an open connection: at once, or when one arrives within <see cref="ConnectionIdleTime"/>; null: close.</summary>
    private async Task<QueueEntry?> NextForConnectionAsync(QueueLane lane, CancellationToken token)
    {
        Task arrival;
        lock (gate)
        {
            var item = TakeNextLocked(lane, DateTimeOffset.UtcNow);
            if (item != null || stopping || ConnectionIdleTime <= TimeSpan.Zero) return item;
            lane.Idle++;
            idleConnections++;
            arrival = lane.Arrival.Task;
            PulseLocked(); // an idle connection is not work in progress (WaitIdleAsync)
        }
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(token);
        await Task.WhenAny(arrival, Task.Delay(ConnectionIdleTime, waiting.Token)).ConfigureAwait(false);
        waiting.Cancel();
        lock (gate)
        {
            lane.Idle--;
            idleConnections--;
            return stopping ? null : TakeNextLocked(lane, DateTimeOffset.UtcNow);
        }
    }

    /// <summary>Sends one message's due recipients over <paramref name="connection"/>; false when the connection is not usable any more.</summary>
    private async Task<bool> SendOneAsync(IOutboundConnection connection, string destination, QueueEntry entry, CancellationToken token)
    {
        List<int> due;
        QueueMessage envelope;
        lock (gate)
        {
            due = entry.DueFor(destination, DateTimeOffset.UtcNow);
            if (due.Count == 0)
            {
                ReleaseLocked(entry, destination);
                return true;
            }
            envelope = entry.Message.Snapshot();
        }
        var recipients = due.Select(i => envelope.Recipients[i]).ToList();
        string? remote = SafeRemoteHost(connection);
        foreach (var r in recipients) WriteTrace(MessageTraceStatus.Attempted, envelope, r, destination, remote, null);
        IReadOnlyList<RecipientResult> results;
        try
        {
            using var content = Store.OpenContent(envelope.Id);
            results = await connection.SendAsync(new OutboundEnvelope(envelope, recipients), content, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping: nothing is recorded, the recipients stay as last saved and go out after the restart.
            lock (gate) ReleaseLocked(entry, destination);
            return false;
        }
        catch (OutboundConnectException e)
        {
            await ApplyFailureAsync(entry, destination, e, remote).ConfigureAwait(false);
            return false;
        }
        catch (Exception e) when (e is System.IO.FileNotFoundException || e is System.IO.DirectoryNotFoundException)
        {
            // The content went (removed meanwhile, or lost): nothing was sent, the connection is fine.
            await ApplyFailureAsync(entry, destination, new OutboundConnectException("queued content unreadable: " + e.Message, false, "4.3.0", e), null).ConfigureAwait(false);
            return true;
        }
        catch (Exception e)
        {
            await ApplyFailureAsync(entry, destination, new OutboundConnectException(e.Message, false, "4.4.2", e), remote).ConfigureAwait(false);
            return false;
        }
        await ApplyResultsAsync(entry, destination, due, Align(recipients, results, remote)).ConfigureAwait(false);
        return true;
    }

    private static string? SafeRemoteHost(IOutboundConnection connection)
    {
        try { return connection.RemoteHost; } catch (Exception) { return null; }
    }

    /// <summary>One result per recipient, in the envelope's order; a recipient the transport did not answer for is deferred.</summary>
    private static List<RecipientResult> Align(List<QueueRecipient> recipients, IReadOnlyList<RecipientResult> results, string? remote)
    {
        var aligned = new List<RecipientResult>(recipients.Count);
        for (int k = 0; k < recipients.Count; k++)
        {
            var address = recipients[k].Address;
            RecipientResult? match = k < results.Count && string.Equals(results[k].Address, address, StringComparison.OrdinalIgnoreCase)
                ? results[k]
                : results.FirstOrDefault(r => string.Equals(r.Address, address, StringComparison.OrdinalIgnoreCase));
            aligned.Add(match ?? new RecipientResult(address, 451, "4.4.0", "no reply for this recipient from the next hop", remote));
        }
        return aligned;
    }

    /// <summary>The connection or the session failed: every due recipient of the message gets the failure (deferred, or failed when permanent).</summary>
    private Task ApplyFailureAsync(QueueEntry entry, string destination, OutboundConnectException failure, string? remote)
    {
        List<int> due;
        List<RecipientResult> results;
        lock (gate)
        {
            due = entry.DueFor(destination, DateTimeOffset.UtcNow);
            if (due.Count == 0)
            {
                ReleaseLocked(entry, destination);
                return Task.CompletedTask;
            }
            int code = failure.Permanent ? 550 : 451;
            results = due.Select(i => new RecipientResult(entry.Message.Recipients[i].Address, code, failure.EnhancedCode, failure.Message, remote)).ToList();
        }
        return ApplyResultsAsync(entry, destination, due, results);
    }

    private bool IsIdleLocked(DateTimeOffset now)
    {
        if (activeConnections > idleConnections) return false;
        foreach (var e in entries.Values)
        {
            if (e.Removed || e.Message.Suspended) continue;
            for (int i = 0; i < e.Destinations.Length; i++)
                if (e.IsDue(i, now)) return false;
        }
        return true;
    }

    private async Task WaitForWorkersAsync(CancellationToken cancellationToken)
    {
        var endless = Task.Delay(Timeout.Infinite, cancellationToken);
        if (loop != null) await Task.WhenAny(loop, endless).ConfigureAwait(false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task changed;
            lock (gate)
            {
                if (activeConnections == 0) return;
                changed = changedSignal.Task;
            }
            await Task.WhenAny(changed, endless).ConfigureAwait(false);
        }
    }

    private void WakeLocked() => wakeSignal.TrySetResult(true);

    /// <summary>Tells WaitIdleAsync and StopAsync that something changed.</summary>
    private void PulseLocked()
    {
        changedSignal.TrySetResult(true);
        changedSignal = NewSignal();
    }
}
