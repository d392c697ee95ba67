using System.Linq;
using System.Management.Automation;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>Get-MailHeader: the header fields of messages as objects, in order.</summary>
[Cmdlet(VerbsCommon.Get, "MailHeader", DefaultParameterSetName = MessageSet)]
[OutputType(typeof(MailHeader))]
public sealed class GetMailHeaderCommand : MessageInputCmdlet
{
    private WildcardPattern[]? _patterns;

    /// <summary>Field names to return; wildcards allowed, case-insensitive. All fields when omitted.</summary>
    /// <remarks>
    /// Positional only with piped messages (`$m | Get-MailHeader Subject`): with files the
    /// first positional word is the -Path, and PowerShell cannot bind a second one to
    /// -Name in one set and to nothing in the other.
    /// </remarks>
    [Parameter(Position = 0, ParameterSetName = MessageSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    protected override void BeginProcessing()
    {
        if (Name != null)
            _patterns = Name.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToArray();
    }

    protected override void ProcessMessage(MailMessage message)
    {
        foreach (var header in MailHeader.FromMessage(message))
        {
            if (_patterns == null || _patterns.Any(p => p.IsMatch(header.Name)))
                WriteObject(header);
        }
    }
}
