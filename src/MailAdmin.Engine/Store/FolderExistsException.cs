namespace MailAdmin.Store;

public sealed class FolderExistsException : MailStoreException
{
    public FolderExistsException(string account, string folder) : base($"The account '{account}' already has a folder '{folder}'.")
    {
        Account = account;
        Folder = folder;
    }

    public string Account { get; }
    public string Folder { get; }
}
