using System.Collections.Generic;

namespace MailAdmin.Store;

/// <summary>What <see cref="FolderBase.Synchronize"/> found another process had done to a folder.</summary>
internal sealed class FolderChanges
{
    internal FolderChanges(IReadOnlyList<StoredMessage> added, IReadOnlyList<StoredMessage> flagsChanged, IReadOnlyList<StoredMessage> removed)
    {
        Added = added;
        FlagsChanged = flagsChanged;
        Removed = removed;
    }

    internal IReadOnlyList<StoredMessage> Added { get; }
    internal IReadOnlyList<StoredMessage> FlagsChanged { get; }
    internal IReadOnlyList<StoredMessage> Removed { get; }
    internal bool Any => Added.Count + FlagsChanged.Count + Removed.Count > 0;
}
