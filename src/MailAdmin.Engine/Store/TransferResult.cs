using System.Collections.Generic;

namespace MailAdmin.Store;

/// <summary>What a COPY or MOVE did: the copies, paired with their originals, and (MOVE) the originals removed.</summary>
internal sealed class TransferResult
{
    internal TransferResult(IReadOnlyList<KeyValuePair<StoredMessage, StoredMessage>> copies, IReadOnlyList<StoredMessage> removed)
    {
        Copies = copies;
        Removed = removed;
    }

    /// <summary>Original → copy, in ascending original UID order.</summary>
    internal IReadOnlyList<KeyValuePair<StoredMessage, StoredMessage>> Copies { get; }

    internal IReadOnlyList<StoredMessage> Removed { get; }
}
