using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Messages;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace MailAdmin.Client;

/// <summary>
/// Reads messages from an IMAP folder in two steps, so a large folder never sits in memory:
/// <see cref="SearchAsync"/> returns the matching UIDs (just numbers), then
/// <see cref="FetchAsync"/> turns one batch of them into messages. Both run inside
/// <see cref="MailClientSession.UseAsync{T}"/>; the caller leaves the session between
/// batches (a downstream command may need it) and so each call opens the folder again.
/// </summary>
public static class ImapMessageReader
{
    /// <summary>The summary items of a header-only listing: enough for the table views and the IMAP cmdlets.</summary>
    private const MessageSummaryItems ListingItems =
        MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate |
        MessageSummaryItems.Size | MessageSummaryItems.BodyStructure;

    /// <summary>The UIDs in <paramref name="folderName"/> that match, in ascending order, and the folder's UIDVALIDITY.</summary>
    public static async Task<(List<uint> Uids, uint UidValidity)> SearchAsync(ImapClientSession session, string folderName, ImapSearchCriteria criteria, CancellationToken cancellationToken)
    {
        var folder = await session.OpenFolderAsync(folderName, FolderAccess.ReadOnly, cancellationToken).ConfigureAwait(false);
        IList<UniqueId> found;
        if (criteria.IsRaw)
        {
            var text = criteria.ToImapText();
            found = folder is ImapFolder imap
                ? (await imap.SearchAsync(text, cancellationToken).ConfigureAwait(false)).UniqueIds
                : throw new MailClientException(MailClientProtocol.Imap, MailClientFailure.NotSupported, "A raw -Query needs an IMAP folder.");
        }
        else
        {
            var query = criteria.ToSearchQuery();
            found = await folder.SearchAsync(query, cancellationToken).ConfigureAwait(false);
        }
        return (found.Select(u => u.Id).OrderBy(u => u).ToList(), folder.UidValidity);
    }

