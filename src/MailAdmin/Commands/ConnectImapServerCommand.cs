using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>Connect-ImapServer: opens a IMAP session that later commands use.</summary>
[Cmdlet(VerbsCommunications.Connect, "ImapServer")]
[OutputType(typeof(ImapClientSession))]
public sealed class ConnectImapServerCommand : ConnectServerCmdlet<ImapClientSession>
{
    protected override MailClientProtocol Protocol => MailClientProtocol.Imap;
}
