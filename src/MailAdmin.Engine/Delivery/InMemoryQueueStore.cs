using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Delivery;

/// <summary>
/// The queue of an -InMemory server: lost when the process ends. Keeps copies (snapshots) of the
/// states it is given, so it holds what was saved, not the queue's live objects.
/// </summary>
internal sealed class InMemoryQueueStore : IQueueStore
{
    private readonly object gate = new();
    private readonly Dictionary<string, (QueueMessage State, byte[] Content)> messages = new(StringComparer.Ordinal);

    public Task AddAsync(QueueMessage message, MessageContent content, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var bytes = content.ToArray();
        lock (gate) messages[message.Id] = (message.Snapshot(), bytes);
        return Task.CompletedTask;
    }

    public IReadOnlyList<QueueMessage> Load()
    {
        lock (gate) return messages.Values.Select(m => m.State.Snapshot()).ToList();
    }

    public Stream OpenContent(string id)
    {
        lock (gate)
        {
            if (!messages.TryGetValue(id, out var m)) throw new FileNotFoundException("The queued message '" + id + "' is not in the queue.");
            return new MemoryStream(m.Content, false);
        }
    }

    public void Save(QueueMessage message)
    {
        lock (gate)
        {
            // A state without its content is nothing to deliver: a message removed meanwhile stays removed.
            if (messages.TryGetValue(message.Id, out var m)) messages[message.Id] = (message.Snapshot(), m.Content);
        }
    }

    public void Delete(string id, bool durable)
    {
        lock (gate) messages.Remove(id);
    }

    /// <summary>Nothing to release; the messages go with the process.</summary>
    public void Dispose() { }
}
