using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Protocols.Imap;

public sealed partial class ImapSession
{
    // ---------------------------------------------------------------- SORT / THREAD (RFC 5256, RFC 5957)

    /// <summary>SORT (keys) charset criteria, and UID SORT.</summary>
    private async Task<ImapResponse> SortAsync(string tag, IReadOnlyList<ImapToken> args, bool uid, CancellationToken ct)
    {
        if (args.Count < 3) return Bad(tag, "SORT needs sort keys, a charset and criteria");
        var criteria = SortCriteria.Parse(args[0]);
        var query = SearchQuery.Parse(WithCharset(args, 1));
        if (StartModSeqCommand(tag, query.UsesModSeq) is ImapResponse refused) return refused;
        var items = SortItems(query, uid, criteria.All(c => c.Key == SortKey.Arrival || c.Key == SortKey.Size), ct);
        if (items == null) return Bad(tag, InvalidSequenceNumber);
        SortCriteria.Sort(items, criteria);
        var line = new StringBuilder("* SORT");
        foreach (var item in items) line.Append(' ').Append(item.Number.ToString(CultureInfo.InvariantCulture));
        // A MODSEQ search key adds " (MODSEQ n)" here as after SEARCH (RFC 7162 §3.1.5).
        if (query.UsesModSeq && items.Count > 0)
            line.Append(" (MODSEQ ").Append(items.Max(x => x.Message.Stored.ModSeq).ToString(CultureInfo.InvariantCulture)).Append(')');
        WriteLine(line.ToString());
        return await CompleteAsync(tag, (uid ? "UID SORT" : "SORT") + " completed", uid ? Notify.All : Notify.NoExpunge, ct).ConfigureAwait(false);
    }

    /// <summary>THREAD algorithm charset criteria, and UID THREAD.</summary>
    private async Task<ImapResponse> ThreadAsync(string tag, IReadOnlyList<ImapToken> args, bool uid, CancellationToken ct)
    {
        if (args.Count < 3 || args[0].Kind != ImapTokenKind.Atom) return Bad(tag, "THREAD needs an algorithm, a charset and criteria");
        var algorithm = args[0].Text.ToUpperInvariant();
        if (algorithm != "ORDEREDSUBJECT" && algorithm != "REFERENCES") return Bad(tag, "Unknown THREAD algorithm " + args[0].Text);
        var query = SearchQuery.Parse(WithCharset(args, 1));
        if (StartModSeqCommand(tag, query.UsesModSeq) is ImapResponse refused) return refused;
        var items = SortItems(query, uid, headerFree: false, ct);
        if (items == null) return Bad(tag, InvalidSequenceNumber);
        var roots = algorithm == "REFERENCES" ? ThreadBuilder.References(items) : ThreadBuilder.OrderedSubject(items);
        WriteLine(roots.Count == 0 ? "* THREAD" : "* THREAD " + ThreadBuilder.Format(roots));
        return await CompleteAsync(tag, (uid ? "UID THREAD" : "THREAD") + " completed", uid ? Notify.All : Notify.NoExpunge, ct).ConfigureAwait(false);
    }

    /// <summary>SORT's and THREAD's charset argument put in front of the criteria as SEARCH's CHARSET, so that one parser checks both.</summary>
    private static List<ImapToken> WithCharset(IReadOnlyList<ImapToken> args, int charsetIndex)
    {
        var list = new List<ImapToken>(args.Count - charsetIndex + 1) { ImapToken.Atom("CHARSET") };
        for (int i = charsetIndex; i < args.Count; i++) list.Add(args[i]);
        return list;
    }

    /// <summary>
    /// The matching messages ready for sorting: their header blocks come from the header cache
    /// unless no key needs one (<paramref name="headerFree"/>: ARRIVAL, SIZE). Null when a sequence
    /// number is above EXISTS (BAD, as for SEARCH).
    /// </summary>
    private List<SortItem>? SortItems(SearchQuery query, bool uid, bool headerFree, CancellationToken ct)
    {
        var sel = _selected!;
        if (!query.SequenceSetsFit((uint)sel.Uids.Count)) return null;
        var context = new SearchContext((uint)sel.Uids.Count, sel.Uids.Count > 0 ? sel.Uids[sel.Uids.Count - 1] : 0, SavedSearchUids);
        var matches = Matches(query, context, ct);
        var reader = _store.OpenMessageReader(_account!, sel.Folder);
        var items = new List<SortItem>(matches.Count);
        foreach (var (seq, m) in matches)
            items.Add(new SortItem(Context(seq, m, reader, headerOnly: !headerFree), uid ? m.Uid : seq));
        return items;
    }
}
