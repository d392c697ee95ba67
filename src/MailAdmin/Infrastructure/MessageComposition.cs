using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>
/// How New-MailMessage and Send-SmtpMessage build a message from their parameters: the
/// extra -Header fields, then <see cref="MessageBuilder"/>, with its failures written as
/// non-terminating errors (MailAttachmentNotFound, MailMessageInvalidArgument).
/// </summary>
internal static class MessageComposition
{
    /// <summary>The message; null when it could not be built (the error is written).</summary>
    public static MailMessage? Build(Cmdlet cmdlet, MessageSpec spec, Hashtable? header)
    {
        if (header != null)
            foreach (DictionaryEntry entry in header)
                spec.Headers.Add(new KeyValuePair<string, string>(entry.Key?.ToString() ?? string.Empty, entry.Value?.ToString() ?? string.Empty));
        try
        {
            return MessageBuilder.Build(spec);
        }
        catch (System.IO.FileNotFoundException ex)
        {
            cmdlet.WriteError(new ErrorRecord(ex, "MailAttachmentNotFound", ErrorCategory.ObjectNotFound, ex.FileName));
        }
        catch (System.ArgumentException ex)
        {
            cmdlet.WriteError(new ErrorRecord(ex, "MailMessageInvalidArgument", ErrorCategory.InvalidArgument, null));
        }
        return null;
    }
}
