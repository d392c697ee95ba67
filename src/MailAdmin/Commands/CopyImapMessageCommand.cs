using System.Management.Automation;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>Copy-ImapMessage: copies messages to another folder of the same account (UID COPY).</summary>
[Cmdlet(VerbsCommon.Copy, "ImapMessage", DefaultParameterSetName = MessageSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MailMessage))]
public sealed class CopyImapMessageCommand : ImapTransferCmdlet
{
    protected override bool RemovesOriginals => false;
}
