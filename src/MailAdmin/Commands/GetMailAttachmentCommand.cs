using System.Management.Automation;
using MailAdmin.Messages;
using MailAdmin.Messages.Attachments;

namespace MailAdmin.Commands;

/// <summary>
/// Get-MailAttachment: lists the attachments of messages (MIME parts, nested messages,
/// uuencoded and BinHex files), optionally filtered by name. Inline parts (images in an
/// HTML body) are left out unless -IncludeInline is given.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MailAttachment", DefaultParameterSetName = PathSet)]
[OutputType(typeof(MailAttachment))]
public sealed class GetMailAttachmentCommand : MessageInputCmdlet
{
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter]
    public SwitchParameter IncludeInline { get; set; }

    protected override void ProcessMessage(MailMessage message)
    {
        foreach (var attachment in AttachmentSelection.Select(this, message, Name, IncludeInline))
            WriteObject(attachment);
    }
}
