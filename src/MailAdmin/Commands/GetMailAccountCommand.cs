using System.Management.Automation;
using MailAdmin.Store;

namespace MailAdmin.Commands
{
    /// <summary>Get-MailAccount: the accounts of a server's store (never their passwords).</summary>
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
            foreach (var account in MatchAccounts(Address))
                WriteObject(account);
        }
    }
}
