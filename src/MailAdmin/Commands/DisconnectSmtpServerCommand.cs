using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>Disconnect-SmtpServer: closes SMTP sessions.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "SmtpServer")]
public sealed class DisconnectSmtpServerCommand : DisconnectServerCmdlet<SmtpClientSession>
{
    protected override MailClientProtocol Protocol => MailClientProtocol.Smtp;
}
