using System;
using System.Collections.Generic;

namespace MailAdmin.Store;

/// <summary>Raised after any change to the messages of a folder, for IMAP EXISTS/EXPUNGE/FETCH notifications.</summary>
public sealed class FolderChangedEventArgs : EventArgs
{
    public FolderChangedEventArgs(string account, string folder, FolderChangeKind kind, IReadOnlyList<uint> uids)
    {
        Account = account;
        Folder = folder;
        Kind = kind;
        Uids = uids;
    }

    public string Account { get; }
    public string Folder { get; }
    public FolderChangeKind Kind { get; }
    /// <summary>The UIDs concerned, ascending.</summary>
    public IReadOnlyList<uint> Uids { get; }
}
