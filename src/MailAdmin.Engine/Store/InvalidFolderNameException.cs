namespace MailAdmin.Store;

/// <summary>A folder name that is empty, too long, has control characters or path separators, or an empty hierarchy level.</summary>
public sealed class InvalidFolderNameException : MailStoreException
{
    public InvalidFolderNameException(string folder, string reason) : base($"The folder name '{folder}' is not allowed: {reason}.")
    {
        Folder = folder;
    }

    public string Folder { get; }
}
