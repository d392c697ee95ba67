using System.Linq;
using System.Management.Automation;
using MailAdmin.Delivery;

namespace MailAdmin.Commands;

/// <summary>Get-MailQueue: one row per next hop with mail waiting (Exchange's Get-Queue, for one server).</summary>
[Cmdlet(VerbsCommon.Get, "MailQueue")]
[OutputType(typeof(QueueDestination))]
public sealed class GetMailQueueCommand : MailQueueCmdlet
{
    /// <summary>Recipient domains or smarthosts (wildcards); all when omitted.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Destination { get; set; }

    // Per record: each server piped in (Get-MailServer | Get-MailQueue) gets its rows.
    protected override void ProcessRecord()
    {
        var patterns = Destination?.Select(d => WildcardPattern.Get(d, WildcardOptions.IgnoreCase)).ToList();
        var rows = TargetQueue().GetDestinations()
            .Where(d => patterns == null || patterns.Any(p => p.IsMatch(d.Destination)))
            .ToList();
        if (Destination != null)
        {
            // A plain name that matches nothing is probably a typo; a wildcard that matches nothing is an empty answer.
            foreach (var name in Destination.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !rows.Any(r => string.Equals(r.Destination, n, System.StringComparison.OrdinalIgnoreCase))))
                WriteVerbose($"No mail is waiting for '{name}'.");
        }
        WriteObject(rows, enumerateCollection: true);
    }
}
