using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

public sealed partial class ImapSession
{
    /// <summary>
    /// The last SEARCH RETURN (SAVE) result as UIDs (RFC 5182), and the selection it was made in:
    /// a new SELECT/EXAMINE makes a new selection, so '$' is empty again without any hook there.
    /// Expunged messages drop out by themselves: '$' names only UIDs still in the selection.
    /// </summary>
    private (object Selection, HashSet<uint> Uids)? _savedSearch;

    /// <summary>The saved result's UIDs in the selected mailbox (empty when none was saved since SELECT).</summary>
    private HashSet<uint> SavedSearchUids =>
        _savedSearch is { } s && ReferenceEquals(s.Selection, _selected) ? s.Uids : new HashSet<uint>();

    /// <summary>'$' as the set of FETCH/STORE/COPY/MOVE and their UID forms: the saved messages still present, as (sequence number, UID).</summary>
    private List<(uint Seq, uint Uid)> ResolveSavedSearch()
    {
        var sel = _selected!;
        var saved = SavedSearchUids;
        var result = new List<(uint, uint)>(saved.Count);
        if (saved.Count == 0) return result;
        for (int i = 0; i < sel.Uids.Count; i++)
            if (saved.Contains(sel.Uids[i])) result.Add(((uint)(i + 1), sel.Uids[i]));
        return result;
    }

    /// <summary>'$' as a UID set for UID EXPUNGE; null when the saved result names no message.</summary>
    private SequenceSet? SavedSearchSet()
    {
        var uids = ResolveSavedSearch();
        return uids.Count == 0 ? null : SequenceSet.Parse(FormatSet(uids.Select(u => u.Uid)));
    }

    /// <summary>The SEARCH-family capabilities, each listed once it is complete.</summary>
    private const string SearchCapabilities = " ESEARCH SEARCHRES SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES";

    // ---------------------------------------------------------------- SEARCH

