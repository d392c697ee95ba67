using System;
using MailAdmin.Messages;

namespace MailAdmin.Client;

/// <summary>
/// A message read from an IMAP server: the session, folder and UID that the IMAP cmdlets
/// (Move-, Copy-, Remove-, Set-ImapMessage) need to act on it without asking the user again.
/// </summary>
public sealed class ImapOrigin : MessageOrigin
{
    public ImapOrigin(ImapClientSession session, string folder, uint uid, uint uidValidity, string[] flags, string[] keywords, DateTimeOffset? internalDate)
        : base(null)
    {
        Session = session;
        Folder = folder;
        Uid = uid;
        UidValidity = uidValidity;
        Flags = flags;
        Keywords = keywords;
        InternalDate = internalDate;
    }

    public ImapClientSession Session { get; }
    public string Folder { get; }
    public uint Uid { get; }
    public uint UidValidity { get; }

    /// <summary>System flags as IMAP names them (\Seen, \Flagged, ...), when the message was fetched.</summary>
    public string[] Flags { get; }

    /// <summary>User keywords ($Label1, Junk, ...), when the message was fetched.</summary>
    public string[] Keywords { get; }

    /// <summary>When the server received the message (INTERNALDATE).</summary>
    public DateTimeOffset? InternalDate { get; }

    public override string? Description => $"imap://{Session.Server}:{Session.Port}/{Folder};UID={Uid}";
}

/// <summary>A message read from a POP3 server: the session, its number in this session and its UIDL.</summary>
public sealed class Pop3Origin : MessageOrigin
{
    public Pop3Origin(Pop3ClientSession session, int index, string? uid)
        : base(null)
    {
        Session = session;
        Index = index;
        Uid = uid;
    }

    public Pop3ClientSession Session { get; }

    /// <summary>Zero-based message number within the session (POP3's number minus one).</summary>
    public int Index { get; }

    /// <summary>The UIDL: the message's identity across sessions; null when the server lacks UIDL.</summary>
    public string? Uid { get; }

    public override string? Description => $"pop://{Session.Server}:{Session.Port}/;UID={Uid ?? (Index + 1).ToString()}";
}
