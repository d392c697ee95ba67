namespace MailAdmin.Store;

/// <summary>A folder of an account. Names use '.' as the hierarchy delimiter (<see cref="IMailStore.HierarchyDelimiter"/>); "INBOX" is the root.</summary>
public sealed class MailFolderInfo
{
    public MailFolderInfo(string name, string? specialUse)
    {
        Name = name;
        SpecialUse = specialUse;
    }

    public string Name { get; }

    /// <summary>RFC 6154 attribute (\Sent, \Drafts, \Trash, \Junk) for the default folders, else null.</summary>
    public string? SpecialUse { get; }

    public override string ToString() => Name;
}
