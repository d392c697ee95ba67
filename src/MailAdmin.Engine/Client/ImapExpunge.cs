using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;

namespace MailAdmin.Client;

/// <summary>
/// Deletes messages for good, and only those: Remove-ImapMessage, Move-ImapMessage on a
/// server without MOVE, and Test-MailServer -RoundTrip's probe.
/// </summary>
public static class ImapExpunge
{
    /// <summary>
    /// Marks <paramref name="uids"/> \Deleted and expunges them. With UIDPLUS that is UID
    /// EXPUNGE of just those. Without it the only expunge there is removes every \Deleted
    /// message of the folder, so it runs only when no other message is marked \Deleted;
    /// otherwise the messages stay marked (hidden by most clients, not lost) and the returned
    /// warning says so. (Clearing the others' flag for a moment, as some clients do, would
    /// lose them if the connection dropped in between. One window remains: a message another
    /// client marks \Deleted between our SEARCH and EXPUNGE goes too, as it would with that
    /// client's own next EXPUNGE.) Call inside the session's turn with
    /// <paramref name="folder"/> open read-write.
    /// </summary>
    public static async Task<string?> DeleteAsync(ImapClientSession session, IMailFolder folder, IList<UniqueId> uids, CancellationToken token)
    {
        if (uids.Count == 0) return null;
        await folder.StoreAsync(uids, new StoreFlagsRequest(StoreAction.Add, MessageFlags.Deleted) { Silent = true }, token).ConfigureAwait(false);
        if (session.Client.Capabilities.HasFlag(ImapCapabilities.UidPlus))
        {
            await folder.ExpungeAsync(uids, token).ConfigureAwait(false);
            return null;
        }
        var ours = new HashSet<uint>(uids.Select(u => u.Id));
        var deleted = await folder.SearchAsync(SearchQuery.Deleted, token).ConfigureAwait(false);
        int others = deleted.Count(u => !ours.Contains(u.Id));
        if (others == 0)
        {
            await folder.ExpungeAsync(token).ConfigureAwait(false);
            return null;
        }
        return $"{session.Server} lacks UIDPLUS, and {others} other message(s) in '{folder.FullName}' are marked \\Deleted, which an EXPUNGE would remove too; " +
               $"so {uids.Count} message(s) were marked \\Deleted but not expunged. Expunge the folder with another client when those others may go.";
    }
}
