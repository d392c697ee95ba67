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
        var sel = _selected!;
        var set = SequenceSet.Parse(setText);
        // A message sequence number above the EXISTS this session announced ('*' in an empty mailbox
        // too) is a BAD (RFC 9051 §9 seq-number); a UID set naming no message just matches nothing.
        if (!uid && !set.FitsMessageCount((uint)sel.Uids.Count)) throw new ImapParseException(InvalidSequenceNumber);
        var result = new List<(uint, uint)>();
        if (sel.Uids.Count == 0) return result;
        if (uid)
        {
            uint max = sel.Uids[sel.Uids.Count - 1];
            for (int i = 0; i < sel.Uids.Count; i++)
                if (set.Contains(sel.Uids[i], max)) result.Add(((uint)(i + 1), sel.Uids[i]));
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
    /// The store's entries for the targets, skipping those expunged meanwhile. A large set is
    /// looked up with one listing: every single look-up checks the account and folder again.
    /// </summary>
    private List<(uint Seq, StoredMessage Message)> LookUp(string folder, List<(uint Seq, uint Uid)> targets)
    {
        var result = new List<(uint Seq, StoredMessage Message)>(targets.Count);
        if (targets.Count > 32)
        {
            var all = _store.ListMessages(_account!, folder);
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
    /// A message as FETCH and SEARCH see it. <paramref name="reader"/> is the command's one reader of
    /// the folder: opening each message through the store would check the account (a stat of the
    /// accounts file) and the folder again for every message.
    /// </summary>
    private ImapMessageContext Context(uint seq, StoredMessage stored, IMessageReader reader, bool headerOnly = false)
    {
        var sel = _selected!;
        var account = _account!;
        var folder = sel.Folder;
        var withRecent = new StoredMessage(stored.Uid, stored.Id, stored.Size, stored.InternalDate, stored.Flags, IsRecentForClient(sel, stored.Uid));
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
        // As the contract says: the tokens after the set, i.e. one atom (FLAGS, a macro, BODY[...]) or one list.
        var request = FetchRequest.Parse(attributes, uid);
        var sel = _selected!;
        var targets = Resolve(args[0].Text, uid);
        var stored = LookUp(sel.Folder, targets);
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
                        sel.Flags[c.Uid] = c.Flags;
                    }
            }
        }
        bool expunged = stored.Count < targets.Count;
        bool headerOnly = request.NeedsBody && request.NeedsHeaderOnly;
        var reader = _store.OpenMessageReader(_account!, sel.Folder);
        foreach (var (seq, m) in stored)
        {
            bool includeFlags = seen.Contains(m.Uid);
            FetchResponse.Write(_out, request, Context(seq, m, reader, headerOnly), includeFlags, _utf8);
            await MaybeFlushAsync(ct).ConfigureAwait(false);
        }
        await FlushUpdatesAsync(uid ? Notify.All : Notify.NoExpunge, ct).ConfigureAwait(false);
        if (expunged) return No(tag, "[EXPUNGEISSUED] Some messages were expunged");
        return Ok(tag, (uid ? "UID FETCH" : "FETCH") + " completed");
    }

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

    // ---------------------------------------------------------------- STORE

    private async Task<ImapResponse> StoreAsync(string tag, IReadOnlyList<ImapToken> args, bool uid, CancellationToken ct)
    {
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
        var flags = flagTokens.Count == 0 ? MessageFlags.None : ImapFlags.Parse(flagTokens);
        var sel = _selected!;
        if (sel.ReadOnly) return No(tag, "[READ-ONLY] Mailbox is read-only");
        var targets = Resolve(args[0].Text, uid);
        var changed = await _store.SetFlagsAsync(_account!, sel.Folder, targets.Select(t => t.Uid), flags, change, ct).ConfigureAwait(false);
        var byUid = changed.ToDictionary(c => c.Uid);
        foreach (var (seq, u) in targets)
        {
            MessageFlags now;
            if (byUid.TryGetValue(u, out var c)) now = c.Flags;
            else if (_store.GetMessage(_account!, sel.Folder, u) is StoredMessage m) now = m.Flags;
            else continue;
            sel.Flags[u] = now;
            if (!silent)
                WriteLine("* " + seq.ToString(CultureInfo.InvariantCulture) + " FETCH (FLAGS " + ImapFlags.Format(now, IsRecentForClient(sel, u)) + (uid ? " UID " + u.ToString(CultureInfo.InvariantCulture) : "") + ")");
        }
        return await CompleteAsync(tag, (uid ? "UID STORE" : "STORE") + " completed", uid ? Notify.All : Notify.NoExpunge, ct).ConfigureAwait(false);
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
        return await CompleteAsync(tag, (uidSet != null ? "UID EXPUNGE" : "EXPUNGE") + " completed", Notify.All, ct).ConfigureAwait(false);
    }
}
