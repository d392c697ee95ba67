using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// Seeing other processes' changes (Dovecot or another server on the same Maildir): SELECT, EXAMINE, STATUS, NOOP,
/// CHECK and IDLE (every <see cref="IdlePollInterval"/> while idling) ask the store to look at the disk. What it
/// finds comes back as the store's FolderChanged events, so it is announced exactly as another session's changes
/// are (EXISTS, EXPUNGE, FETCH FLAGS when the command allows).
/// </summary>
public sealed partial class ImapSession
{
    /// <summary>How often an idling client's mailbox is looked at on disk (changes made through this server arrive at once anyway).</summary>
    public static readonly TimeSpan IdlePollInterval = TimeSpan.FromSeconds(2);

    /// <summary>During IDLE: looks at the selected mailbox on disk; what changed is then pending (see HasPendingChanges).</summary>
    public Task PollStoreAsync(CancellationToken ct) => SynchronizeSelectedAsync(ct);

    private Task SynchronizeSelectedAsync(CancellationToken ct)
        => _selected is { } sel ? SynchronizeFolderAsync(sel.Folder, ct) : Task.CompletedTask;

    private async Task SynchronizeFolderAsync(string folder, CancellationToken ct)
    {
        if (_account is null) return;
        try
        {
            await _store.SynchronizeAsync(_account, folder, ct).ConfigureAwait(false);
        }
        // A folder that is gone is the command's to report (NONEXISTENT, or EXPUNGEs and BYE for the selected one).
        catch (FolderNotFoundException) { }
        catch (DirectoryNotFoundException) { }
    }
}
