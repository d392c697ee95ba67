using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Client;
using MailAdmin.Messages;
using MailKit;
using MimeKit;

namespace MailAdmin.Commands
{
    /// <summary>
    /// Reads messages of an open folder as header-only <see cref="MailMessage"/>s with an
    /// <see cref="ImapOrigin"/>: what -PassThru and Wait-ImapMessage return. The body is fetched
    /// the first time something needs it, through the session's turn like any other command.
    /// </summary>
    internal static class ImapMessageFetch
    {
        private static readonly MessageFlags[] SystemFlags =
            { MessageFlags.Seen, MessageFlags.Answered, MessageFlags.Flagged, MessageFlags.Deleted, MessageFlags.Draft, MessageFlags.Recent };

        /// <summary>Call inside the session's turn, with <paramref name="folder"/> open.</summary>
        public static async Task<List<MailMessage>> FetchAsync(ImapClientSession session, IMailFolder folder, string folderName, IList<UniqueId> uids, CancellationToken token)
        {
            var result = new List<MailMessage>();
            if (uids.Count == 0) return result;
            var request = new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size) { Headers = HeaderSet.All };
            var summaries = await folder.FetchAsync(uids, request, token).ConfigureAwait(false);
            var byUid = summaries.ToDictionary(s => s.UniqueId.Id);
            uint uidValidity = folder.UidValidity;
            // In the order asked for (a COPYUID map's order), not the server's.
            foreach (var uid in uids)
            {
                if (!byUid.TryGetValue(uid.Id, out var summary)) continue;
                var header = HeaderBytes(summary.Headers ?? new HeaderList());
                var flags = summary.Flags ?? MessageFlags.None;
                var origin = new ImapOrigin(session, folderName, uid.Id, uidValidity,
                    SystemFlags.Where(f => flags.HasFlag(f)).Select(f => "\\" + f).ToArray(),
                    summary.Keywords?.ToArray() ?? new string[0],
                    summary.InternalDate);
                long size = summary.Size ?? (uint)header.Length;
                result.Add(MailMessage.FromHeader(header, size, origin, () => LoadWhole(session, folderName, uidValidity, uid.Id)));
            }
            return result;
        }

        private static byte[] HeaderBytes(HeaderList headers)
        {
            using var buffer = new MemoryStream();
            headers.WriteTo(FormatOptions.Default, buffer);
            buffer.Write(new byte[] { 13, 10 }, 0, 2);
            return buffer.ToArray();
        }

        /// <summary>The whole message (BODY.PEEK[]: reading it does not mark it \Seen).</summary>
        private static byte[] LoadWhole(ImapClientSession session, string folderName, uint uidValidity, uint uid) =>
            session.Use(async token =>
            {
                var folder = await session.OpenFolderAsync(folderName, FolderAccess.ReadOnly, token).ConfigureAwait(false);
                if (folder.UidValidity != uidValidity)
                    throw new MailClientException(MailClientProtocol.Imap, MailClientFailure.MessageNotFound, $"Folder '{folderName}' on {session.Server} was recreated; UID {uid} no longer names this message.");
                using var stream = await folder.GetStreamAsync(new UniqueId(uid), token).ConfigureAwait(false);
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy).ConfigureAwait(false);
                return copy.ToArray();
            });
    }
}
