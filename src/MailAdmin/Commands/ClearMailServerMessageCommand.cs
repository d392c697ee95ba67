using System.Linq;
using System.Management.Automation;
using MailAdmin.Store;

namespace MailAdmin.Commands;

/// <summary>Clear-MailServerMessage: deletes every message of a folder, in one mailbox or all.</summary>
// ConfirmImpact Medium, like Remove-Item: a test fixture's teardown (and -NonInteractive) clears without -Confirm:$false.
[Cmdlet(VerbsCommon.Clear, "MailServerMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class ClearMailServerMessageCommand : MailAccountCmdlet
{
    /// <summary>Mailboxes to purge (wildcards); all when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Address")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Account { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Folder { get; set; } = "INBOX";

    protected override void ProcessRecord()
    {
        var store = Store; // resolved here, on the pipeline thread
        foreach (var account in MatchAccounts(Account))
        {
            int count;
            try { count = store.ListMessages(account.Address, Folder).Count; }
            catch (FolderNotFoundException) { continue; }
            if (count == 0 || !ShouldProcess($"{account.Address}/{Folder}", $"Delete {count} message(s)"))
                continue;
            RunAsync(async token =>
            {
                var uids = store.ListMessages(account.Address, Folder).Select(m => m.Uid).ToList();
                await store.DeleteMessagesAsync(account.Address, Folder, uids, token).ConfigureAwait(false);
            });
        }
    }
}
