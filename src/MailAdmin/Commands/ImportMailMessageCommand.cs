using System.Management.Automation;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>Import-MailMessage: reads .eml files and every message of mbox files, streamed.</summary>
[Cmdlet(VerbsData.Import, "MailMessage", DefaultParameterSetName = PathSet)]
[OutputType(typeof(MailMessage))]
public sealed class ImportMailMessageCommand : MailAdminCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = new string[0];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = new string[0];

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (var file in ResolveInputPaths(literal ? LiteralPath : Path, literal))
        {
            WriteVerbose($"Reading '{file}'.");
            foreach (var message in MessageFileReading.Read(this, file))
            {
                ThrowIfStopping();
                WriteObject(message);
            }
        }
    }
}
