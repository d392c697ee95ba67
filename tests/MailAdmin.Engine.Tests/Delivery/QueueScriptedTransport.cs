using System.Collections.Concurrent;
using MailAdmin.Delivery;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>
/// A scripted next hop for the scheduler's tests: answers per recipient by a rule, can refuse
/// connections, and counts connections, messages per connection and the concurrency it saw.
/// (The real transport and real peers are tested on the transport and proof branches.)
/// </summary>
internal sealed class QueueScriptedTransport : IOutboundTransport
{
    private int open, maxOpen, connections;
    private readonly ConcurrentDictionary<string, int> openPerDestination = new();
    private readonly ConcurrentDictionary<string, int> maxPerDestination = new();

    /// <summary>The reply for a recipient; default 250.</summary>
    public Func<string, RecipientResult> Reply { get; set; } = a => new RecipientResult(a, 250, "2.0.0", "ok", "mx.test");
    /// <summary>Thrown by ConnectAsync when it returns non-null for the destination.</summary>
    public Func<string, OutboundConnectException?> ConnectFailure { get; set; } = _ => null;
    /// <summary>Called for each accepted recipient before the 250 reaches the queue (the crash test prints it).</summary>
    public Action<string>? Accepted { get; set; }
    public TimeSpan ConnectDelay { get; set; }
    public TimeSpan SendDelay { get; set; }

    public ConcurrentQueue<(string Destination, string QueueId, string[] Recipients, int Connection)> Sent { get; } = new();
    public ConcurrentDictionary<int, int> MessagesPerConnection { get; } = new();
    public int Connections => Volatile.Read(ref connections);
    public int MaxConcurrent => Volatile.Read(ref maxOpen);
    public int MaxConcurrentFor(string destination) => maxPerDestination.TryGetValue(destination, out var n) ? n : 0;
    public int ConnectAttempts;

    /// <summary>When each recipient was sent to (any answer).</summary>
    public ConcurrentQueue<(string Address, DateTimeOffset At)> Attempts { get; } = new();

    public int DeliveriesTo(string address) => Sent.Sum(s => s.Recipients.Count(r => r == address));

    public async Task<IOutboundConnection> ConnectAsync(string destination, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref ConnectAttempts);
        if (ConnectDelay > TimeSpan.Zero) await Task.Delay(ConnectDelay, cancellationToken);
        var failure = ConnectFailure(destination);
        if (failure != null) throw failure;
        int id = Interlocked.Increment(ref connections);
        int now = Interlocked.Increment(ref open);
        Raise(ref maxOpen, now);
        int d = openPerDestination.AddOrUpdate(destination, 1, (_, n) => n + 1);
        maxPerDestination.AddOrUpdate(destination, d, (_, n) => Math.Max(n, d));
        return new Connection(this, destination, id);
    }

    private static void Raise(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    private sealed class Connection : IOutboundConnection
    {
        private readonly QueueScriptedTransport owner;
        private readonly string destination;
        private readonly int id;
        private bool closed;

        public Connection(QueueScriptedTransport owner, string destination, int id) { this.owner = owner; this.destination = destination; this.id = id; }

        public string RemoteHost => "mx." + destination;
        public bool IsConnected => !closed;

        public async Task<IReadOnlyList<RecipientResult>> SendAsync(OutboundEnvelope envelope, Stream content, CancellationToken cancellationToken)
        {
            if (owner.SendDelay > TimeSpan.Zero) await Task.Delay(owner.SendDelay, cancellationToken);
            await content.CopyToAsync(Stream.Null, cancellationToken);
            owner.MessagesPerConnection.AddOrUpdate(id, 1, (_, n) => n + 1);
            foreach (var r in envelope.Recipients) owner.Attempts.Enqueue((r.Address, DateTimeOffset.UtcNow));
            var results = envelope.Recipients.Select(r => owner.Reply(r.Address)).ToList();
            var accepted = envelope.Recipients.Where((r, k) => results[k].Delivered).Select(r => r.Address).ToArray();
            owner.Sent.Enqueue((destination, envelope.Message.Id, accepted, id));
            foreach (var a in accepted) owner.Accepted?.Invoke(a);
            return results;
        }

        public void Dispose()
        {
            if (closed) return;
            closed = true;
            Interlocked.Decrement(ref owner.open);
            owner.openPerDestination.AddOrUpdate(destination, 0, (_, n) => n - 1);
        }
    }
}

/// <summary>Records the notices the queue asks for.</summary>
internal sealed class QueueRecordingNotices : INoticeSender
{
    public ConcurrentQueue<(NoticeKind Kind, string QueueId, string[] Recipients, string?[] Replies, long ContentLength)> Sent { get; } = new();

    public Task<bool> SendAsync(NoticeKind kind, QueueMessage message, IReadOnlyList<QueueRecipient> recipients, Func<Stream> openOriginal, CancellationToken cancellationToken)
    {
        long length;
        using (var s = openOriginal()) length = s.Length;
        Sent.Enqueue((kind, message.Id, recipients.Select(r => r.Address).ToArray(), recipients.Select(r => r.LastReply).ToArray(), length));
        return Task.FromResult(true);
    }
}
