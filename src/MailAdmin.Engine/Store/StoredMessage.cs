using System;
using System.Collections.Generic;

namespace MailAdmin.Store;

/// <summary>One message in a folder of the store: what IMAP FETCH FAST and POP3 LIST/UIDL need without reading the body.</summary>
public sealed class StoredMessage
{
    public StoredMessage(uint uid, string id, long size, DateTimeOffset internalDate, MessageFlags flags, bool isRecent,
        IReadOnlyList<string>? keywords = null, ulong modSeq = 0)
    {
        Uid = uid;
        Id = id;
        Size = size;
        InternalDate = internalDate;
        Flags = flags;
        IsRecent = isRecent;
        Keywords = keywords ?? MessageKeywords.None;
        ModSeq = modSeq;
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

    /// <summary>
    /// True until a session has been told about the message (IMAP \Recent, RFC 3501 §2.3.2): whoever stored it
    /// (delivery, APPEND, COPY, MOVE), the first session to SELECT the folder (or see it arrive) claims it.
    /// </summary>
    public bool IsRecent { get; }

    /// <summary>IMAP keywords ($Label1, Junk, ...): sorted (ordinal, case-insensitive), distinct; empty when none. See <see cref="MessageKeywords"/>.</summary>
    public IReadOnlyList<string> Keywords { get; }

    /// <summary>
    /// CONDSTORE MODSEQ (RFC 7162): the folder's modification sequence at the message's last change (add or
    /// flag/keyword change). Never 0 in a store that keeps them; 0 means "not tracked".
    /// </summary>
    public ulong ModSeq { get; }

    internal StoredMessage With(MessageFlags flags, bool isRecent) => new StoredMessage(Uid, Id, Size, InternalDate, flags, isRecent, Keywords, ModSeq);

    internal StoredMessage With(MessageFlags flags, IReadOnlyList<string> keywords, bool isRecent, ulong modSeq)
        => new StoredMessage(Uid, Id, Size, InternalDate, flags, isRecent, keywords, modSeq);

    internal StoredMessage WithUid(uint uid) => new StoredMessage(uid, Id, Size, InternalDate, Flags, IsRecent, Keywords, ModSeq);

    public override string ToString() => $"{Uid} {Id} {Size} {MaildirFileName.FormatFlags(Flags)}";
}
