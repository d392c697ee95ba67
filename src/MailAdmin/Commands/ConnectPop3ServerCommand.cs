using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>Connect-Pop3Server: opens a POP3 session that later commands use.</summary>
[Cmdlet(VerbsCommunications.Connect, "Pop3Server")]
[OutputType(typeof(Pop3ClientSession))]
public sealed class ConnectPop3ServerCommand : ConnectServerCmdlet<Pop3ClientSession>
{
    protected override MailClientProtocol Protocol => MailClientProtocol.Pop3;
}
