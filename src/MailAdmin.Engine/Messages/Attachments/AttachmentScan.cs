using System.Collections.Generic;

namespace MailAdmin.Messages.Attachments;

/// <summary>
/// What <see cref="AttachmentFinder.Find"/> found in one message: the attachments it could
/// decode, and the reasons for those it could not (a corrupt block does not hide the rest).
/// </summary>
public sealed class AttachmentScan
{
    internal AttachmentScan(MailMessage message, IReadOnlyList<MailAttachment> attachments, IReadOnlyList<AttachmentFormatException> problems)
    {
        Message = message;
        Attachments = attachments;
        Problems = problems;
    }

    public MailMessage Message { get; }

    /// <summary>Every attachment and inline part, in the order they appear in the message.</summary>
    public IReadOnlyList<MailAttachment> Attachments { get; }

    /// <summary>One entry per uuencoded or BinHex block that could not be decoded.</summary>
    public IReadOnlyList<AttachmentFormatException> Problems { get; }
}
