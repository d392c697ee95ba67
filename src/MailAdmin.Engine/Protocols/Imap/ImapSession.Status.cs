using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>STATUS (RFC 3501 §6.3.10, SIZE of RFC 8438, HIGHESTMODSEQ of RFC 7162); <see cref="StatusItems"/> is shared with LIST-STATUS (RFC 5819).</summary>
public sealed partial class ImapSession
{
    private async Task<ImapResponse> StatusAsync(string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        if (args.Count != 2 || MailboxArg(args[0]) is not string folder || args[1].Kind != ImapTokenKind.List || args[1].Items.Count == 0)
            return Bad(tag, "STATUS needs a mailbox and a list of items");
        var items = args[1].Items.Select(t => t.Text.ToUpperInvariant()).ToList();
        var unknown = items.FirstOrDefault(i => !IsStatusItem(i));
        if (unknown != null) return Bad(tag, "Unknown STATUS item " + unknown);
        var name = MailboxNames.NormalizeFolder(folder);
        await SynchronizeFolderAsync(name, ct).ConfigureAwait(false);   // another process's deliveries count too
        var status = _store.GetFolderStatus(_account!, name);
        WriteLine("* STATUS " + WireName(name) + " (" + StatusItems(status, items) + ")");
        return await CompleteAsync(tag, "STATUS completed", Notify.All, ct).ConfigureAwait(false);
    }

    /// <summary>The STATUS items this server answers (upper case).</summary>
    private static readonly HashSet<string> KnownStatusItems = new() { "MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE", "HIGHESTMODSEQ", "DELETED" };

    private static bool IsStatusItem(string upperCaseItem) => KnownStatusItems.Contains(upperCaseItem);

    /// <summary>"MESSAGES 3 UNSEEN 1" for the items asked (upper case, each one <see cref="IsStatusItem"/>), in their order.</summary>
    private string StatusItems(FolderStatus status, IEnumerable<string> items)
    {
        var parts = new List<string>();
        foreach (var key in items)
        {
            if (key == "HIGHESTMODSEQ")
            {
                // RFC 7162 §3.1.8: asking for it enables CONDSTORE.
                EnableCondStore();
                parts.Add(key + " " + status.HighestModSeq.ToString(CultureInfo.InvariantCulture));
                continue;
            }
            long value = key switch
            {
                "MESSAGES" => status.Count,
                "RECENT" => status.Recent,
                "UIDNEXT" => status.UidNext,
                "UIDVALIDITY" => status.UidValidity,
                "UNSEEN" => status.Unseen,
                "SIZE" => status.Size,
                "DELETED" => CountDeleted(status.Name),
                _ => throw new ImapParseException("Unknown STATUS item " + key),
            };
            parts.Add(key + " " + value.ToString(CultureInfo.InvariantCulture));
        }
        return string.Join(" ", parts);
    }
}
