using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Messages;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;

namespace MailAdmin.Client;

/// <summary>
/// An IMAP folder of a session, as the cmdlets act on it: UIDs are plain numbers and flags
/// are <see cref="ImapSystemFlags"/>. Our own type so that MailAdmin.dll never names a
/// MailKit type: on PowerShell 7 MailKit loads in the module's own load context, out of
/// reach of the cmdlets' (see src/MailAdmin.Loader). Use it only inside the session's turn
/// (<see cref="MailClientSession.UseAsync{T}"/>).
/// </summary>
public sealed class ImapFolderHandle
{
    internal ImapFolderHandle(ImapClientSession session, IMailFolder folder)
    {
        Session = session;
        Folder = folder;
    }

    public ImapClientSession Session { get; }
    internal IMailFolder Folder { get; }

    public string FullName => Folder.FullName;
    public uint UidValidity => Folder.UidValidity;

    /// <summary>UIDNEXT as the server said it at the last SELECT/EXAMINE; null when it did not.</summary>
    public uint? UidNext => Folder.UidNext?.Id;

    /// <summary>True when the server keeps keywords in this folder (\* in PERMANENTFLAGS).</summary>
    public bool KeepsKeywords => Folder.PermanentFlags.HasFlag(MessageFlags.UserDefined);

    /// <summary>Opens (selects or examines) the folder, even if it is open already.</summary>
    public Task OpenAsync(bool readWrite, CancellationToken token) =>
        Folder.OpenAsync(readWrite ? FolderAccess.ReadWrite : FolderAccess.ReadOnly, token);

    /// <summary>Those of <paramref name="uids"/> that exist (UID commands skip the others without a word).</summary>
    public async Task<IList<uint>> FindAsync(IEnumerable<uint> uids, CancellationToken token)
    {
        var found = await Folder.SearchAsync(SearchQuery.Uids(ToUniqueIds(uids)), token).ConfigureAwait(false);
        return Ids(found);
    }

    /// <summary>UIDs from <paramref name="next"/> up, whose From and Subject contain the texts given (null: any).</summary>
    public async Task<IList<uint>> FindNewAsync(uint next, string? from, string? subject, CancellationToken token)
    {
        SearchQuery query = SearchQuery.Uids(new UniqueIdRange(new UniqueId(next), UniqueId.MaxValue));
        if (from != null) query = query.And(SearchQuery.FromContains(from));
        if (subject != null) query = query.And(SearchQuery.SubjectContains(subject));
        var found = await Folder.SearchAsync(query, token).ConfigureAwait(false);
        // "n:*" always includes the last message, even when its UID is below n.
        return found.Where(uid => uid.Id >= next).Select(uid => uid.Id).ToList();
    }

    /// <summary>For servers that do not send UIDNEXT: one above the highest UID there is.</summary>
    public async Task<uint> NextUidBySearchAsync(CancellationToken token)
    {
        var all = await Folder.SearchAsync(SearchQuery.All, token).ConfigureAwait(false);
        return all.Count == 0 ? 1 : all.Max(uid => uid.Id) + 1;
    }

    /// <summary>UID STORE +FLAGS (add) or -FLAGS (remove), silently, with the keywords given.</summary>
    public Task StoreAsync(IList<uint> uids, bool add, ImapSystemFlags flags, IEnumerable<string>? keywords, CancellationToken token) =>
        Folder.StoreAsync(ToUniqueIds(uids), new StoreFlagsRequest(add ? StoreAction.Add : StoreAction.Remove, ToMailKit(flags), keywords ?? Enumerable.Empty<string>()) { Silent = true }, token);

    /// <summary>Header-only messages for <paramref name="uids"/>, in that order (see <see cref="ImapMessageReader.FetchHeadersAsync"/>).</summary>
    public Task<List<MailMessage>> FetchHeadersAsync(IList<uint> uids, CancellationToken token) =>
        ImapMessageReader.FetchHeadersAsync(Session, Folder, ToUniqueIds(uids), token);

    /// <summary>Deletes <paramref name="uids"/> for good (see <see cref="ImapExpunge.DeleteAsync"/>); the folder must be open read-write.</summary>
    public Task<string?> DeleteAsync(IList<uint> uids, CancellationToken token) =>
        ImapExpunge.DeleteAsync(Session, Folder, ToUniqueIds(uids), token);

