using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>Rename-ImapFolder: renames a folder, or moves it elsewhere in the tree.</summary>
[Cmdlet(VerbsCommon.Rename, "ImapFolder", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ImapFolderInfo))]
public sealed class RenameImapFolderCommand : MailClientCmdlet<ImapClientSession>
{
    /// <summary>The folder's current full name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImapFolderCompleter))]
    public string Folder { get; set; } = string.Empty;

    /// <summary>The new full name, e.g. "Archive/Old" (moves it under Archive).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string NewName { get; set; } = string.Empty;

    /// <summary>Writes the renamed folder.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override MailClientProtocol Protocol => MailClientProtocol.Imap;

    protected override void ProcessRecord()
    {
        var session = GetSession();
        if (!ShouldProcess($"{Folder} on {session}", $"Rename IMAP folder to {NewName}")) return;
        try
        {
            var renamed = Use((s, token) => ImapFolderListing.RenameAsync(s, Folder, NewName, token));
            if (PassThru) WriteObject(renamed);
        }
        catch (MailClientException ex)
        {
            WriteClientError(ex, Folder);
        }
        ImapFolderCompleter.Forget(session);
    }
}
