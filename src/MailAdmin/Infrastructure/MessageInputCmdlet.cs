using System.Collections.Generic;
using System.Management.Automation;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>
/// Base of the cmdlets that work on messages: they take messages from the pipeline
/// (-Message), or read .eml and mbox files (-Path with wildcards, -LiteralPath).
/// </summary>
public abstract class MessageInputCmdlet : MailAdminCmdlet
{
    protected const string MessageSet = "Message";
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    // No position: a positional word is a -Path (or a cmdlet's own first parameter), and
    // messages arrive through the pipeline or by name.
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = MessageSet)]
    [ValidateNotNull]
    public MailMessage[] Message { get; set; } = new MailMessage[0];

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = new string[0];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = new string[0];

    protected override void ProcessRecord()
    {
        foreach (var message in InputMessages())
        {
            ThrowIfStopping();
            ProcessMessage(message);
        }
    }

    /// <summary>Handles one input message; errors for it should be non-terminating.</summary>
    protected abstract void ProcessMessage(MailMessage message);

    /// <summary>The messages of this pipeline record: the piped ones, or those read from the files.</summary>
    protected IEnumerable<MailMessage> InputMessages()
    {
        if (ParameterSetName == MessageSet)
        {
            foreach (var message in Message)
                yield return message;
            yield break;
        }
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (var file in ResolveInputPaths(literal ? LiteralPath : Path, literal))
        {
            foreach (var result in MessageFileReading.Read(this, file))
                yield return result;
        }
    }
}
