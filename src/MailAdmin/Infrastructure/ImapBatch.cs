using System.Collections.Generic;
using System.Linq;
using MailAdmin.Client;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>
/// Messages of one folder of one session that an IMAP cmdlet acts on with one command
/// (UID STORE/COPY/MOVE/EXPUNGE take a set). From -Message the batch knows the UIDVALIDITY
/// the UIDs belong to; from -Folder/-Uid it does not (null) and trusts the caller.
/// </summary>
public sealed class ImapBatch
{
    private readonly List<uint> _uids = new List<uint>();
    private readonly Dictionary<uint, MailMessage> _messages = new Dictionary<uint, MailMessage>();

    public ImapBatch(ImapClientSession session, string folder, uint? uidValidity)
    {
        Session = session;
        Folder = folder;
        UidValidity = uidValidity;
    }

    public ImapClientSession Session { get; }
    public string Folder { get; }
    public uint? UidValidity { get; }
    public int Count => _uids.Count;

    /// <summary>The UIDs, each once, in the order they came.</summary>
    public IList<uint> Uids => _uids.ToList();

    /// <summary>True when a message from <paramref name="origin"/> belongs in this batch.</summary>
    public bool Accepts(ImapOrigin origin) =>
        ReferenceEquals(origin.Session, Session) && origin.Folder == Folder && origin.UidValidity == UidValidity;

    public void Add(uint uid, MailMessage? message = null)
    {
        if (_uids.Contains(uid)) return;
        _uids.Add(uid);
        if (message != null) _messages[uid] = message;
    }

    /// <summary>What an error or a -WhatIf names: the piped message, or the folder and UID.</summary>
    public object Target(uint uid) => _messages.TryGetValue(uid, out var message) ? message : (object)$"{Folder};UID={uid}";

    /// <summary>
    /// What -WhatIf and -Confirm name: the piped messages by subject, sender and date (the
    /// first three, then how many more), then the folder, UIDs and session.
    /// </summary>
    public string Describe()
    {
        var named = _uids.Where(uid => _messages.ContainsKey(uid)).Select(uid => Name(_messages[uid])).ToList();
        if (named.Count == 0) return ToString();
        var list = named.Count <= 3 ? string.Join("; ", named) : string.Join("; ", named.Take(3)) + $"; and {named.Count - 3} more";
        return $"{list} ({this})";
    }

    private static string Name(MailMessage message)
    {
        var date = message.Date?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        return $"'{message.Subject}' from {message.From}{(date != null ? ", " + date : "")}";
    }

    /// <summary>"INBOX UIDs 3:5,9 on imap://host:143 as ann@example.com", for errors.</summary>
    public override string ToString() =>
        $"{Folder} UID{(Count == 1 ? "" : "s")} {ImapFolderHandle.FormatUidSet(Uids)} on {Session}";
}
