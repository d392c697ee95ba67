using MailAdmin.Client;
using System.Collections.Generic;
using System.Management.Automation;
using MailAdmin.Messages;
using MailKit;
using MailKit.Net.Imap;

namespace MailAdmin.Commands
{
    /// <summary>
    /// Move-ImapMessage and Copy-ImapMessage: the same batch work but for whether the originals
    /// go. A -Destination that does not exist is an ImapFolderNotFound error for each batch
    /// (non-terminating: with piped messages from several sessions it may exist on some), and
    /// nothing of that batch is touched.
    /// </summary>
    public abstract class ImapTransferCmdlet : ImapMessageCmdlet
    {
        /// <summary>The folder to put the messages in.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ImapFolderCompleter))]
        public string Destination { get; set; } = "";

        /// <summary>Returns the messages at their new place (new UIDs from the server's COPYUID).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>True for Move (the originals go), false for Copy.</summary>
        protected abstract bool RemovesOriginals { get; }

        private sealed class Outcome
        {
            public IList<UniqueId> Found = new List<UniqueId>();
            public List<MailMessage> Placed = new List<MailMessage>();
            public string? Warning;
        }

        protected override void ProcessBatch(ImapBatch batch)
        {
            if (!ShouldProcess(batch.Describe(), $"{(RemovesOriginals ? "Move" : "Copy")} to folder '{Destination}'")) return;
            if (!UseBatch(batch, async (session, token) =>
            {
                var outcome = new Outcome();
                // Look the destination up first, so that a wrong name touches nothing.
                var destination = await session.GetFolderAsync(Destination, token).ConfigureAwait(false);
                var (source, found) = await OpenBatchAsync(batch, RemovesOriginals ? FolderAccess.ReadWrite : FolderAccess.ReadOnly, token).ConfigureAwait(false);
                outcome.Found = found;
                if (found.Count == 0) return outcome;

                UniqueIdMap map;
                if (!RemovesOriginals)
                    map = await source.CopyToAsync(found, destination, token).ConfigureAwait(false);
                else if (session.Client.Capabilities.HasFlag(ImapCapabilities.Move))
                    map = await source.MoveToAsync(found, destination, token).ConfigureAwait(false);
                else
                {
                    // RFC 6851's fallback: COPY, then delete and expunge just the originals.
                    map = await source.CopyToAsync(found, destination, token).ConfigureAwait(false);
                    outcome.Warning = await ImapExpunge.DeleteAsync(session, source, found, token).ConfigureAwait(false);
                }

                if (PassThru)
                {
                    if (map.Destination.Count == 0)
                        outcome.Warning = (outcome.Warning == null ? "" : outcome.Warning + " ") + $"{session.Server} did not say the new UIDs (no COPYUID), so -PassThru has nothing to return; find the messages with Get-ImapMessage -Folder '{Destination}'.";
                    else
                    {
                        await destination.OpenAsync(FolderAccess.ReadOnly, token).ConfigureAwait(false);
                        outcome.Placed = await ImapMessageReader.FetchHeadersAsync(session, destination, map.Destination, token).ConfigureAwait(false);
                    }
                }
                return outcome;
            }, out var result)) return;

            ReportMissing(batch, result.Found);
            if (result.Warning != null) WriteWarning(result.Warning);
            foreach (var message in result.Placed) WriteObject(GetImapMessageCommand.Wrap(message));
        }
    }
}
