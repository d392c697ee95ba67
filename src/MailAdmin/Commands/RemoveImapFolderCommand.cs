using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands
{
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

        protected override MailClientProtocol Protocol => MailClientProtocol.Imap;

        protected override void ProcessRecord()
        {
            var session = GetSession();
            foreach (var name in Folder)
            {
                ThrowIfStopping();
                if (!ShouldProcess($"{name} on {session}", "Delete IMAP folder and its messages")) continue;
                try
                {
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
}
