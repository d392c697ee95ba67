using System.Management.Automation;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>
/// Move-ImapMessage: moves messages to another folder of the same account (MOVE, or COPY
/// and an expunge of just the originals where the server lacks MOVE).
/// </summary>
[Cmdlet(VerbsCommon.Move, "ImapMessage", DefaultParameterSetName = MessageSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MailMessage))]
public sealed class MoveImapMessageCommand : ImapTransferCmdlet
{
    protected override bool RemovesOriginals => true;
}
