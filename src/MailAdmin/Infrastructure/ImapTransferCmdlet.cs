using System.Collections.Generic;
using System.Management.Automation;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

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
        public IList<uint> Found = new List<uint>();
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
            var destination = await session.GetFolderHandleAsync(Destination, token).ConfigureAwait(false);
            var (source, found) = await OpenBatchAsync(batch, RemovesOriginals, token).ConfigureAwait(false);
            outcome.Found = found;
            if (found.Count == 0) return outcome;

            // MOVE, or RFC 6851's fallback (COPY, then delete and expunge just the originals).
            var (placed, warning) = await source.TransferAsync(found, destination, RemovesOriginals, token).ConfigureAwait(false);
            outcome.Warning = warning;

            if (PassThru)
            {
                if (placed.Count == 0)
                    outcome.Warning = (outcome.Warning == null ? "" : outcome.Warning + " ") + $"{session.Server} did not say the new UIDs (no COPYUID), so -PassThru has nothing to return; find the messages with Get-ImapMessage -Folder '{Destination}'.";
                else
                {
                    await destination.OpenAsync(false, token).ConfigureAwait(false);
                    outcome.Placed = await destination.FetchHeadersAsync(placed, token).ConfigureAwait(false);
                }
            }
            return outcome;
        }, out var result)) return;

        ReportMissing(batch, result.Found);
        if (result.Warning != null) WriteWarning(result.Warning);
        foreach (var message in result.Placed) WriteObject(GetImapMessageCommand.Wrap(message));
    }
}
