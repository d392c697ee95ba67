using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.DnsChecks;
using MailAdmin.Store;

namespace MailAdmin.Delivery;

/// <summary>One row of Get-MailQueue: the messages waiting for one next hop.</summary>
public sealed class QueueDestination
{
    /// <summary>The recipient domain (direct delivery) or the smarthost.</summary>
    public string Destination { get; set; } = "";
    /// <summary>Messages with at least one recipient not yet final for this destination.</summary>
    public int Messages { get; set; }
    /// <summary>Recipients not yet final for this destination.</summary>
    public int Recipients { get; set; }
    /// <summary>The earliest next attempt; null when something is due now.</summary>
    public DateTimeOffset? NextAttempt { get; set; }
    /// <summary>The most recent deferral reply, null when none.</summary>
    public string? LastError { get; set; }
    /// <summary>Messages held by Suspend-MailQueueMessage.</summary>
    public int Suspended { get; set; }
}

/// <summary>
/// The outbound queue: durable messages for remote recipients, a scheduler that sends what is due
/// (a bounded number of connections per destination, several messages per connection), retries
/// by the schedule, fails what expires, and has notices sent. Built and started by MailServer.
/// This file: the public surface and the admin's actions; OutboundQueue.Scheduler.cs sends,
/// OutboundQueue.Results.cs records what the next hop answered.
/// </summary>
public sealed partial class OutboundQueue : IDisposable
{
    /// <summary>Guards every live QueueMessage, the lanes and the counters. Never held across an await or a store call.</summary>
    private readonly object gate = new();
    private readonly Dictionary<string, QueueEntry> entries = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private bool started, stopping, disposed;

    internal OutboundQueue(DeliveryOptions options, IQueueStore store, IOutboundTransport transport, IMessageTrace trace)
    {
        Options = options;
        Store = store;
        Transport = transport;
        Trace = trace;
    }

    public DeliveryOptions Options { get; }
    internal IQueueStore Store { get; }
    internal IOutboundTransport Transport { get; }
    internal IMessageTrace Trace { get; }
    /// <summary>Set by MailServer after construction (the notice sender queues remote notices here).</summary>
    internal INoticeSender? Notices { get; set; }

