using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>One open folder of a store: its UID index and messages. Implementations are thread-safe.</summary>
internal abstract class FolderBase
{
    protected FolderBase(string account, string name)
    {
        Account = account;
        Name = name;
    }

    internal string Account { get; }
    internal string Name { get; }

    /// <summary>
    /// Stores a message durably and gives it the next UID and MODSEQ. It is \Recent in any case; flags null: a
    /// delivery (Maildir: into new/), else an APPEND or a copy with these flags and keywords.
    /// </summary>
    internal abstract Task<StoredMessage> AddAsync(MessageContent message, MessageFlags? flags, IReadOnlyList<string> keywords, DateTimeOffset internalDate, CancellationToken cancellationToken);

    internal abstract IReadOnlyList<StoredMessage> List();

    /// <summary>The messages whose MODSEQ is above <paramref name="modSeq"/>, ascending by UID.</summary>
    internal virtual IReadOnlyList<StoredMessage> ListChangedSince(ulong modSeq)
    {
        var result = new List<StoredMessage>();
        foreach (var m in List())
            if (m.ModSeq > modSeq) result.Add(m);
        return result;
    }
    internal abstract StoredMessage? Get(uint uid);
    /// <summary>A stream over the message, or null when there is no such UID.</summary>
    internal abstract Stream? Open(uint uid);
    /// <summary>The whole message, or null when there is no such UID. Synchronous: for a command reading many small messages in a row.</summary>
    internal virtual byte[]? Read(uint uid)
    {
        using (var stream = Open(uid))
        {
            if (stream is null) return null;
            var buffer = new MemoryStream(stream.CanSeek ? (int)Math.Min(stream.Length, int.MaxValue) : 4096);
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
    }

    internal abstract FlagUpdateResult UpdateFlags(IEnumerable<uint> uids, FlagUpdate update);

    /// <summary>What other processes changed on disk since the last look; null when nothing (or the folder has no disk).</summary>
    internal virtual FolderChanges? Synchronize() => null;
    internal abstract IReadOnlyList<StoredMessage> ClaimRecent();
    /// <summary>Removes the messages among <paramref name="uids"/> (all when null) that match <paramref name="predicate"/>.</summary>
    internal abstract IReadOnlyList<StoredMessage> Remove(ISet<uint>? uids, Func<StoredMessage, bool> predicate);
    internal abstract FolderStatus Status();

    internal async Task<byte[]?> ReadAsync(uint uid, CancellationToken cancellationToken)
    {
        using (var stream = Open(uid))
        {
            if (stream is null) return null;
            var buffer = new MemoryStream(stream.CanSeek ? (int)Math.Min(stream.Length, int.MaxValue) : 4096);
            await stream.CopyToAsync(buffer, 81920, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }
}
