using System.Collections.Generic;

namespace MailAdmin.Protocols.Imap;

/// <summary>What a search needs of the mailbox: the largest sequence number and UID ('*'), and the saved result ('$').</summary>
public sealed class SearchContext
{
    private static readonly HashSet<uint> NoUids = new HashSet<uint>();

    public SearchContext(uint maxSequence, uint maxUid) : this(maxSequence, maxUid, null) { }

    /// <param name="savedUids">The UIDs of the last SEARCH RETURN (SAVE) result (RFC 5182), which '$' names; null or empty when none.</param>
    public SearchContext(uint maxSequence, uint maxUid, HashSet<uint>? savedUids)
    {
        MaxSequence = maxSequence;
        MaxUid = maxUid;
        SavedUids = savedUids ?? NoUids;
    }

    public uint MaxSequence { get; }
    public uint MaxUid { get; }
    public HashSet<uint> SavedUids { get; }
}
