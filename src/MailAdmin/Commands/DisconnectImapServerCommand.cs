using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>Disconnect-ImapServer: closes IMAP sessions.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "ImapServer")]
public sealed class DisconnectImapServerCommand : DisconnectServerCmdlet<ImapClientSession>
{
    protected override MailClientProtocol Protocol => MailClientProtocol.Imap;
}
