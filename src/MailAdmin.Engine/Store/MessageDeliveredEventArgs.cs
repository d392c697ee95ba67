using System;

namespace MailAdmin.Store;

public sealed class MessageDeliveredEventArgs : EventArgs
{
    public MessageDeliveredEventArgs(string account, string folder, StoredMessage message)
    {
        Account = account;
        Folder = folder;
        Message = message;
    }

    /// <summary>The normalised account address.</summary>
    public string Account { get; }
    public string Folder { get; }
    public StoredMessage Message { get; }
}
