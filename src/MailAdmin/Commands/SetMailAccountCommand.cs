using System.Management.Automation;
using System.Security;
using MailAdmin.Store;

namespace MailAdmin.Commands;

/// <summary>Set-MailAccount: changes an account's password, quota or enabled flag.</summary>
[Cmdlet(VerbsCommon.Set, "MailAccount", SupportsShouldProcess = true)]
[OutputType(typeof(MailAccount))]
public sealed class SetMailAccountCommand : MailAccountCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Address { get; set; } = string.Empty;

    [Parameter]
    [ValidateNotNull]
    public SecureString? Password { get; set; }

    /// <summary>The new quota in bytes; 0 removes the limit.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? Quota { get; set; }

    [Parameter]
    public bool? Enabled { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var changes = new System.Collections.Generic.List<string>();
        if (Password != null) changes.Add("password");
        if (Quota.HasValue) changes.Add("quota " + Quota.Value);
        if (Enabled.HasValue) changes.Add(Enabled.Value ? "enable" : "disable");
        if (changes.Count == 0 || !ShouldProcess(Address, "Set " + string.Join(", ", changes)))
            return;
        var update = new AccountUpdate { SecurePassword = Password, Quota = Quota, Enabled = Enabled };
        try
        {
            MailAccount? account = null;
            var store = Store; // resolved here, on the pipeline thread
            RunAsync(async token => account = await store.Accounts.UpdateAsync(Address, update, token).ConfigureAwait(false));
            if (PassThru) WriteObject(account);
        }
        catch (AccountNotFoundException ex)
        {
            WriteError(ex, "MailAccountNotFound", ErrorCategory.ObjectNotFound, Address);
        }
    }
}
