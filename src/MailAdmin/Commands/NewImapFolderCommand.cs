using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>New-ImapFolder: creates a folder (its parent must exist) and subscribes to it.</summary>
[Cmdlet(VerbsCommon.New, "ImapFolder", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ImapFolderInfo))]
public sealed class NewImapFolderCommand : MailClientCmdlet<ImapClientSession>
{
    /// <summary>The new folder's full name, e.g. "Archive/2024" (the server's delimiter).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "Folder")]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = new string[0];

    protected override MailClientProtocol Protocol => MailClientProtocol.Imap;

    protected override void ProcessRecord()
    {
        var session = GetSession();
        foreach (var name in Name)
        {
            ThrowIfStopping();
            if (!ShouldProcess($"{name} on {session}", "Create IMAP folder")) continue;
            try
            {
                var created = Use((s, token) => ImapFolderListing.CreateAsync(s, name, token));
                if (created.FullName != name)
                    WriteVerbose($"{session.Server} separates folders with '{created.Delimiter}': created '{created.FullName}'.");
                WriteObject(created);
            }
            catch (MailClientException ex)
            {
                WriteClientError(ex, name);
            }
            ImapFolderCompleter.Forget(session);
        }
    }
}
