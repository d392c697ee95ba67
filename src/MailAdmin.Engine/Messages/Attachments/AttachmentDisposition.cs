namespace MailAdmin.Messages.Attachments;

/// <summary>Whether the sender attached the part as a file, or placed it in the body (an inline image).</summary>
public enum AttachmentDisposition
{
    Attachment,
    Inline,
}
