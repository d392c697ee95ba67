using MailKit;

namespace MailAdmin.Client;

/// <summary>The role RFC 6154 SPECIAL-USE gives a folder; None for ordinary folders.</summary>
public enum ImapSpecialUse
{
    None,
    All,
    Archive,
    Drafts,
    Flagged,
    Junk,
    Sent,
    Trash,
}

/// <summary>
/// One IMAP folder as Get-ImapFolder lists it: its place in the tree, its special use and
/// the counts STATUS reported (null when the folder cannot hold messages).
/// </summary>
public sealed class ImapFolderInfo
{
    public ImapFolderInfo(ImapClientSession session, string fullName, string name, string? parent, char delimiter, int depth,
        FolderAttributes attributes, bool subscribed)
    {
        Session = session;
        FullName = fullName;
        Name = name;
        Parent = parent;
        Delimiter = delimiter;
        Depth = depth;
        Attributes = attributes;
        Subscribed = subscribed;
        SpecialUse = SpecialUseOf(attributes);
    }

    public ImapClientSession Session { get; }

    /// <summary>The path the IMAP commands take (-Folder): e.g. "Archive/2024".</summary>
    public string FullName { get; }

    /// <summary>The last part of the path: "2024".</summary>
    public string Name { get; }

    /// <summary>The parent's full name; null at the top of the tree.</summary>
    public string? Parent { get; }

    /// <summary>The hierarchy delimiter; '\0' when the server has no hierarchy.</summary>
    public char Delimiter { get; }

    /// <summary>0 at the top of the tree.</summary>
    public int Depth { get; }

    public ImapSpecialUse SpecialUse { get; }
    public FolderAttributes Attributes { get; }
    public bool Subscribed { get; }

    /// <summary>False for \Noselect and \NonExistent folders (containers only).</summary>
    public bool CanHoldMessages => (Attributes & (FolderAttributes.NoSelect | FolderAttributes.NonExistent)) == 0;

    public int? Messages { get; internal set; }
    public int? Unread { get; internal set; }
    public int? Recent { get; internal set; }
    public uint? UidNext { get; internal set; }
    public uint? UidValidity { get; internal set; }

    /// <summary>Total size in bytes, when the server supports STATUS=SIZE.</summary>
    public ulong? Size { get; internal set; }

    public override string ToString() => FullName;

    internal static ImapSpecialUse SpecialUseOf(FolderAttributes attributes)
    {
        if ((attributes & FolderAttributes.All) != 0) return ImapSpecialUse.All;
        if ((attributes & FolderAttributes.Archive) != 0) return ImapSpecialUse.Archive;
        if ((attributes & FolderAttributes.Drafts) != 0) return ImapSpecialUse.Drafts;
        if ((attributes & FolderAttributes.Flagged) != 0) return ImapSpecialUse.Flagged;
        if ((attributes & FolderAttributes.Junk) != 0) return ImapSpecialUse.Junk;
        if ((attributes & FolderAttributes.Sent) != 0) return ImapSpecialUse.Sent;
        if ((attributes & FolderAttributes.Trash) != 0) return ImapSpecialUse.Trash;
        return ImapSpecialUse.None;
    }
}
