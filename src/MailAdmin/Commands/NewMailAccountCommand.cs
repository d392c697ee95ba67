using System;
using System.Management.Automation;
using System.Security;
using MailAdmin.Store;

namespace MailAdmin.Commands
{
    /// <summary>New-MailAccount: a mailbox on a MailAdmin server's store.</summary>
    [Cmdlet(VerbsCommon.New, "MailAccount", DefaultParameterSetName = PasswordSet)]
    [OutputType(typeof(MailAccount))]
    public sealed class NewMailAccountCommand : MailAccountCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PasswordSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Address { get; set; } = string.Empty;

        [Parameter(Mandatory = true, Position = 1, ParameterSetName = PasswordSet)]
        [ValidateNotNull]
        public SecureString? Password { get; set; }

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = CredentialSet)]
        [Credential]
        [ValidateNotNull]
        public PSCredential? Credential { get; set; }

        /// <summary>Mailbox size limit in bytes (100MB and the like work); none when omitted.</summary>
        [Parameter]
        [ValidateRange(1, long.MaxValue)]
        public long? Quota { get; set; }

        [Parameter]
        public SwitchParameter Disabled { get; set; }

        protected override void ProcessRecord()
        {
            var address = Credential?.UserName ?? Address;
            var password = Credential?.Password ?? Password!;
            try
            {
                MailAccount? account = null;
                var store = Store; // resolved here, on the pipeline thread
                RunAsync(async token => account = await store.Accounts.AddAsync(address, password, Quota, !Disabled, token).ConfigureAwait(false));
                WriteObject(account);
            }
            catch (AccountExistsException ex)
            {
                WriteError(ex, "MailAccountExists", ErrorCategory.ResourceExists, address);
            }
            catch (InvalidAccountAddressException ex)
            {
                WriteError(ex, "MailAccountAddressInvalid", ErrorCategory.InvalidArgument, address);
            }
        }
    }
}
