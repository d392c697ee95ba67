using System;
using System.Management.Automation;
using System.Security;
using MailAdmin.Store;

namespace MailAdmin.Commands;

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

    /// <summary>Adds the address's domain to the running server's domains when it does not serve it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var address = Credential?.UserName ?? Address;
        var password = Credential?.Password ?? Password!;
        if (!CheckDomain(address)) return;
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

    /// <summary>
    /// An account in a domain the server does not serve would be unreachable: its mail is
    /// refused as relaying. A server started with -Domain refuses it unless -Force adds the
    /// domain; a lab server on the default domains (localhost, host name) adds it, saying so.
    /// </summary>
    private bool CheckDomain(string address)
    {
        var at = address.LastIndexOf('@');
        var server = ResolvedServer;
        if (server == null || at < 0 || at == address.Length - 1) return true;
        var domain = address.Substring(at + 1);
        if (server.ServesDomain(domain)) return true;
        if (server.HasExplicitDomains && !Force)
        {
            WriteError(new InvalidOperationException(
                $"Server '{server.Name}' serves {string.Join(", ", server.Domains)}, not {domain}: mail to {address} would be refused as relaying. " +
                $"Give -Force to add {domain} to the server's domains (until it stops; Start-MailServer -Domain keeps it)."),
                "MailAccountDomainNotServed", ErrorCategory.InvalidArgument, address);
            return false;
        }
        server.AddDomain(domain);
        WriteVerbose($"Server '{server.Name}' now also delivers mail for {domain} (until it stops; Start-MailServer -Domain keeps it).");
        return true;
    }
}
