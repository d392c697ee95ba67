using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
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
/// </summary>
public sealed class OutboundQueue : IDisposable
{
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

    /// <summary>Loads what the store holds (recovery) and starts sending.</summary>
    internal void Start() { } // skeleton

    /// <summary>Stops sending; attempts in progress are cancelled and stay pending (at most one more delivery each).</summary>
    internal Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask; // skeleton

    /// <summary>Stores <paramref name="message"/> with <paramref name="content"/> durably and schedules it at once.</summary>
    internal Task EnqueueAsync(QueueMessage message, MessageContent content, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>The destination (Get-MailQueue row) of a recipient address.</summary>
    public string DestinationOf(string recipient) => throw new NotImplementedException();

    /// <summary>Snapshots of every queued message, oldest first.</summary>
    public IReadOnlyList<QueueMessage> GetMessages() => throw new NotImplementedException();

    /// <summary>One row per destination with recipients not yet final.</summary>
    public IReadOnlyList<QueueDestination> GetDestinations() => throw new NotImplementedException();

    /// <summary>Makes every deferred recipient of the message due now and lifts a suspension. False when no such message.</summary>
    public bool Resume(string id) => throw new NotImplementedException();

    /// <summary>Holds the message: no attempt until resumed. False when no such message.</summary>
    public bool Suspend(string id) => throw new NotImplementedException();

    /// <summary>Removes the message; with <paramref name="bounce"/>, its sender gets a failure notice for the recipients not delivered. False when no such message.</summary>
    public Task<bool> RemoveAsync(string id, bool bounce, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Waits until nothing is due (every recipient final, deferred to later, or suspended); false on timeout. For scripts and tests.</summary>
    public Task<bool> WaitIdleAsync(TimeSpan timeout, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public void Dispose() { }
}
