using System.Collections.Generic;

namespace MailAdmin.Store;

/// <summary>One IMAP STORE: system flags and keywords, how to apply them, and the CONDSTORE precondition.</summary>
public sealed class FlagUpdate
{
    public FlagUpdate(MessageFlags flags, IReadOnlyCollection<string>? keywords, FlagChange change, ulong? unchangedSince = null)
    {
        Flags = flags;
        Keywords = keywords ?? MessageKeywords.None;
        Change = change;
        UnchangedSince = unchangedSince;
    }

    public MessageFlags Flags { get; }
    public IReadOnlyCollection<string> Keywords { get; }
    public FlagChange Change { get; }
    /// <summary>STORE (UNCHANGEDSINCE n), RFC 7162 §3.1.3: messages whose MODSEQ is above n are left alone and reported.</summary>
    public ulong? UnchangedSince { get; }
}

/// <summary>What <see cref="IMailStore.UpdateFlagsAsync"/> did.</summary>
public sealed class FlagUpdateResult
{
    public FlagUpdateResult(IReadOnlyList<StoredMessage> changed, IReadOnlyList<uint> modified)
    {
        Changed = changed;
        Modified = modified;
    }

    /// <summary>The messages whose flags or keywords changed (or that stopped being recent), in their new state, ascending by UID.</summary>
    public IReadOnlyList<StoredMessage> Changed { get; }
    /// <summary>UIDs that failed the UNCHANGEDSINCE test (the MODIFIED response code), ascending.</summary>
    public IReadOnlyList<uint> Modified { get; }
}