    /// <summary>
    /// One batch of messages by UID, in UID order: header-only (with a lazy body) or, with
    /// <paramref name="includeBody"/>, whole. Messages expunged since the search are skipped.
    /// A changed UIDVALIDITY means the UIDs no longer name the same messages: MessageNotFound.
    /// </summary>
    public static async Task<List<MailMessage>> FetchAsync(ImapClientSession session, string folderName, IReadOnlyList<uint> uids, uint uidValidity, bool includeBody, CancellationToken cancellationToken)
    {
        var folder = await session.OpenFolderAsync(folderName, FolderAccess.ReadOnly, cancellationToken).ConfigureAwait(false);
        CheckUidValidity(session, folder, uidValidity);
        var ids = uids.Select(u => new UniqueId(uidValidity, u)).ToList();
        if (!includeBody)
            return await FetchHeadersAsync(session, folder, ids, cancellationToken).ConfigureAwait(false);

        var summaries = await folder.FetchAsync(ids, new FetchRequest(ListingItems), cancellationToken).ConfigureAwait(false);
        var bodies = new Dictionary<uint, byte[]>();
        if (!(folder is ImapFolder imap))
            throw new MailClientException(MailClientProtocol.Imap, MailClientFailure.NotSupported, "Fetching whole messages needs an IMAP folder.");
        await imap.GetStreamsAsync(ids, async (f, index, uid, stream, token) =>
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, 81920, token).ConfigureAwait(false);
            bodies[uid.Id] = copy.ToArray();
        }, cancellationToken).ConfigureAwait(false);

        var messages = new List<MailMessage>(summaries.Count);
        foreach (var summary in summaries.OrderBy(s => s.UniqueId.Id))
        {
            if (bodies.TryGetValue(summary.UniqueId.Id, out var raw))
                messages.Add(MailMessage.FromBytes(raw, OriginOf(session, folder.FullName, uidValidity, summary)));
        }
        return messages;
    }

    /// <summary>
    /// Header-only messages (with a lazy body) for <paramref name="uids"/> of an open folder,
    /// in the order asked for (a COPYUID map's order, say); UIDs no longer there are skipped.
    /// Call it inside the session's turn: Get-ImapMessage, -PassThru of the IMAP commands and
    /// Wait-ImapMessage all list messages this way.
    /// </summary>
    public static async Task<List<MailMessage>> FetchHeadersAsync(ImapClientSession session, IMailFolder folder, IList<UniqueId> uids, CancellationToken cancellationToken)
    {
        var messages = new List<MailMessage>(uids.Count);
        if (uids.Count == 0) return messages;
        var request = new FetchRequest(ListingItems) { Headers = HeaderSet.All };
        var summaries = await folder.FetchAsync(uids, request, cancellationToken).ConfigureAwait(false);
        var byUid = summaries.ToDictionary(s => s.UniqueId.Id);
        var uidValidity = folder.UidValidity;
        foreach (var uid in uids)
        {
            if (!byUid.TryGetValue(uid.Id, out var summary)) continue;
            var origin = OriginOf(session, folder.FullName, uidValidity, summary);
            var header = HeaderBytes(summary.Headers);
            int? attachments = summary.Body != null ? summary.Attachments.Count() : (int?)null;
            messages.Add(MailMessage.FromHeader(header, summary.Size ?? (uint)header.Length, origin, () => LoadBody(origin), attachments));
        }
        return messages;
    }

    /// <summary>
    /// The whole message for a header-only one: a later, separate use of the session (the
    /// folder may have been closed or another opened meanwhile).
    /// </summary>
    public static byte[] LoadBody(ImapOrigin origin) =>
        origin.Session.UseOrReconnectAsync(async (used, token) =>
        {
            var session = (ImapClientSession)used;
            var folder = await session.OpenFolderAsync(origin.Folder, FolderAccess.ReadOnly, token).ConfigureAwait(false);
            CheckUidValidity(session, folder, origin.UidValidity);
            if (!(folder is ImapFolder imap))
                throw new MailClientException(MailClientProtocol.Imap, MailClientFailure.NotSupported, "Fetching a message needs an IMAP folder.");
            byte[]? raw = null;
            await imap.GetStreamsAsync(new[] { new UniqueId(origin.UidValidity, origin.Uid) }, async (f, index, uid, stream, t) =>
            {
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy, 81920, t).ConfigureAwait(false);
                raw = copy.ToArray();
            }, token).ConfigureAwait(false);
            return raw ?? throw new MailClientException(MailClientProtocol.Imap, MailClientFailure.MessageNotFound,
                $"Message UID {origin.Uid} is no longer in '{origin.Folder}' on {session.Server}.");
        }, null, CancellationToken.None).GetAwaiter().GetResult();

    private static void CheckUidValidity(ImapClientSession session, IMailFolder folder, uint uidValidity)
    {
        if (folder.UidValidity != uidValidity)
            throw new MailClientException(MailClientProtocol.Imap, MailClientFailure.MessageNotFound,
                $"'{folder.FullName}' on {session.Server} changed its UIDVALIDITY ({uidValidity} -> {folder.UidValidity}): its UIDs name other messages now.");
    }

    private static ImapOrigin OriginOf(ImapClientSession session, string folder, uint uidValidity, IMessageSummary summary)
    {
        var flags = summary.Flags ?? MessageFlags.None;
        return new ImapOrigin(session, folder, summary.UniqueId.Id, uidValidity, FlagNames(flags),
            summary.Keywords?.ToArray() ?? new string[0], summary.InternalDate);
    }

    /// <summary>System flags as IMAP writes them.</summary>
    internal static string[] FlagNames(MessageFlags flags)
    {
        var names = new List<string>();
        if ((flags & MessageFlags.Seen) != 0) names.Add("\\Seen");
        if ((flags & MessageFlags.Answered) != 0) names.Add("\\Answered");
        if ((flags & MessageFlags.Flagged) != 0) names.Add("\\Flagged");
        if ((flags & MessageFlags.Deleted) != 0) names.Add("\\Deleted");
        if ((flags & MessageFlags.Draft) != 0) names.Add("\\Draft");
        if ((flags & MessageFlags.Recent) != 0) names.Add("\\Recent");
        return names.ToArray();
    }

    /// <summary>Mail is CRLF on the wire whatever the platform writes by default.</summary>
    private static readonly FormatOptions CrLf = CrLfOptions();

    private static FormatOptions CrLfOptions()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }

    /// <summary>The fetched header as bytes, ending with the blank line that closes a header.</summary>
    private static byte[] HeaderBytes(HeaderList? headers)
    {
        using var buffer = new MemoryStream();
        if (headers != null)
            headers.WriteTo(CrLf, buffer);
        buffer.WriteByte((byte)'\r');
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
