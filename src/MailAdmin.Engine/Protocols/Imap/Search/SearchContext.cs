namespace MailAdmin.Protocols.Imap;

/// <summary>What a search needs of the mailbox: the largest sequence number and UID ('*').</summary>
public sealed class SearchContext
{
    public SearchContext(uint maxSequence, uint maxUid) { MaxSequence = maxSequence; MaxUid = maxUid; }
    public uint MaxSequence { get; }
    public uint MaxUid { get; }
}
