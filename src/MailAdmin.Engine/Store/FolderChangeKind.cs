namespace MailAdmin.Store;

public enum FolderChangeKind
{
    /// <summary>Messages were added (delivery, append, copy).</summary>
    Added,
    /// <summary>Flags of messages changed (including new/ to cur/).</summary>
    FlagsChanged,
    /// <summary>Messages were removed.</summary>
    Expunged,
}
