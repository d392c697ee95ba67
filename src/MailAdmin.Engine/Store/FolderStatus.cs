using System.Collections.Generic;

namespace MailAdmin.Store;

/// <summary>What IMAP SELECT/STATUS report for a folder.</summary>
public sealed class FolderStatus
{
    public FolderStatus(string name, uint uidValidity, uint uidNext, int count, int unseen, int recent, long size,
        ulong highestModSeq = 0, IReadOnlyList<string>? keywords = null, bool canCreateKeywords = false)
    {
        HighestModSeq = highestModSeq;
        Keywords = keywords ?? MessageKeywords.None;
        CanCreateKeywords = canCreateKeywords;
        Name = name;
        UidValidity = uidValidity;
        UidNext = uidNext;
        Count = count;
        Unseen = unseen;
        Recent = recent;
        Size = size;
    }

    public string Name { get; }
    public uint UidValidity { get; }
    /// <summary>A lower bound for the UID the next message will get; never decreases.</summary>
    public uint UidNext { get; }
    public int Count { get; }
    public int Unseen { get; }
    /// <summary>Messages no session has claimed yet (IMAP \Recent).</summary>
    public int Recent { get; }
    /// <summary>CONDSTORE HIGHESTMODSEQ: the highest MODSEQ given out in the folder, also by expunges; never decreases. 0: not tracked.</summary>
    public ulong HighestModSeq { get; }
    /// <summary>The keywords defined in the folder (IMAP FLAGS response), sorted.</summary>
    public IReadOnlyList<string> Keywords { get; }
    /// <summary>Whether a new keyword can still be stored (PERMANENTFLAGS \*); a Maildir folder holds at most 26.</summary>
    public bool CanCreateKeywords { get; }
    /// <summary>Sum of the message sizes in bytes.</summary>
    public long Size { get; }
}
