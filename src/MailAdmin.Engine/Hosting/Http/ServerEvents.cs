using System;
using System.Collections.Concurrent;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// Server-sent events to every open /api/v1/events stream: each subscriber has its own queue,
/// so a slow browser delays only itself; a subscriber more than <see cref="MaxQueued"/> events
/// behind is dropped (its EventSource reconnects and reloads the list).
/// </summary>
internal sealed class ServerEvents
{
    private const int MaxQueued = 10_000;
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<Subscriber, byte> _subscribers = new ConcurrentDictionary<Subscriber, byte>();

    public int SubscriberCount => _subscribers.Count;

    private sealed class Subscriber
    {
        public readonly ConcurrentQueue<byte[]> Queue = new ConcurrentQueue<byte[]>();
        public readonly SemaphoreSlim Signal = new SemaphoreSlim(0);
        public volatile bool Dropped;
    }

    /// <summary>Sends "event: <paramref name="name"/>" with one line of JSON data to every stream.</summary>
    public void Publish(string name, string json)
    {
        if (_subscribers.IsEmpty) return;
        var bytes = Encoding.UTF8.GetBytes("event: " + name + "\ndata: " + json + "\n\n");
        foreach (var subscriber in _subscribers.Keys)
        {
            if (subscriber.Queue.Count >= MaxQueued) { subscriber.Dropped = true; subscriber.Signal.Release(); continue; }
            subscriber.Queue.Enqueue(bytes);
            subscriber.Signal.Release();
        }
    }

    /// <summary>The response for GET /api/v1/events: a stream that lasts until the client leaves or the server stops.</summary>
    public HttpResponse Open()
    {
        var response = new HttpResponse(200, "text/event-stream; charset=utf-8", Array.Empty<byte>());
        response.Headers["Cache-Control"] = "no-cache";
        response.Stream = StreamAsync;
        return response;
    }

    private async Task StreamAsync(Stream stream, CancellationToken cancellationToken)
    {
        var subscriber = new Subscriber();
        _subscribers[subscriber] = 0;
        try
        {
            // A first comment tells the client the stream is open (EventSource's onopen, tests waiting for it).
            var hello = Encoding.UTF8.GetBytes(": connected\n\n");
            await stream.WriteAsync(hello, 0, hello.Length, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            var ping = Encoding.UTF8.GetBytes(": ping\n\n");
            while (!cancellationToken.IsCancellationRequested && !subscriber.Dropped)
            {
                if (!await subscriber.Signal.WaitAsync(Heartbeat, cancellationToken).ConfigureAwait(false))
                {
                    // Also how a client that left is noticed: the write fails.
                    await stream.WriteAsync(ping, 0, ping.Length, cancellationToken).ConfigureAwait(false);
                }
                while (subscriber.Queue.TryDequeue(out var bytes))
                    await stream.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _subscribers.TryRemove(subscriber, out _);
        }
    }
}
