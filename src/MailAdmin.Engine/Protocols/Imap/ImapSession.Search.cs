using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Protocols.Imap;

public sealed partial class ImapSession
{
    // ---------------------------------------------------------------- SEARCH

    private async Task<ImapResponse> SearchAsync(string tag, IReadOnlyList<ImapToken> args, bool uid, CancellationToken ct)
    {
        if (args.Count == 0) return Bad(tag, "SEARCH needs criteria");
        var query = SearchQuery.Parse(args);
        var sel = _selected!;
        // A sequence-set key is message numbers even in UID SEARCH; its UID key stays lenient.
        if (!query.SequenceSetsFit((uint)sel.Uids.Count)) return Bad(tag, InvalidSequenceNumber);
        var context = new SearchContext((uint)sel.Uids.Count, sel.Uids.Count > 0 ? sel.Uids[sel.Uids.Count - 1] : 0);
        var hits = new List<uint>();
        var all = _store.ListMessages(_account!, sel.Folder).ToDictionary(m => m.Uid);
        var reader = _store.OpenMessageReader(_account!, sel.Folder);
        for (int i = 0; i < sel.Uids.Count; i++)
        {
            if (!all.TryGetValue(sel.Uids[i], out var m)) continue;
            ct.ThrowIfCancellationRequested();
            if (query.Matches(Context((uint)(i + 1), m, reader, query.NeedsHeaderOnly), context)) hits.Add(uid ? m.Uid : (uint)(i + 1));
        }
        WriteLine("* SEARCH" + (hits.Count > 0 ? " " + string.Join(" ", hits.Select(h => h.ToString(CultureInfo.InvariantCulture))) : ""));
        return await CompleteAsync(tag, (uid ? "UID SEARCH" : "SEARCH") + " completed", uid ? Notify.All : Notify.NoExpunge, ct).ConfigureAwait(false);
    }
}
