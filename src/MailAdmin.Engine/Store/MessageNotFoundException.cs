namespace MailAdmin.Store;

/// <summary>No message with this UID (any more) in the folder.</summary>
public sealed class MessageNotFoundException : MailStoreException
{
    public MessageNotFoundException(string account, string folder, uint uid) : base($"There is no message with UID {uid} in '{folder}' of '{account}'.")
    {
        Account = account;
        Folder = folder;
        Uid = uid;
    }

    public string Account { get; }
    public string Folder { get; }
    public uint Uid { get; }
}
