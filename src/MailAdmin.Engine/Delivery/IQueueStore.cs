using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Delivery;

/// <summary>
/// Where the outbound queue keeps its messages: &lt;root&gt;/queue/ for a Maildir store (content and
/// state fsynced before a call returns), memory for an -InMemory server. The queue calls it from
/// one place at a time per message; implementations need not lock per message.
/// </summary>
internal interface IQueueStore : IDisposable
{
    /// <summary>Stores the content and the state of a new message durably; returns when both are on disk.</summary>
    Task AddAsync(QueueMessage message, MessageContent content, CancellationToken cancellationToken);

    /// <summary>Every message in the queue, read at start (recovery after a stop or a crash).</summary>
    IReadOnlyList<QueueMessage> Load();

    /// <summary>The queued content, read from the start.</summary>
    Stream OpenContent(string id);

    /// <summary>Durably records the state of <paramref name="message"/> (recipients, suspension).</summary>
    void Save(QueueMessage message);

    /// <summary>
    /// Deletes the message (content and state); a message not there is no error. Not
    /// <paramref name="durable"/> for a message whose recipients are all final: if the system
    /// crashes before the directory reaches the disk, the message comes back with its last saved
    /// state and goes out once more, which is the duplicate a crash between a 250 and the save
    /// costs anyway (a kill -9 of the process loses no delete; only a crash of the machine can).
    /// Durable for an admin's removal, which must not come back.
    /// </summary>
    void Delete(string id, bool durable);
}
