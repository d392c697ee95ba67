using System.Linq;
using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>Get-ImapFolder: the account's folder tree with special use and STATUS counts.</summary>
[Cmdlet(VerbsCommon.Get, "ImapFolder")]
[OutputType(typeof(ImapFolderInfo))]
public sealed class GetImapFolderCommand : MailClientCmdlet<ImapClientSession>
{
    /// <summary>Folder full names to return; wildcards allowed. All folders when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "Name")]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ImapFolderCompleter))]
    public string[]? Folder { get; set; }

    /// <summary>With -Folder: the matching folders' subfolders too.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Only the folders the account subscribed to.</summary>
    [Parameter]
    public SwitchParameter Subscribed { get; set; }

    /// <summary>Skips the STATUS command per folder: the counts stay empty, the listing is quicker.</summary>
    [Parameter]
    public SwitchParameter NoStatus { get; set; }

    protected override MailClientProtocol Protocol => MailClientProtocol.Imap;

    protected override void ProcessRecord()
    {
        var session = GetSession();
        System.Collections.Generic.List<ImapFolderInfo> folders;
        var failures = new System.Collections.Generic.List<MailClientException>();
        try
        {
            folders = Use((s, token) => ImapFolderListing.ListAsync(s, !NoStatus, Subscribed, token, failures));
        }
        catch (MailClientException ex)
        {
            ThrowClientError(ex, session.Server);
            return;
        }
        foreach (var failure in failures)
            WriteClientError(failure, session.Server);
        if (!Subscribed)
            ImapFolderCompleter.Remember(session, folders.Where(f => f.CanHoldMessages).Select(f => f.FullName));

        if (Folder == null)
        {
            WriteObject(folders, true);
            return;
        }
        foreach (var name in Folder)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            var matches = folders.Where(f => pattern.IsMatch(f.FullName)).ToList();
            if (Recurse)
                matches = folders.Where(f => matches.Any(m => f == m || IsBelow(f, m))).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteClientError(new MailClientException(MailClientProtocol.Imap, MailClientFailure.FolderNotFound, $"There is no folder '{name}' on {session.Server}."), name);
                continue;
            }
            WriteObject(matches, true);
        }
    }

    private static bool IsBelow(ImapFolderInfo folder, ImapFolderInfo ancestor) =>
        ancestor.Delimiter != '\0' && folder.FullName.StartsWith(ancestor.FullName + ancestor.Delimiter, System.StringComparison.Ordinal);
}
