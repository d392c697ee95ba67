using System;
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
    /// <summary>A long FETCH is sent in chunks of this size: small enough that the client reads while we render (see docs/imap.md).</summary>
    private const int OutputFlushThreshold = 64 * 1024;

    private const string InvalidSequenceNumber = "Invalid message sequence number";

    /// <summary>The messages a sequence set or UID set names, as (sequence number, UID), ascending.</summary>
    private List<(uint Seq, uint Uid)> Resolve(string setText, bool uid)
    {
        if (setText == "$") return ResolveSavedSearch();   // RFC 5182 (ImapSession.Search.cs)
        var sel = _selected!;
        var set = SequenceSet.Parse(setText);
        // A message sequence number above the EXISTS this session announced ('*' in an empty mailbox
        // too) is a BAD (RFC 9051 §9 seq-number); a UID set naming no message just matches nothing.
        if (!uid && !set.FitsMessageCount((uint)sel.Uids.Count)) throw new ImapParseException(InvalidSequenceNumber);
        var result = new List<(uint, uint)>();
        if (sel.Uids.Count == 0) return result;
        if (uid)
        {
            foreach (var i in set.PositionsIn(sel.Uids))
                result.Add(((uint)(i + 1), sel.Uids[i]));
        }
        else
        {
            // Expand gives each number once and in order already (no sorting 1:* of a big folder again).
            foreach (var seq in set.Expand((uint)sel.Uids.Count))
                result.Add((seq, sel.Uids[(int)seq - 1]));
        }
        return result;
    }

    /// <summary>
    /// The store's entries for the targets (ascending, as Resolve gives them), skipping those expunged
    /// meanwhile. A large set is looked up with one listing: every single look-up checks the account and
    /// folder again.
    /// </summary>
    private List<(uint Seq, StoredMessage Message)> LookUp(string folder, List<(uint Seq, uint Uid)> targets)
    {
        var result = new List<(uint Seq, StoredMessage Message)>(targets.Count);
        if (targets.Count > 32)
        {
            var all = _store.ListMessages(_account!, folder);
            if (MergeByUid(all, targets, result)) return result;
            result.Clear();
            var byUid = new Dictionary<uint, StoredMessage>(all.Count);
            foreach (var m in all) byUid[m.Uid] = m;
            foreach (var (seq, uid) in targets)
                if (byUid.TryGetValue(uid, out var m)) result.Add((seq, m));
            return result;
        }
        foreach (var (seq, uid) in targets)
        {
            var m = _store.GetMessage(_account!, folder, uid);
            if (m != null) result.Add((seq, m));
        }
        return result;
    }

    /// <summary>
    /// FETCH ... (CHANGEDSINCE n) without expanding the set: the store's messages changed since n (few, when a client
    /// resynchronises) are each tested against the set and numbered by a binary search of the session's UIDs,
    /// instead of pairing all 10,000 messages of 1:* with the listing. A message the session was not told about
    /// yet is left to the updates after the command, as a full look-up would. Ascending like the UIDs.
    /// </summary>
    private List<(uint Seq, StoredMessage Message)> ChangedAmong(string setText, bool uid, ulong since)
    {
        var sel = _selected!;
        var set = SequenceSet.Parse(setText);
        if (!uid && !set.FitsMessageCount((uint)sel.Uids.Count)) throw new ImapParseException(InvalidSequenceNumber);
        var result = new List<(uint Seq, StoredMessage Message)>();
        if (sel.Uids.Count == 0) return result;
        uint lastUid = sel.Uids[sel.Uids.Count - 1], count = (uint)sel.Uids.Count;
        foreach (var m in _store.ListMessagesChangedSince(_account!, sel.Folder, since))
        {
            int i = sel.Uids.BinarySearch(m.Uid);
            if (i < 0) continue;
            uint seq = (uint)(i + 1);
            if (uid ? set.Contains(m.Uid, lastUid) : set.Contains(seq, count)) result.Add((seq, m));
        }
        return result;
    }

    /// <summary>
    /// Pairs targets and listing in one walk when both ascend by UID (the stores list that way): no dictionary
    /// of the whole folder for a FETCH 1:* or a CHANGEDSINCE resync. False, with <paramref name="result"/> partly
    /// filled, when either does not ascend; the caller then looks them up by UID.
    /// </summary>
    private static bool MergeByUid(IReadOnlyList<StoredMessage> all, List<(uint Seq, uint Uid)> targets, List<(uint Seq, StoredMessage Message)> result)
    {
        int i = 0;
        uint lastListed = 0, lastTarget = 0;
        foreach (var (seq, uid) in targets)
        {
            if (uid < lastTarget) return false;
            lastTarget = uid;
            while (i < all.Count && all[i].Uid < uid)
            {
                if (all[i].Uid < lastListed) return false;
                lastListed = all[i++].Uid;
            }
            if (i == all.Count) break;
            var m = all[i];
            if (m.Uid < lastListed) return false;
            if (m.Uid == uid) result.Add((seq, m));
        }
        return true;
    }

    private Dictionary<uint, StoredMessage> LookUpByUid(string folder, List<(uint Seq, uint Uid)> targets)
    {
        var result = new Dictionary<uint, StoredMessage>(targets.Count);
        foreach (var (_, m) in LookUp(folder, targets)) result[m.Uid] = m;
        return result;
    }

    /// <summary>
    /// A message as FETCH and SEARCH see it. <paramref name="reader"/> is the command's one reader of
    /// the folder: opening each message through the store would check the account (a stat of the
    /// accounts file) and the folder again for every message.
    /// </summary>
    private ImapMessageContext Context(uint seq, StoredMessage stored, IMessageReader reader, bool headerOnly = false)
    {
        var sel = _selected!;
        var account = _account!;
        var folder = sel.Folder;
        var withRecent = stored.With(stored.Flags, IsRecentForClient(sel, stored.Uid));   // keeps keywords and MODSEQ
        if (headerOnly)
        {
            // Read (or found in the cache) now: callers ask for header-only contexts only when the header is needed.
            var header = ImapHeaderCache.Get(_store, account, folder, sel.UidValidity, stored.Uid);
            return new ImapMessageContext(seq, withRecent, header);
        }
        return new ImapMessageContext(seq, withRecent, () => reader.Read(stored.Uid) ?? throw new MessageNotFoundException(account, folder, stored.Uid));
    }

    private async Task MaybeFlushAsync(CancellationToken ct)
    {
        if (_out.Length >= OutputFlushThreshold && FlushOutput != null) await FlushOutput(ct).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- FETCH

    private async Task<ImapResponse> FetchAsync(string tag, IReadOnlyList<ImapToken> args, bool uid, CancellationToken ct)
    {
        if (args.Count < 2 || args[0].Kind != ImapTokenKind.Atom) return Bad(tag, "FETCH needs a sequence set and attributes");
        var attributes = args.Skip(1).ToList();
        // RFC 7162 §3.1.4: a second list after the attributes holds the modifiers, (CHANGEDSINCE n [VANISHED]).
        FetchModifiers? modifiers = null;
        if (attributes.Count == 2 && attributes[1].Kind == ImapTokenKind.List)
        {
            modifiers = FetchModifiers.Parse(attributes[1].Items);
            attributes.RemoveAt(1);
            if (modifiers.Vanished && (!uid || !_qresync)) return Bad(tag, "VANISHED needs UID FETCH and ENABLE QRESYNC");
        }
        // As the contract says: the tokens after the set, i.e. one atom (FLAGS, a macro, BODY[...]) or one list.
        var request = FetchRequest.Parse(attributes, uid);
        if (modifiers?.ChangedSince != null) request = request.WithModSeq();
        if (StartModSeqCommand(tag, request.HasModSeq) is ImapResponse refused) return refused;
        var sel = _selected!;
        // VANISHED (EARLIER) needs every target's look-up; else CHANGEDSINCE asks the store for the changed ones only.
        var changedSince = modifiers?.ChangedSince;
        var onlyChanged = changedSince != null && modifiers?.Vanished != true && args[0].Text != "$";
        var targets = onlyChanged ? new List<(uint Seq, uint Uid)>() : Resolve(args[0].Text, uid);
        var stored = onlyChanged ? ChangedAmong(args[0].Text, uid, changedSince!.Value) : LookUp(sel.Folder, targets);
        if (modifiers?.Vanished == true) WriteVanishedEarlier(args[0].Text, stored);
        if (changedSince is ulong since) stored.RemoveAll(s => s.Message.ModSeq <= since);
        var seen = new HashSet<uint>();
        if (request.SetsSeen && !sel.ReadOnly)
        {
            var unseen = stored.Where(s => (s.Message.Flags & MessageFlags.Seen) == 0).Select(s => s.Message.Uid).ToList();
            if (unseen.Count > 0)
            {
                var changed = await _store.SetFlagsAsync(_account!, sel.Folder, unseen, MessageFlags.Seen, FlagChange.Add, ct).ConfigureAwait(false);
                var byUid = changed.ToDictionary(c => c.Uid);
                for (int i = 0; i < stored.Count; i++)
                    if (byUid.TryGetValue(stored[i].Message.Uid, out var c))
                    {
                        stored[i] = (stored[i].Seq, c);
                        seen.Add(c.Uid);
                        sel.Remember(c);
                    }
            }
        }
        // RFC 2180 §4.1.2: a message another session expunged (still here for this one) is answered from what
        // the session knows; when that is not enough (its text is gone), it is left out and the OK says so.
        var gone = modifiers?.ChangedSince == null ? ExpungedMeanwhile(targets, stored) : new List<(uint Seq, StoredMessage Message)>();
        bool unanswered = false;
        if (gone.Count > 0)
        {
            if (request.NeedsBody) unanswered = true;
            else
            {
                stored.AddRange(gone);
                stored.Sort((a, b) => a.Seq.CompareTo(b.Seq));
            }
        }
        AnnounceNewKeywords(stored.Select(s => s.Message));
        bool headerOnly = request.NeedsBody && request.NeedsHeaderOnly;
        var reader = _store.OpenMessageReader(_account!, sel.Folder);
        foreach (var (seq, m) in stored)
        {
            bool includeFlags = seen.Contains(m.Uid);
            // The text is read before the response line starts: a message another session expunges between the
            // look-up and the read is left out like the ones above, not a NO for the whole command.
            ImapMessageContext context;
            try
            {
                context = Context(seq, m, reader, headerOnly);
                if (request.NeedsBody && !headerOnly) _ = context.Bytes;
            }
            catch (MessageNotFoundException)
            {
                unanswered = true;
                continue;
            }
            FetchResponse.Write(_out, request, context, includeFlags, _utf8, ModSeqsShown);
            await MaybeFlushAsync(ct).ConfigureAwait(false);
        }
        await FlushUpdatesAsync(uid ? Notify.All : Notify.NoExpunge, ct).ConfigureAwait(false);
        if (unanswered) return Ok(tag, "[EXPUNGEISSUED] Some messages were expunged");
        return Ok(tag, (uid ? "UID FETCH" : "FETCH") + " completed");
    }

    /// <summary>
    /// A keyword new to the mailbox is announced in FLAGS before a FETCH shows it (RFC 3501 §7.2.6): one another
    /// session has just stored may be on the messages this command is about to show, before the updates after
    /// the command would have announced it (imaptest's stress found that order).
    /// </summary>
    private void AnnounceNewKeywords(IEnumerable<StoredMessage> shown)
    {
        var sel = _selected!;
        bool added = false;
        foreach (var m in shown)
            if (m.Keywords.Count > 0) added |= sel.LearnKeywords(m.Keywords);
        if (added) WriteFlagsResponses(sel);
    }

    /// <summary>The targets the store no longer has, with their state as this session last knew it.</summary>
    private List<(uint Seq, StoredMessage Message)> ExpungedMeanwhile(List<(uint Seq, uint Uid)> targets, List<(uint Seq, StoredMessage Message)> stored)
    {
        var result = new List<(uint Seq, StoredMessage Message)>();
        if (stored.Count == targets.Count) return result;
        var present = new HashSet<uint>(stored.Select(s => s.Message.Uid));
        foreach (var (seq, u) in targets)
            if (!present.Contains(u) && _selected!.Known.TryGetValue(u, out var known)) result.Add((seq, known));
        return result;
    }

    /// <summary>UID FETCH (CHANGEDSINCE n VANISHED), RFC 7162 §3.2.6: the UIDs of the set that no longer exist.</summary>
    private void WriteVanishedEarlier(string uidSetText, List<(uint Seq, StoredMessage Message)> stored)
    {
        var sel = _selected!;
        var existing = stored.Select(s => s.Message.Uid).ToList();
        uint uidNext = sel.MaxUid + 1;
        var missing = ImapVanished.Missing(SequenceSet.Parse(uidSetText), existing, uidNext);
        // The set's existing UIDs are enough: a UID outside the set never counts, one inside it is in stored.
        if (missing.Count > 0) WriteLine("* VANISHED (EARLIER) " + ImapVanished.Format(missing));
    }

    // ---------------------------------------------------------------- STORE

    private async Task<ImapResponse> StoreAsync(string tag, IReadOnlyList<ImapToken> args, bool uid, CancellationToken ct)
    {
        // RFC 7162 §3.1.3: STORE set (UNCHANGEDSINCE n) item flags.
        ulong? unchangedSince = null;
        if (args.Count >= 2 && args[1].Kind == ImapTokenKind.List)
        {
            unchangedSince = ParseUnchangedSince(args[1].Items);
            args = args.Take(1).Concat(args.Skip(2)).ToList();
        }
        if (args.Count < 3 || args[0].Kind != ImapTokenKind.Atom || args[1].Kind != ImapTokenKind.Atom) return Bad(tag, "STORE needs a set, an item and flags");
        var item = args[1].Text.ToUpperInvariant();
        bool silent = item.EndsWith(".SILENT", StringComparison.Ordinal);
        if (silent) item = item.Substring(0, item.Length - 7);
        FlagChange change;
        switch (item)
        {
            case "FLAGS": change = FlagChange.Replace; break;
            case "+FLAGS": change = FlagChange.Add; break;
            case "-FLAGS": change = FlagChange.Remove; break;
            default: return Bad(tag, "Unknown STORE item " + args[1].Text);
        }
        var flagTokens = args.Count == 3 && args[2].Kind == ImapTokenKind.List ? args[2].Items : args.Skip(2).ToList();
        var (flags, keywords) = flagTokens.Count == 0 ? (MessageFlags.None, MessageKeywords.None) : ImapFlags.ParseWithKeywords(flagTokens);
        var sel = _selected!;
        if (sel.ReadOnly) return No(tag, "[READ-ONLY] Mailbox is read-only");
        if (StartModSeqCommand(tag, unchangedSince != null) is ImapResponse refused) return refused;
        if (change != FlagChange.Remove && !sel.CanCreateKeywords && keywords.Any(k => !sel.Keywords.Contains(k)))
            return No(tag, "[LIMIT] No more keywords can be created in this mailbox");
        var targets = Resolve(args[0].Text, uid);
        var result = await _store.UpdateFlagsAsync(_account!, sel.Folder, targets.Select(t => t.Uid), new FlagUpdate(flags, keywords, change, unchangedSince), ct).ConfigureAwait(false);
        var byUid = result.Changed.ToDictionary(c => c.Uid);
        var modified = new HashSet<uint>(result.Modified);
        // Without .SILENT every target's flags are shown, those the command did not change too: they are
        // looked up with one listing. With it, a message left as it was needs no word and no look-up.
        var unchanged = silent ? null : LookUpByUid(sel.Folder, targets.Where(t => !byUid.ContainsKey(t.Uid) && !modified.Contains(t.Uid)).ToList());
        AnnounceNewKeywords(result.Changed);
        if (unchanged != null) AnnounceNewKeywords(unchanged.Values);
        foreach (var (seq, u) in targets)
        {
            if (modified.Contains(u)) continue;   // left alone: the client learns of it from [MODIFIED]
            StoredMessage now;
            if (byUid.TryGetValue(u, out var c)) now = c;
            else if (unchanged != null && unchanged.TryGetValue(u, out var m)) now = m;
            else continue;
            sel.Remember(now);
            // Once CONDSTORE is on, even .SILENT reports the new MODSEQ of what changed (RFC 7162 §3.1.3).
            if (!silent) WriteLine(StoreFetch(seq, now, uid));
            else if (ModSeqsShown && byUid.ContainsKey(u))
                WriteLine("* " + seq.ToString(CultureInfo.InvariantCulture) + " FETCH (" + (uid || _qresync ? "UID " + u.ToString(CultureInfo.InvariantCulture) + " " : "") + "MODSEQ (" + now.ModSeq.ToString(CultureInfo.InvariantCulture) + "))");
        }
        string code = "";
        if (modified.Count > 0)
            code = "[MODIFIED " + FormatSet(targets.Where(t => modified.Contains(t.Uid)).Select(t => uid ? t.Uid : t.Seq)) + "] Conditional STORE failed for some messages; ";
        return await CompleteAsync(tag, code + (uid ? "UID STORE" : "STORE") + " completed", uid ? Notify.All : Notify.NoExpunge, ct).ConfigureAwait(false);
    }

    /// <summary>STORE's FETCH of the new flags: UID for UID STORE (and once QRESYNC is on), MODSEQ once CONDSTORE is on.</summary>
    private string StoreFetch(uint seq, StoredMessage now, bool uid)
    {
        var sel = _selected!;
        var sb = new StringBuilder("* ").Append(seq.ToString(CultureInfo.InvariantCulture)).Append(" FETCH (FLAGS ")
            .Append(ImapFlags.Format(now.Flags, now.Keywords, IsRecentForClient(sel, now.Uid)));
        if (uid || _qresync) sb.Append(" UID ").Append(now.Uid.ToString(CultureInfo.InvariantCulture));
        if (ModSeqsShown) sb.Append(" MODSEQ (").Append(now.ModSeq.ToString(CultureInfo.InvariantCulture)).Append(')');
        return sb.Append(')').ToString();
    }

    // ---------------------------------------------------------------- COPY / MOVE

    private async Task<ImapResponse> CopyAsync(string tag, IReadOnlyList<ImapToken> args, bool uid, bool move, CancellationToken ct)
    {
        var verb = (uid ? "UID " : "") + (move ? "MOVE" : "COPY");
        if (args.Count != 2 || args[0].Kind != ImapTokenKind.Atom || MailboxArg(args[1]) is not string folder) return Bad(tag, verb + " needs a set and a mailbox");
        var sel = _selected!;
        if (move && sel.ReadOnly) return No(tag, "[READ-ONLY] Mailbox is read-only");
        var target = MailboxNames.NormalizeFolder(folder);
        FolderStatus status;
        try { status = _store.GetFolderStatus(_account!, target); }
        catch (FolderNotFoundException) { return No(tag, "[TRYCREATE] No such mailbox"); }
        var targets = Resolve(args[0].Text, uid);
        var uids = targets.Select(t => t.Uid).ToList();
        // MOVE is one store operation, so a crash leaves the messages in one folder, never in both.
        var pairs = uids.Count == 0 ? (IReadOnlyList<KeyValuePair<uint, uint>>)Array.Empty<KeyValuePair<uint, uint>>()
            : move ? await _store.MoveMessagesAsync(_account!, sel.Folder, uids, target, ct).ConfigureAwait(false)
            : await _store.CopyMessagesAsync(_account!, sel.Folder, uids, target, ct).ConfigureAwait(false);
        string code = pairs.Count == 0 ? "" :
            "[COPYUID " + status.UidValidity.ToString(CultureInfo.InvariantCulture) + " " + FormatSet(pairs.Select(p => p.Key)) + " " + FormatSet(pairs.Select(p => p.Value)) + "] ";
        if (!move)
        {
            await FlushUpdatesAsync(Notify.All, ct).ConfigureAwait(false);
            return Ok(tag, code + verb + " completed");
        }
        // RFC 6851 §4.3: COPYUID in an untagged OK, then the EXPUNGEs, then the tagged OK.
        if (code.Length > 0) WriteLine("* OK " + code + "Moved");
        sel.Dirty = true;
        await FlushUpdatesAsync(Notify.All, ct).ConfigureAwait(false);
        return Ok(tag, verb + " completed");
    }

    /// <summary>A UID set in the given order, consecutive runs written as ranges ("4:6,9").</summary>
    internal static string FormatSet(IEnumerable<uint> values)
    {
        var sb = new StringBuilder();
        uint start = 0, prev = 0;
        bool any = false;
        foreach (var v in values)
        {
            if (any && v == prev + 1) { prev = v; continue; }
            if (any) Append(sb, start, prev);
            start = prev = v;
            any = true;
        }
        if (any) Append(sb, start, prev);
        return sb.ToString();

        static void Append(StringBuilder sb, uint a, uint b)
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(a.ToString(CultureInfo.InvariantCulture));
            if (b != a) sb.Append(':').Append(b.ToString(CultureInfo.InvariantCulture));
        }
    }

    // ---------------------------------------------------------------- EXPUNGE

    private async Task<ImapResponse> ExpungeAsync(string tag, SequenceSet? uidSet, CancellationToken ct)
    {
        var sel = _selected!;
        if (sel.ReadOnly) return No(tag, "[READ-ONLY] Mailbox is read-only");
        IEnumerable<uint>? uids = null;
        if (uidSet != null)
        {
            uint max = sel.Uids.Count > 0 ? sel.Uids[sel.Uids.Count - 1] : 0;
            uids = sel.Uids.Where(u => uidSet.Contains(u, max)).ToList();
        }
        await _store.ExpungeAsync(_account!, sel.Folder, uids, ct).ConfigureAwait(false);
        sel.Dirty = true;
        await FlushUpdatesAsync(Notify.All, ct).ConfigureAwait(false);
        // RFC 7162 §3.2.10: with CONDSTORE on, the OK tells the HIGHESTMODSEQ the expunge made.
        return Ok(tag, HighestModSeqCode() + (uidSet != null ? "UID EXPUNGE" : "EXPUNGE") + " completed");
    }
}
