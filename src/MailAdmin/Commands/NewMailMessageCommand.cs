using System.Collections;
using System.Linq;
using System.Management.Automation;
using System.Text;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>New-MailMessage: builds a MIME message from parameters, offline.</summary>
[Cmdlet(VerbsCommon.New, "MailMessage")]
[OutputType(typeof(MailMessage))]
public sealed class NewMailMessageCommand : MailAdminCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? From { get; set; }

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[] To { get; set; } = new string[0];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Cc { get; set; } = new string[0];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Bcc { get; set; } = new string[0];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ReplyTo { get; set; } = new string[0];

    [Parameter(Position = 2)]
    [Alias("sub")]
    [AllowEmptyString]
    public string? Subject { get; set; }

    [Parameter(Position = 3, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string? Body { get; set; }

    [Parameter]
    [Alias("BAH")]
    public SwitchParameter BodyAsHtml { get; set; }

    [Parameter]
    [Alias("Attachment", "Att")]
    [ValidateNotNullOrEmpty]
    public string[] Attachments { get; set; } = new string[0];

    [Parameter]
    public MailPriority Priority { get; set; } = MailPriority.Normal;

    [Parameter]
    [ValidateNotNull]
    public Hashtable? Header { get; set; }

    [Parameter]
    [Alias("BE")]
    [EncodingTransformation]
    public Encoding? Encoding { get; set; }

    protected override void ProcessRecord()
    {
        var spec = new MessageSpec
        {
            From = From,
            To = To.ToList(),
            Cc = Cc.ToList(),
            Bcc = Bcc.ToList(),
            ReplyTo = ReplyTo.ToList(),
            Subject = Subject,
            Body = Body,
            BodyAsHtml = BodyAsHtml,
            Priority = Priority,
            Encoding = Encoding,
            AttachmentPaths = Attachments.Select(ResolveOutputPath).ToList(),
        };
        var message = MessageComposition.Build(this, spec, Header);
        if (message != null) WriteObject(message);
    }
}
