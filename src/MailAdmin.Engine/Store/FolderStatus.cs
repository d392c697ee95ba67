namespace MailAdmin.Store;

/// <summary>What IMAP SELECT/STATUS report for a folder.</summary>
public sealed class FolderStatus
{
    public FolderStatus(string name, uint uidValidity, uint uidNext, int count, int unseen, int recent, long size)
    {
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
    /// <summary>Messages still in new/.</summary>
    public int Recent { get; }
    /// <summary>Sum of the message sizes in bytes.</summary>
    public long Size { get; }
}
