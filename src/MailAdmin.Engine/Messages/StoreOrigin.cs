namespace MailAdmin.Messages;

/// <summary>A message read from a MailAdmin server's store: which server, mailbox, folder and UID.</summary>
public sealed class StoreOrigin : MessageOrigin
{
    public StoreOrigin(string server, string account, string folder, uint uid, string? path)
        : base(path)
    {
        Server = server;
        Account = account;
        Folder = folder;
        Uid = uid;
    }

    public string Server { get; }
    public string Account { get; }
    public string Folder { get; }
    public uint Uid { get; }

    public override string? Description => $"{Server}:{Account}/{Folder}#{Uid}";
}
