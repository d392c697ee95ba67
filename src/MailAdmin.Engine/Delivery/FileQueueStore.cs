using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Delivery;

/// <summary>The queue in &lt;root&gt;/queue/ of a Maildir store. (Skeleton: the queue branch implements it.)</summary>
internal sealed class FileQueueStore : IQueueStore
{
    internal FileQueueStore(string directory) => Directory = directory;
    internal string Directory { get; }
    public Task AddAsync(QueueMessage message, MessageContent content, CancellationToken cancellationToken) => throw new NotImplementedException();
    public IReadOnlyList<QueueMessage> Load() => throw new NotImplementedException();
    public Stream OpenContent(string id) => throw new NotImplementedException();
    public void Save(QueueMessage message) => throw new NotImplementedException();
    public void Delete(string id) => throw new NotImplementedException();
    public void Dispose() { }
}