    private async Task<ImapResponse> SearchAsync(string tag, IReadOnlyList<ImapToken> args, bool uid, CancellationToken ct)
    {
        if (args.Count == 0) return Bad(tag, "SEARCH needs criteria");
        var options = SearchReturn.Parse(args, out int first);
        var sel = _selected!;
        // RFC 5182 §2.1: a SEARCH that saves and fails leaves '$' empty, so the saved result is
        // dropped before anything can fail (before the criteria are even parsed).
        bool save = options.HasValue && (options.Value & SearchReturnOptions.Save) != 0;
        var savedBefore = SavedSearchUids;
        if (save) _savedSearch = null;
        var query = SearchQuery.Parse(first == 0 ? args : args.Skip(first).ToList());
        // A sequence-set key is message numbers even in UID SEARCH; its UID key stays lenient.
        // With RETURN, a number above EXISTS just matches nothing: imaptest's esearch script wants
        // "SEARCH RETURN () 1000" to succeed with an empty result, as Dovecot answers.
        if (options == null && !query.SequenceSetsFit((uint)sel.Uids.Count)) return Bad(tag, InvalidSequenceNumber);
        if (StartModSeqCommand(tag, query.UsesModSeq) is ImapResponse refused) return refused;
        var context = new SearchContext((uint)sel.Uids.Count, sel.Uids.Count > 0 ? sel.Uids[sel.Uids.Count - 1] : 0, savedBefore);
        var matches = Matches(query, context, ct);
        var hits = new List<uint>(matches.Count);
        foreach (var (seq, m) in matches) hits.Add(uid ? m.Uid : seq);
        // A MODSEQ key makes this the highest mod-sequence of the hits (RFC 7162 §3.1.5):
        // "(MODSEQ n)" after a SEARCH reply, "MODSEQ n" in an ESEARCH reply. Null: no MODSEQ key.
        ulong? highestModSeq = query.UsesModSeq ? Returned(matches, options).Select(x => x.Message.ModSeq).DefaultIfEmpty(0UL).Max() : null;
        // RFC 5182 §2.4: RETURN (SAVE MIN) and the like keep only what they return.
        if (save) _savedSearch = (sel, new HashSet<uint>(Returned(matches, options).Select(x => x.Message.Uid)));
        if (options == null && !_imap4rev2)
        {
            var line = new StringBuilder("* SEARCH");
            foreach (var h in hits) line.Append(' ').Append(h.ToString(CultureInfo.InvariantCulture));
            if (highestModSeq.HasValue && hits.Count > 0) line.Append(" (MODSEQ ").Append(highestModSeq.Value.ToString(CultureInfo.InvariantCulture)).Append(')');
            WriteLine(line.ToString());
        }
        else
        {
            // IMAP4rev2 answers every SEARCH with ESEARCH; without RETURN that is RETURN (ALL) (RFC 9051 §6.4.4).
            var shown = options ?? SearchReturnOptions.All;
            // RFC 5182 §2.4: RETURN (SAVE) alone gives no ESEARCH reply.
            if (shown != SearchReturnOptions.Save) WriteLine(ESearchLine(tag, uid, shown, hits, highestModSeq));
        }
        return await CompleteAsync(tag, (uid ? "UID SEARCH" : "SEARCH") + " completed", uid ? Notify.All : Notify.NoExpunge, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The hits a SEARCH returns, of <paramref name="ascending"/>: with RETURN (MIN) and/or (MAX) but neither ALL nor COUNT
    /// only the first and/or last, else all. What SAVE keeps (RFC 5182 §2.4) and whose MODSEQ counts (RFC 7162 §3.1.10).
    /// </summary>
    private static IEnumerable<T> Returned<T>(List<T> ascending, SearchReturnOptions? options)
    {
        const SearchReturnOptions minMax = SearchReturnOptions.Min | SearchReturnOptions.Max;
        const SearchReturnOptions allCount = SearchReturnOptions.All | SearchReturnOptions.Count;
        if (options is not SearchReturnOptions o || (o & minMax) == 0 || (o & allCount) != 0 || ascending.Count == 0) return ascending;
        var returned = new List<T>(2);
        if ((o & SearchReturnOptions.Min) != 0) returned.Add(ascending[0]);
        if ((o & SearchReturnOptions.Max) != 0) returned.Add(ascending[ascending.Count - 1]);
        return returned;
    }

    /// <summary>The selected mailbox's messages that match, ascending, as (sequence number, store entry).</summary>
    private List<(uint Seq, StoredMessage Message)> Matches(SearchQuery query, SearchContext context, CancellationToken ct)
    {
        var sel = _selected!;
        var result = new List<(uint, StoredMessage)>();
        var listed = _store.ListMessages(_account!, sel.Folder);
        var reader = _store.OpenMessageReader(_account!, sel.Folder);
        if (!Ascending(listed))
        {
            var all = listed.ToDictionary(m => m.Uid);
            for (int i = 0; i < sel.Uids.Count; i++)
            {
                if (!all.TryGetValue(sel.Uids[i], out var m)) continue;
                ct.ThrowIfCancellationRequested();
                if (query.Matches(Context((uint)(i + 1), m, reader, query.NeedsHeaderOnly), context)) result.Add(((uint)(i + 1), m));
            }
            return result;
        }
        // Both lists ascend by UID (the stores list in UID order): one merge walk, no dictionary of the folder.
        int j = 0;
        for (int i = 0; i < sel.Uids.Count; i++)
        {
            uint uid = sel.Uids[i];
            while (j < listed.Count && listed[j].Uid < uid) j++;
            if (j == listed.Count) break;
            var m = listed[j];
            if (m.Uid != uid) continue;   // expunged by another session, not yet reported
            if ((i & 1023) == 0) ct.ThrowIfCancellationRequested();
            if (query.Matches(Context((uint)(i + 1), m, reader, query.NeedsHeaderOnly), context)) result.Add(((uint)(i + 1), m));
        }
        return result;
    }

    private static bool Ascending(IReadOnlyList<StoredMessage> list)
    {
        for (int i = 1; i < list.Count; i++) if (list[i].Uid <= list[i - 1].Uid) return false;
        return true;
    }

    /// <summary>
    /// * ESEARCH (TAG "t") [UID] MIN MAX COUNT ALL (RFC 4731 §3.1): MIN, MAX and ALL are left out
    /// when nothing matched, COUNT is then 0.
    /// </summary>
    internal static string ESearchLine(string tag, bool uid, SearchReturnOptions options, List<uint> hits, ulong? highestModSeq)
    {
        var sb = new StringBuilder("* ESEARCH (TAG \"").Append(tag).Append("\")");
        if (uid) sb.Append(" UID");
        if (hits.Count > 0)
        {
            if ((options & SearchReturnOptions.Min) != 0) sb.Append(" MIN ").Append(hits[0].ToString(CultureInfo.InvariantCulture));
            if ((options & SearchReturnOptions.Max) != 0) sb.Append(" MAX ").Append(hits[hits.Count - 1].ToString(CultureInfo.InvariantCulture));
        }
        if ((options & SearchReturnOptions.Count) != 0) sb.Append(" COUNT ").Append(hits.Count.ToString(CultureInfo.InvariantCulture));
        if (hits.Count > 0 && (options & SearchReturnOptions.All) != 0) sb.Append(" ALL ").Append(FormatSet(hits));
        if (highestModSeq.HasValue && hits.Count > 0) sb.Append(" MODSEQ ").Append(highestModSeq.Value.ToString(CultureInfo.InvariantCulture));
        return sb.ToString();
    }
}
