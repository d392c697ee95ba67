using System.Management.Automation;

namespace MailAdmin.Commands;

/// <summary>Remove-MailAccount: removes accounts and their mail.</summary>
[Cmdlet(VerbsCommon.Remove, "MailAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
public sealed class RemoveMailAccountCommand : MailAccountCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Address { get; set; } = new string[0];

    protected override void ProcessRecord()
    {
        foreach (var account in MatchAccounts(Address))
        {
            if (!ShouldProcess(account.Address, "Remove mail account and all its mail"))
                continue;
            var store = Store; // resolved here, on the pipeline thread
            RunAsync(token => store.Accounts.RemoveAsync(account.Address, token));
        }
    }
}
