namespace MailAdmin.Store;

/// <summary>How <see cref="IMailStore.SetFlagsAsync"/> applies the flags given (IMAP STORE FLAGS, +FLAGS, -FLAGS).</summary>
public enum FlagChange
{
    Replace,
    Add,
    Remove,
}
