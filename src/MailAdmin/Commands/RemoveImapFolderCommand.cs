using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>Remove-ImapFolder: deletes folders and the messages in them.</summary>
[Cmdlet(VerbsCommon.Remove, "ImapFolder", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
public sealed class RemoveImapFolderCommand : MailClientCmdlet<ImapClientSession>
{
    /// <summary>The folders' full names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImapFolderCompleter))]
    public string[] Folder { get; set; } = new string[0];

    /// <summary>Deletes the folders below each folder too; without it a folder with subfolders is refused.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    protected override MailClientProtocol Protocol => MailClientProtocol.Imap;

    protected override void ProcessRecord()
    {
        var session = GetSession();
        foreach (var name in Folder)
        {
            ThrowIfStopping();
            try
            {
                // Deleting a parent leaves its children on most servers (RFC 3501 6.3.4):
                // refuse, or with -Recurse delete the subtree, deepest first, and say so.
                var below = Use((s, token) => ImapFolderListing.ListDescendantsAsync(s, name, token));
                if (below.Count > 0 && !Recurse)
                {
                    WriteError(new System.InvalidOperationException($"The folder '{name}' has subfolders ({string.Join(", ", below)}); give -Recurse to delete them too."),
                        "ImapFolderHasSubfolders", ErrorCategory.InvalidOperation, name);
                    continue;
                }
                var what = below.Count == 0
                    ? "Delete IMAP folder and its messages"
                    : $"Delete IMAP folder, its {below.Count} subfolder(s) ({string.Join(", ", below)}) and all their messages";
                if (!ShouldProcess($"{name} on {session}", what)) continue;
                foreach (var folder in below)
                    Use((s, token) => ImapFolderListing.DeleteAsync(s, folder, token));
                Use((s, token) => ImapFolderListing.DeleteAsync(s, name, token));
            }
            catch (MailClientException ex)
            {
                WriteClientError(ex, name);
            }
            ImapFolderCompleter.Forget(session);
        }
    }
}
