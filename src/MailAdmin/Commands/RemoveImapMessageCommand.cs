using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>
/// Remove-ImapMessage: deletes messages for good: marks them \Deleted and expunges only
/// them (UID EXPUNGE; see <see cref="ImapExpunge"/> for servers without UIDPLUS). Other
/// messages that someone marked \Deleted stay. High impact, as Remove-MailAccount: it asks
/// unless -Confirm:$false.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "ImapMessage", DefaultParameterSetName = MessageSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
public sealed class RemoveImapMessageCommand : ImapMessageCmdlet
{
    protected override void ProcessBatch(ImapBatch batch)
    {
        if (!ShouldProcess(batch.Describe(), "Delete for good (expunge)")) return;
        if (!UseBatch(batch, async (session, token) =>
        {
            var (folder, found) = await OpenBatchAsync(batch, true, token).ConfigureAwait(false);
            var warning = await folder.DeleteAsync(found, token).ConfigureAwait(false);
            return (found, warning);
        }, out var result)) return;

        ReportMissing(batch, result.found);
        if (result.warning != null) WriteWarning(result.warning);
    }
}