    /// <summary>A new queue id: sortable by time, unique, safe as a file name.</summary>
    public static string NewId() => DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 16);

    /// <summary>Loads what the store holds (recovery) and starts sending.</summary>
    internal void Start()
    {
        lock (gate)
        {
            if (started || stopping) return;
            started = true;
        }
        var finished = new List<string>();
        foreach (var message in Store.Load().OrderBy(m => m.ReceivedAt).ThenBy(m => m.Id, StringComparer.Ordinal))
        {
            lock (gate)
            {
                if (entries.ContainsKey(message.Id)) continue; // enqueued before Start: already known
                // Every recipient final but not yet deleted: a crash (or stop) between the last save and the delete.
                if (message.IsFinished) finished.Add(message.Id);
                else entries[message.Id] = new QueueEntry(message, DestinationOf);
            }
        }
        foreach (var id in finished)
        {
            try { Store.Delete(id, durable: false); } catch (Exception) { /* tried again at the next start */ }
        }
        StartScheduler();
    }

    /// <summary>Stops sending; attempts in progress are cancelled and stay pending (at most one more delivery each).</summary>
    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            stopping = true;
            WakeLocked();
        }
        stop.Cancel();
        try { await WaitForWorkersAsync(cancellationToken).ConfigureAwait(false); }
        catch (OperationCanceledException) { /* the caller's patience ended: return anyway */ }
    }

    /// <summary>Stores <paramref name="message"/> with <paramref name="content"/> durably and schedules it at once.</summary>
    internal async Task EnqueueAsync(QueueMessage message, MessageContent content, CancellationToken cancellationToken)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        if (content == null) throw new ArgumentNullException(nameof(content));
        CheckId(message.Id);
        if (message.Recipients.Count == 0) throw new ArgumentException("A queued message needs at least one recipient.", nameof(message));
        if (message.ReceivedAt == default) message.ReceivedAt = DateTimeOffset.UtcNow;
        if (message.Size == 0) message.Size = content.Size;
        // The queue keeps its own copy: the caller's object is never changed behind its back.
        var live = message.Snapshot();
        lock (gate)
        {
            if (disposed) throw new ObjectDisposedException(nameof(OutboundQueue));
            if (entries.ContainsKey(live.Id)) throw new InvalidOperationException("The queue already holds a message with the id '" + live.Id + "'.");
        }
        await Store.AddAsync(live, content, cancellationToken).ConfigureAwait(false);
        var entry = new QueueEntry(live, DestinationOf);
        lock (gate)
        {
            entries[live.Id] = entry;
            if (started && !stopping)
            {
                foreach (var destination in entry.DueDestinations(DateTimeOffset.UtcNow)) MarkDueLocked(entry, destination);
                WakeLocked();
            }
            PulseLocked();
        }
        for (int i = 0; i < live.Recipients.Count; i++)
            WriteTrace(MessageTraceStatus.Queued, live, live.Recipients[i], entry.Destinations[i], null, null);
    }

    /// <summary>The destination (Get-MailQueue row) of a recipient address.</summary>
    public string DestinationOf(string recipient)
    {
        if (!string.IsNullOrWhiteSpace(Options.Smarthost)) return Options.Smarthost!.Trim().ToLowerInvariant();
        if (recipient == null) throw new ArgumentNullException(nameof(recipient));
        int at = recipient.LastIndexOf('@');
        var domain = (at >= 0 ? recipient.Substring(at + 1) : recipient).Trim().TrimEnd('.');
        if (domain.StartsWith("[", StringComparison.Ordinal)) return domain.ToLowerInvariant(); // an address literal
        return DomainName.Normalize(domain); // a name IDNA refuses: the transport will say so
    }

    /// <summary>Snapshots of every queued message, oldest first.</summary>
    public IReadOnlyList<QueueMessage> GetMessages()
    {
        lock (gate)
            return entries.Values.Select(e => e.Message.Snapshot()).OrderBy(m => m.ReceivedAt).ThenBy(m => m.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>One row per destination with recipients not yet final.</summary>
    public IReadOnlyList<QueueDestination> GetDestinations()
    {
        var now = DateTimeOffset.UtcNow;
        var rows = new Dictionary<string, QueueDestination>(StringComparer.Ordinal);
        var due = new HashSet<string>(StringComparer.Ordinal);
        var lastErrorAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        lock (gate)
        {
            foreach (var e in entries.Values)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < e.Destinations.Length; i++)
                {
                    var r = e.Message.Recipients[i];
                    if (r.IsFinal) continue;
                    var d = e.Destinations[i];
                    if (!rows.TryGetValue(d, out var row)) rows[d] = row = new QueueDestination { Destination = d };
                    row.Recipients++;
                    if (seen.Add(d))
                    {
                        row.Messages++;
                        if (e.Message.Suspended) row.Suspended++;
                    }
                    if (e.Message.Suspended) continue;
                    if (e.IsDue(i, now)) due.Add(d);
                    else if (r.NextAttempt.HasValue && (row.NextAttempt == null || r.NextAttempt < row.NextAttempt)) row.NextAttempt = r.NextAttempt;
                    if (r.Status == QueueRecipientStatus.Deferred && r.LastReply != null)
                    {
                        var at = r.LastAttempt ?? DateTimeOffset.MinValue;
                        if (!lastErrorAt.TryGetValue(d, out var prior) || at >= prior) { lastErrorAt[d] = at; row.LastError = r.LastReply; }
                    }
                }
            }
        }
        foreach (var d in due) rows[d].NextAttempt = null;
        return rows.Values.OrderBy(r => r.Destination, StringComparer.Ordinal).ToList();
    }

    /// <summary>Makes every deferred recipient of the message due now and lifts a suspension. False when no such message.</summary>
    public bool Resume(string id)
    {
        QueueEntry? entry;
        lock (gate)
        {
            if (!entries.TryGetValue(id, out entry)) return false;
            entry.Message.Suspended = false;
            foreach (var r in entry.Message.Recipients)
            {
                if (r.Status != QueueRecipientStatus.Deferred) continue;
                r.Status = QueueRecipientStatus.Pending;
                r.NextAttempt = null;
            }
        }
        Persist(entry);
        lock (gate)
        {
            if (started && !stopping)
            {
                foreach (var destination in entry.DueDestinations(DateTimeOffset.UtcNow)) MarkDueLocked(entry, destination);
                WakeLocked();
            }
            PulseLocked();
        }
        TraceOpenRecipients(MessageTraceStatus.Resumed, entry, null);
        return true;
    }

    /// <summary>Holds the message: no attempt until resumed. False when no such message.</summary>
    public bool Suspend(string id)
    {
        QueueEntry? entry;
        lock (gate)
        {
            if (!entries.TryGetValue(id, out entry)) return false;
            entry.Message.Suspended = true;
        }
        Persist(entry);
        lock (gate) PulseLocked();
        TraceOpenRecipients(MessageTraceStatus.Suspended, entry, null);
        return true;
    }

    /// <summary>The reply a recipient removed with -Bounce fails with.</summary>
    internal const string RemovedReply = "550 5.0.0 removed from the queue by the administrator";

    /// <summary>Removes the message; with <paramref name="bounce"/>, its sender gets a failure notice for the recipients not delivered. False when no such message.</summary>
    public async Task<bool> RemoveAsync(string id, bool bounce, CancellationToken cancellationToken)
    {
        QueueEntry? entry;
        QueueMessage snapshot;
        // Removed first, so an attempt in flight records nothing afterwards; the content goes last, the notice needs it.
        lock (gate)
        {
            if (!entries.TryGetValue(id, out entry)) return false;
        }
        lock (entry.SaveLock)
        {
            lock (gate)
            {
                if (entry.Removed) return false;
                entry.Removed = true;
                entries.Remove(id);
                snapshot = entry.Message.Snapshot();
                PulseLocked();
            }
        }
        var open = snapshot.Recipients.Where(r => !r.IsFinal).ToList();
        foreach (var r in open)
        {
            if (!bounce) continue;
            r.Status = QueueRecipientStatus.Failed;
            r.LastReply = RemovedReply;
            r.NextAttempt = null;
        }
        try
        {
            if (bounce && open.Count > 0 && Notices != null)
                await Notices.SendAsync(NoticeKind.Failure, snapshot, open, () => Store.OpenContent(id), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Store.Delete(id, durable: true);
        }
        foreach (var r in open)
            WriteTrace(MessageTraceStatus.Removed, snapshot, r, DestinationOf(r.Address), null, bounce ? RemovedReply : null, bounce ? "failure notice to the sender" : null);
        return true;
    }

    /// <summary>Waits until nothing is due (every recipient final, deferred to later, or suspended); false on timeout. For scripts and tests.</summary>
    public async Task<bool> WaitIdleAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (gate)
            {
                if (IsIdleLocked(DateTimeOffset.UtcNow)) return true;
                changed = changedSignal.Task;
            }
            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero) return false;
            // The pulse comes with every change; the short bound covers a deferral falling due (no pulse for the clock).
            var wait = left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100);
            await Task.WhenAny(changed, Task.Delay(wait, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            stopping = true;
            WakeLocked();
        }
        stop.Cancel();
        Store.Dispose();
    }

    /// <summary>Saves the state of <paramref name="entry"/>, or deletes the message when every recipient is final.</summary>
    private void Persist(QueueEntry entry)
    {
        lock (entry.SaveLock)
        {
            QueueMessage snapshot;
            bool finished;
            lock (gate)
            {
                if (entry.Removed) return;
                finished = entry.Message.IsFinished;
                snapshot = entry.Message.Snapshot();
                if (finished)
                {
                    entry.Removed = true;
                    entries.Remove(entry.Message.Id);
                }
            }
            try
            {
                if (finished) Store.Delete(snapshot.Id, durable: false);
                else Store.Save(snapshot);
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException || e is ObjectDisposedException)
            {
                // Disk full, or the store closed by a stop: the state in memory is right and goes on;
                // only a crash before the next save of this message could repeat its last attempt.
            }
        }
    }

    private static void CheckId(string id)
    {
        bool ok = !string.IsNullOrEmpty(id) && id.Length <= 128 && id[0] != '.'
                  && id.All(c => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
        if (!ok) throw new ArgumentException("A queue id is 1-128 characters of [A-Za-z0-9._-], not starting with '.' (OutboundQueue.NewId makes one): '" + id + "'.", nameof(id));
    }

    private void TraceOpenRecipients(MessageTraceStatus status, QueueEntry entry, string? reply)
    {
        QueueMessage snapshot;
        lock (gate) snapshot = entry.Message.Snapshot();
        for (int i = 0; i < snapshot.Recipients.Count; i++)
            if (!snapshot.Recipients[i].IsFinal)
                WriteTrace(status, snapshot, snapshot.Recipients[i], entry.Destinations[i], null, reply);
    }

    private void WriteTrace(MessageTraceStatus status, QueueMessage message, QueueRecipient? recipient, string? destination, string? remoteHost, string? reply, string? detail = null)
    {
        try
        {
            var traceEvent = MessageTraceEvent.About(status, message, recipient?.Address, reply, detail);
            traceEvent.Destination = destination;
            traceEvent.RemoteHost = remoteHost;
            Trace.Write(traceEvent);
        }
        catch (Exception)
        {
            // The trace must never stop mail (IMessageTrace.Write should not throw; this is the belt to its braces).
        }
    }
}
