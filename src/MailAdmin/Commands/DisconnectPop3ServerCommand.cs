using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>Disconnect-Pop3Server: closes POP3 sessions.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "Pop3Server")]
public sealed class DisconnectPop3ServerCommand : DisconnectServerCmdlet<Pop3ClientSession>
{
    protected override MailClientProtocol Protocol => MailClientProtocol.Pop3;
}
