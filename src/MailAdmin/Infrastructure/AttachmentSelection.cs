using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using MailAdmin.Messages;
using MailAdmin.Messages.Attachments;

namespace MailAdmin.Commands;

/// <summary>
/// Finds a message's attachments for Get- and Save-MailAttachment: applies -Name and
/// -IncludeInline, and turns each undecodable uuencode or BinHex block into a
/// non-terminating MailAttachmentCorrupt error so that the other attachments still come.
/// </summary>
internal static class AttachmentSelection
{
    public static IEnumerable<MailAttachment> Select(Cmdlet cmdlet, MailMessage message, string[]? names, bool includeInline)
    {
        var patterns = names?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToArray();
        var scan = AttachmentFinder.Find(message);

        foreach (var problem in scan.Problems)
        {
            if (problem.FileName != null && !Matches(patterns, problem.FileName)) continue;
            var where = message.Source ?? $"message '{message.Subject}'";
            var record = new ErrorRecord(problem, "MailAttachmentCorrupt", ErrorCategory.InvalidData, message)
            {
                ErrorDetails = new ErrorDetails($"{where}: {problem.Message}"),
            };
            cmdlet.WriteError(record);
        }

        foreach (var attachment in scan.Attachments)
        {
            if (!includeInline && attachment.Disposition == AttachmentDisposition.Inline) continue;
            if (!Matches(patterns, attachment.FileName)) continue;
            yield return attachment;
        }
    }

    private static bool Matches(WildcardPattern[]? patterns, string name) =>
        patterns == null || patterns.Length == 0 || patterns.Any(p => p.IsMatch(name));
}
