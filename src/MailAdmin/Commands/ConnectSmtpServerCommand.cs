using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>Connect-SmtpServer: opens a SMTP session that later commands use.</summary>
[Cmdlet(VerbsCommunications.Connect, "SmtpServer")]
[OutputType(typeof(SmtpClientSession))]
public sealed class ConnectSmtpServerCommand : ConnectServerCmdlet<SmtpClientSession>
{
    protected override MailClientProtocol Protocol => MailClientProtocol.Smtp;
}
