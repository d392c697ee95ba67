using System;
using System.Management.Automation;
using MailAdmin.Store;

namespace MailAdmin.Commands;

/// <summary>
/// Get-MailAccount: the accounts of a server's store (never their passwords), each with what it uses:
/// UsedBytes, MessageCount and QuotaUsedPercent are added to the account (which stays the store's
/// immutable, cached <see cref="MailAccount"/>), so it still pipes to the other account commands.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MailAccount")]
[OutputType(typeof(MailAccount))]
public sealed class GetMailAccountCommand : MailAccountCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Address { get; set; }

    protected override void ProcessRecord()
    {
        var store = Store;
        foreach (var account in MatchAccounts(Address))
        {
            var result = new PSObject(account);
            // The store's usage counter (what the quota is checked against): no message file is read.
            long used = 0;
            RunAsync(async token => used = await store.GetUsedBytesAsync(account.Address, token).ConfigureAwait(false));
            var quota = store.GetQuota(account.Address);
            result.Properties.Add(new PSNoteProperty("UsedBytes", used));
            result.Properties.Add(new PSNoteProperty("MessageCount", CountMessages(store, account.Address)));
            result.Properties.Add(new PSNoteProperty("QuotaUsedPercent", quota is > 0 ? Math.Round(100.0 * used / quota.Value, 1) : (double?)null));
            WriteObject(result);
        }
    }

    /// <summary>Messages in all the account's folders, from each folder's status (its index, not its files).</summary>
    private static int CountMessages(IMailStore store, string account)
    {
        var count = 0;
        foreach (var folder in store.GetFolders(account))
        {
            try { count += store.GetFolderStatus(account, folder.Name).Count; }
            catch (FolderNotFoundException) { } // removed since it was listed: its messages are gone too
        }
        return count;
    }
}
