using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// The store as the API sees it: one mailbox per account, its INBOX (Mailpit has one mailbox;
/// we have an INBOX per account, and the API lists them together unless ?mailbox= names one).
/// Listing reads only the store's metadata (no message file is opened).
/// </summary>
internal sealed class ApiMailStoreView
{
    public const string Folder = "INBOX";
    private readonly IMailStore _store;
    // INTERNALDATE has whole seconds: messages of one second in different accounts (whose UIDs do not
    // compare) are told apart by the order this server saw them arrive.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string, uint), long> _arrivals =
        new System.Collections.Concurrent.ConcurrentDictionary<(string, string, uint), long>();
    private long _arrivalCount;

    public ApiMailStoreView(IMailStore store) => _store = store;

    public IMailStore Store => _store;

    /// <summary>Notes that a message arrived now (called on delivery, before anyone lists it).</summary>
    public void RecordArrival(string account, string folder, uint uid) =>
        _arrivals[(account.ToLowerInvariant(), folder, uid)] = System.Threading.Interlocked.Increment(ref _arrivalCount);

    public void ForgetArrival(string account, string folder, uint uid) => _arrivals.TryRemove((account.ToLowerInvariant(), folder, uid), out _);

    /// <summary>The accounts in scope: all, or the one <paramref name="mailbox"/> names (none when it does not exist).</summary>
    public async Task<IReadOnlyList<string>> AccountsAsync(string? mailbox, CancellationToken cancellationToken)
    {
        var accounts = await _store.Accounts.ListAsync(cancellationToken).ConfigureAwait(false);
        var names = accounts.Select(a => a.Address);
        if (!string.IsNullOrEmpty(mailbox))
            names = names.Where(a => string.Equals(a, mailbox, StringComparison.OrdinalIgnoreCase));
        return names.ToList();
    }

    /// <summary>The INBOX messages of the accounts, newest first (by arrival, then UID).</summary>
    public List<ApiMessageRef> ListNewestFirst(IReadOnlyList<string> accounts)
    {
        var all = new List<(ApiMessageRef Message, long Arrival)>();
        var noArrivals = _arrivals.IsEmpty;
        foreach (var account in accounts)
        {
            uint uidValidity;
            IReadOnlyList<StoredMessage> messages;
            try
            {
                uidValidity = UidValidityOf(account);
                messages = _store.ListMessages(account, Folder);
            }
            catch (Exception ex) when (ex is AccountNotFoundException || ex is FolderNotFoundException) { continue; }
            var key = account.ToLowerInvariant();
            foreach (var message in messages)
            {
                long arrival = 0;
                if (!noArrivals) _arrivals.TryGetValue((key, Folder, message.Uid), out arrival);
                all.Add((new ApiMessageRef(new ApiMessageId(account, Folder, uidValidity, message.Uid), message), arrival));
            }
        }
        // Newest first: by arrival time, then by the order seen arriving, then by UID.
        all.Sort((a, b) =>
        {
            var byDate = b.Message.Stored.InternalDate.CompareTo(a.Message.Stored.InternalDate);
            if (byDate != 0) return byDate;
            var bySeen = b.Arrival.CompareTo(a.Arrival);
            return bySeen != 0 ? bySeen : b.Message.Stored.Uid.CompareTo(a.Message.Stored.Uid);
        });
        return all.ConvertAll(m => m.Message);
    }

    /// <summary>
    /// The UIDVALIDITY of the account's INBOX (or another folder), the part of every message ID that tells a recreated folder's
    /// messages from the old ones. (A folder status counts every message to give it: a cost per call.)
    /// </summary>
    public uint UidValidityOf(string account, string folder = Folder) => _store.GetFolderStatus(account, folder).UidValidity;

    /// <summary>The message an ID names, as the store has it now; null when it is gone (or the folder was recreated).</summary>
    public ApiMessageRef? Find(ApiMessageId id)
    {
        try
        {
            if (UidValidityOf(id.Account, id.Folder) != id.UidValidity) return null;
            var stored = _store.GetMessage(id.Account, id.Folder, id.Uid);
            return stored == null ? null : new ApiMessageRef(id, stored);
        }
        catch (Exception ex) when (ex is AccountNotFoundException || ex is FolderNotFoundException) { return null; }
    }
}
