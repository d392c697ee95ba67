namespace MailAdmin.Store;

public sealed class FolderNotFoundException : MailStoreException
{
    public FolderNotFoundException(string account, string folder) : base($"The account '{account}' has no folder '{folder}'.")
    {
        Account = account;
        Folder = folder;
    }

    public string Account { get; }
    public string Folder { get; }
}
