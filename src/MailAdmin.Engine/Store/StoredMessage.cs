using System;

namespace MailAdmin.Store;

/// <summary>One message in a folder of the store: what IMAP FETCH FAST and POP3 LIST/UIDL need without reading the body.</summary>
public sealed class StoredMessage
{
    public StoredMessage(uint uid, string id, long size, DateTimeOffset internalDate, MessageFlags flags, bool isRecent)
    {
        Uid = uid;
        Id = id;
        Size = size;
        InternalDate = internalDate;
        Flags = flags;
        IsRecent = isRecent;
    }

    /// <summary>The folder-unique, strictly ascending, never reused IMAP UID.</summary>
    public uint Uid { get; }

    /// <summary>The stable message id: the Maildir base file name (without the <c>:2,</c> info suffix). Usable as POP3 UIDL.</summary>
    public string Id { get; }

    /// <summary>Size in bytes, exactly as stored.</summary>
    public long Size { get; }

    /// <summary>IMAP INTERNALDATE: when the message was received (the file's modification time on disk).</summary>
    public DateTimeOffset InternalDate { get; }

    public MessageFlags Flags { get; }

    /// <summary>True while the message is still in new/ (not yet claimed by a session; IMAP \Recent).</summary>
    public bool IsRecent { get; }

    internal StoredMessage With(MessageFlags flags, bool isRecent) => new StoredMessage(Uid, Id, Size, InternalDate, flags, isRecent);

    public override string ToString() => $"{Uid} {Id} {Size} {MaildirFileName.FormatFlags(Flags)}";
}