    /// <summary>
    /// Copies, or moves, <paramref name="uids"/> to <paramref name="destination"/>: MOVE where
    /// the server has it, else RFC 6851's fallback (COPY, then delete and expunge just the
    /// originals). Returns the new UIDs (empty without COPYUID) and the fallback's warning.
    /// </summary>
    public async Task<(IList<uint> Placed, string? Warning)> TransferAsync(IList<uint> uids, ImapFolderHandle destination, bool move, CancellationToken token)
    {
        var ids = ToUniqueIds(uids);
        UniqueIdMap map;
        string? warning = null;
        if (!move)
            map = await Folder.CopyToAsync(ids, destination.Folder, token).ConfigureAwait(false);
        else if (Session.Client.Capabilities.HasFlag(ImapCapabilities.Move))
            map = await Folder.MoveToAsync(ids, destination.Folder, token).ConfigureAwait(false);
        else
        {
            map = await Folder.CopyToAsync(ids, destination.Folder, token).ConfigureAwait(false);
            warning = await ImapExpunge.DeleteAsync(Session, Folder, ids, token).ConfigureAwait(false);
        }
        return (Ids(map.Destination), warning);
    }

    /// <summary>
    /// APPENDs the messages with the flags and keywords given (and each one's internal date,
    /// when not null); returns their new UIDs and UIDVALIDITY, or none without APPENDUID.
    /// </summary>
    public async Task<IList<(uint Uid, uint UidValidity)>> AppendAsync(IList<MailMessage> messages, IList<DateTimeOffset?> internalDates, ImapSystemFlags flags, IEnumerable<string>? keywords, CancellationToken token)
    {
        var requests = new List<IAppendRequest>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
            requests.Add(new AppendRequest(messages[i].MimeMessage, ToMailKit(flags), keywords ?? Enumerable.Empty<string>()) { InternalDate = internalDates[i] });
        var added = await Folder.AppendAsync(requests, token).ConfigureAwait(false);
        return added.Select(uid => (uid.Id, uid.Validity)).ToList();
    }

    /// <summary>
    /// One IDLE, ended (DONE) when the message count changes, after <paramref name="limit"/>,
    /// or by Ctrl+C (<paramref name="token"/>); a server that does not answer DONE within five
    /// seconds of Ctrl+C is given up on. The folder must be open.
    /// </summary>
    public async Task IdleAsync(TimeSpan limit, CancellationToken token)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(token);
        done.CancelAfter(limit);
        EventHandler<EventArgs> onCount = (_, __) => done.Cancel();
        Folder.CountChanged += onCount;
        try
        {
            using var giveUp = new CancellationTokenSource();
            using (token.Register(() => giveUp.CancelAfter(TimeSpan.FromSeconds(5))))
                await Session.Client.IdleAsync(done.Token, giveUp.Token).ConfigureAwait(false);
        }
        finally
        {
            Folder.CountChanged -= onCount;
        }
        token.ThrowIfCancellationRequested();
    }

    /// <summary>"3:5,9": a UID set as IMAP writes it, for messages and prompts.</summary>
    public static string FormatUidSet(IEnumerable<uint> uids) => UniqueIdSet.ToString(ToUniqueIds(uids));

    /// <summary>"\Seen", "\Flagged"...: the system flags' names as IMAP spells them.</summary>
    public static string[] FlagNames(ImapSystemFlags flags) => ImapMessageReader.FlagNames(ToMailKit(flags));

    internal static IList<UniqueId> ToUniqueIds(IEnumerable<uint> uids) => uids.Select(uid => new UniqueId(uid)).ToList();

    private static IList<uint> Ids(IEnumerable<UniqueId> uids) => uids.Select(uid => uid.Id).ToList();

    internal static MessageFlags ToMailKit(ImapSystemFlags flags)
    {
        var result = MessageFlags.None;
        if (flags.HasFlag(ImapSystemFlags.Seen)) result |= MessageFlags.Seen;
        if (flags.HasFlag(ImapSystemFlags.Answered)) result |= MessageFlags.Answered;
        if (flags.HasFlag(ImapSystemFlags.Flagged)) result |= MessageFlags.Flagged;
        if (flags.HasFlag(ImapSystemFlags.Deleted)) result |= MessageFlags.Deleted;
        if (flags.HasFlag(ImapSystemFlags.Draft)) result |= MessageFlags.Draft;
        return result;
    }
}

/// <summary>The IMAP system flags a client may set, for <see cref="ImapFolderHandle"/>. The cmdlets' ImapMessageFlags has the same names and values (it is cast to this).</summary>
[Flags]
public enum ImapSystemFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
}
