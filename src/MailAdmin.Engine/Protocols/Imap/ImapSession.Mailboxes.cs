using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

public sealed partial class ImapSession
{
    /// <summary>The selected mailbox as this session knows it: sequence numbers are positions in <see cref="Uids"/>.</summary>
    private sealed class Selection
    {
        public Selection(string folder, bool readOnly) { Folder = folder; ReadOnly = readOnly; }
        public readonly string Folder;
        public readonly bool ReadOnly;
        public readonly List<uint> Uids = new();
        public readonly Dictionary<uint, MessageFlags> Flags = new();
        public readonly HashSet<uint> Recent = new();
        public uint MaxUid;
        /// <summary>Part of the header cache's key: a recreated folder starts its UIDs again.</summary>
        public uint UidValidity;
        private int _dirty;
        public bool Dirty { get => Volatile.Read(ref _dirty) != 0; set => Volatile.Write(ref _dirty, value ? 1 : 0); }

        public int IndexOf(uint uid)
        {
            int i = Uids.BinarySearch(uid);
            return i < 0 ? -1 : i;
        }
    }

    private void OnFolderChanged(object? sender, FolderChangedEventArgs e)
    {
        var sel = _selected;
        if (sel == null || _account == null) return;
        if (!string.Equals(e.Account, _account, StringComparison.OrdinalIgnoreCase)) return;
        if (!string.Equals(e.Folder, sel.Folder, StringComparison.Ordinal)) return;
        sel.Dirty = true;
        Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult(true);
        try { Changed?.Invoke(); } catch { }
    }

    private void Deselect()
    {
        _selected = null;
        State = ImapState.Authenticated;
    }

    /// <summary>Reports other sessions' (and our own) changes of the selected mailbox: EXPUNGE (when allowed), EXISTS, RECENT, FETCH FLAGS.</summary>
    internal async Task FlushUpdatesAsync(Notify notify, CancellationToken ct)
    {
        var sel = _selected;
        if (sel == null || !sel.Dirty) return;
        sel.Dirty = false;
        IReadOnlyList<StoredMessage> list;
        try { list = _store.ListMessages(_account!, sel.Folder); }
        catch (FolderNotFoundException) { return; }
        var byUid = new Dictionary<uint, StoredMessage>(list.Count);
        foreach (var m in list) byUid[m.Uid] = m;

        // EXPUNGE, lowest first, each number valid at the time it is sent.
        bool missing = false;
        for (int i = 0; i < sel.Uids.Count;)
        {
            var uid = sel.Uids[i];
            if (byUid.ContainsKey(uid)) { i++; continue; }
            if (notify != Notify.All) { missing = true; i++; continue; }
            WriteLine("* " + (i + 1).ToString(CultureInfo.InvariantCulture) + " EXPUNGE");
            sel.Uids.RemoveAt(i);
            sel.Flags.Remove(uid);
            sel.Recent.Remove(uid);
        }
        if (missing) sel.Dirty = true;   // report them at the next point that allows it

        // FETCH FLAGS for changes of known messages.
        uint oldMax = sel.MaxUid;
        foreach (var m in list)
        {
            if (m.Uid > oldMax) break;
            if (sel.Flags.TryGetValue(m.Uid, out var known) && known != m.Flags)
            {
                sel.Flags[m.Uid] = m.Flags;
                int seq = sel.IndexOf(m.Uid) + 1;
                if (seq > 0) WriteLine("* " + seq.ToString(CultureInfo.InvariantCulture) + " FETCH (FLAGS " + ImapFlags.Format(m.Flags, IsRecentForClient(sel, m.Uid)) + UnsolicitedUid(m.Uid) + ")");
            }
        }

        // EXISTS and RECENT for new messages.
        var added = list.Where(m => m.Uid > oldMax).ToList();
        if (added.Count > 0)
        {
            if (!sel.ReadOnly)
            {
                var claimed = await _store.ClaimRecentAsync(_account!, sel.Folder, ct).ConfigureAwait(false);
                foreach (var c in claimed) sel.Recent.Add(c.Uid);
            }
            foreach (var m in added)
            {
                sel.Uids.Add(m.Uid);
                sel.Flags[m.Uid] = m.Flags;
            }
            sel.MaxUid = added[added.Count - 1].Uid;
            WriteLine("* " + sel.Uids.Count.ToString(CultureInfo.InvariantCulture) + " EXISTS");
            WriteRecent(sel.Uids.Count(u => sel.Recent.Contains(u)));
        }
    }

    /// <summary>During IDLE: report what changed (everything is allowed, IDLE is a command in progress).</summary>
    public Task IdleUpdateAsync(CancellationToken ct) => FlushUpdatesAsync(Notify.All, ct);

    /// <summary>The line that ends IDLE ("DONE").</summary>
    public async Task<ImapResponse> EndIdleAsync(string? line, CancellationToken ct)
    {
        var tag = _idleTag ?? "*";
        _idleTag = null;
        await FlushUpdatesAsync(Notify.All, ct).ConfigureAwait(false);
        if (line == null || !line.Trim().Equals("DONE", StringComparison.OrdinalIgnoreCase)) return Bad(tag, "Expected DONE");
        return Ok(tag, "IDLE terminated");
    }

    // ---------------------------------------------------------------- SELECT / EXAMINE

    private async Task<ImapResponse> SelectAsync(string tag, IReadOnlyList<ImapToken> args, bool readOnly, CancellationToken ct)
    {
        if (args.Count < 1 || MailboxArg(args[0]) is not string folder) return Bad(tag, "SELECT needs a mailbox");
        // A failed SELECT leaves the session unselected (RFC 3501 §6.3.1).
        AnnounceClosedIfSelected();
        Deselect();
        var name = MailboxNames.NormalizeFolder(folder);
        var sel = new Selection(name, readOnly);
        var status = _store.GetFolderStatus(_account!, name);   // NONEXISTENT before anything changes
        // Watch the folder before reading it: a change from here on marks the view dirty.
        _selected = sel;
        IReadOnlyList<StoredMessage> list;
        try
        {
            list = _store.ListMessages(_account!, name);
            if (!readOnly)
            {
                var claimed = await _store.ClaimRecentAsync(_account!, name, ct).ConfigureAwait(false);
                foreach (var c in claimed) sel.Recent.Add(c.Uid);
            }
        }
        catch
        {
            _selected = null;
            throw;
        }
        foreach (var m in list)
        {
            sel.Uids.Add(m.Uid);
            sel.Flags[m.Uid] = m.Flags;
            sel.MaxUid = m.Uid;
        }
        sel.UidValidity = status.UidValidity;
        State = ImapState.Selected;
        WriteLine("* FLAGS (" + PermanentFlags + ")");
        WriteLine(readOnly ? "* OK [PERMANENTFLAGS ()] Read-only mailbox" : "* OK [PERMANENTFLAGS (" + PermanentFlags + ")] Flags permitted");
        WriteLine("* " + sel.Uids.Count.ToString(CultureInfo.InvariantCulture) + " EXISTS");
        int recent = readOnly ? status.Recent : sel.Recent.Count;
        WriteRecent(recent);
        if (_imap4rev2) await WriteSelectedListAsync(name, ct).ConfigureAwait(false);
        int firstUnseen = _imap4rev2 ? 0 : list.Select((m, i) => (m, i)).Where(x => (x.m.Flags & MessageFlags.Seen) == 0).Select(x => x.i + 1).FirstOrDefault();
        if (firstUnseen > 0) WriteLine("* OK [UNSEEN " + firstUnseen.ToString(CultureInfo.InvariantCulture) + "] First unseen");
        WriteLine("* OK [UIDVALIDITY " + status.UidValidity.ToString(CultureInfo.InvariantCulture) + "] UIDs valid");
        WriteLine("* OK [UIDNEXT " + Math.Max(status.UidNext, sel.MaxUid + 1).ToString(CultureInfo.InvariantCulture) + "] Predicted next UID");
        return Ok(tag, (readOnly ? "[READ-ONLY] " : "[READ-WRITE] ") + (readOnly ? "EXAMINE" : "SELECT") + " completed");
    }

    // ---------------------------------------------------------------- CREATE / DELETE / RENAME / SUBSCRIBE

    private async Task<ImapResponse> CreateAsync(string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        if (args.Count < 1 || MailboxArg(args[0]) is not string folder) return Bad(tag, "CREATE needs a mailbox");
        folder = folder.TrimEnd(MailboxNames.Delimiter);
        if (folder.Length == 0) return Bad(tag, "Empty mailbox name");
        if (MailboxNames.NormalizeFolder(folder) == MailboxNames.Inbox) return No(tag, "[ALREADYEXISTS] INBOX always exists");
        await _store.CreateFolderAsync(_account!, folder, ct).ConfigureAwait(false);
        return await CompleteAsync(tag, "CREATE completed", Notify.All, ct).ConfigureAwait(false);
    }

    private async Task<ImapResponse> DeleteAsync(string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        if (args.Count != 1 || MailboxArg(args[0]) is not string folder) return Bad(tag, "DELETE needs a mailbox");
        var name = MailboxNames.NormalizeFolder(folder);
        if (name == MailboxNames.Inbox) return No(tag, "[CANNOT] INBOX cannot be deleted");
        if (_selected?.Folder == name) Deselect();
        await _store.DeleteFolderAsync(_account!, name, ct).ConfigureAwait(false);
        return await CompleteAsync(tag, "DELETE completed", Notify.All, ct).ConfigureAwait(false);
    }

    private async Task<ImapResponse> RenameAsync(string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        if (args.Count != 2 || MailboxArg(args[0]) is not string from || MailboxArg(args[1]) is not string to) return Bad(tag, "RENAME needs two mailboxes");
        var source = MailboxNames.NormalizeFolder(from);
        var target = MailboxNames.NormalizeFolder(to.TrimEnd(MailboxNames.Delimiter));
        if (target == MailboxNames.Inbox) return No(tag, "[ALREADYEXISTS] INBOX always exists");
        if (source == MailboxNames.Inbox)
        {
            // RFC 3501 §6.3.5: the messages move to the new mailbox; INBOX stays, empty.
            await _store.CreateFolderAsync(_account!, target, ct).ConfigureAwait(false);
            var uids = _store.ListMessages(_account!, MailboxNames.Inbox).Select(m => m.Uid).ToList();
            if (uids.Count > 0) await _store.MoveMessagesAsync(_account!, MailboxNames.Inbox, uids, target, ct).ConfigureAwait(false);
        }
        else
        {
            await _store.RenameFolderAsync(_account!, source, target, ct).ConfigureAwait(false);
            _settings.Subscriptions.Change(_account!, AllFolderNames, set =>
            {
                foreach (var s in set.ToList())
                    if (s == source || s.StartsWith(source + MailboxNames.Delimiter, StringComparison.Ordinal))
                    {
                        set.Remove(s);
                        set.Add(target + s.Substring(source.Length));
                    }
            });
            if (_selected != null && (_selected.Folder == source || _selected.Folder.StartsWith(source + MailboxNames.Delimiter, StringComparison.Ordinal)))
                Deselect();
        }
        return await CompleteAsync(tag, "RENAME completed", Notify.All, ct).ConfigureAwait(false);
    }

    private IEnumerable<string> AllFolderNames() => _store.GetFolders(_account!).Select(f => f.Name);

    private async Task<ImapResponse> SubscribeAsync(string tag, IReadOnlyList<ImapToken> args, bool subscribe, CancellationToken ct)
    {
        if (args.Count != 1 || MailboxArg(args[0]) is not string folder) return Bad(tag, "A mailbox is needed");
        var name = MailboxNames.NormalizeFolder(folder);
        if (subscribe && !AllFolderNames().Contains(name)) return No(tag, "[NONEXISTENT] No such mailbox");
        _settings.Subscriptions.Change(_account!, AllFolderNames, set => { if (subscribe) set.Add(name); else set.Remove(name); });
        return await CompleteAsync(tag, (subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE") + " completed", Notify.All, ct).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- LIST / LSUB

    private async Task<ImapResponse> ListAsync(string tag, IReadOnlyList<ImapToken> args, bool lsub, CancellationToken ct)
    {
        var a = args.ToList();
        // Tolerate LIST-EXTENDED shapes: "(selection options)" before, "RETURN (...)" after.
        if (!lsub && a.Count > 0 && a[0].Kind == ImapTokenKind.List) a.RemoveAt(0);
        if (!lsub && a.Count >= 4 && a[a.Count - 2].Text.Equals("RETURN", StringComparison.OrdinalIgnoreCase)) a.RemoveRange(a.Count - 2, 2);
        if (a.Count != 2 || a[0].AsString == null || a[1].AsString == null) return Bad(tag, (lsub ? "LSUB" : "LIST") + " needs a reference and a pattern");
        var verb = lsub ? "LSUB" : "LIST";
        var reference = ImapMailboxName.FromWire(a[0].AsString!, _utf8);
        var pattern = ImapMailboxName.FromWire(a[1].AsString!, _utf8);
        if (pattern.Length == 0)
        {
            WriteLine("* " + verb + " (\\Noselect) \".\" \"\"");
            return await CompleteAsync(tag, verb + " completed", Notify.All, ct).ConfigureAwait(false);
        }
        var full = reference + pattern;
        var folders = await _store.GetFoldersAsync(_account!, ct).ConfigureAwait(false);
        var existing = folders.ToDictionary(f => f.Name, f => f.SpecialUse, StringComparer.Ordinal);
        if (!existing.ContainsKey(MailboxNames.Inbox)) existing[MailboxNames.Inbox] = null;
        var all = new SortedSet<string>(existing.Keys, StringComparer.Ordinal);
        foreach (var n in existing.Keys)
        {
            int dot = n.LastIndexOf(MailboxNames.Delimiter);
            while (dot > 0)
            {
                all.Add(n.Substring(0, dot));
                dot = n.LastIndexOf(MailboxNames.Delimiter, dot - 1);
            }
        }
        IEnumerable<string> candidates = all;
        HashSet<string>? subscribed = null;
        if (lsub)
        {
            subscribed = new HashSet<string>(_settings.Subscriptions.Get(_account!, AllFolderNames), StringComparer.Ordinal);
            candidates = subscribed.OrderBy(s => s, StringComparer.Ordinal);
        }
        foreach (var name in candidates.OrderBy(n => n == MailboxNames.Inbox ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            bool match = ImapListPattern.IsMatch(full, name, MailboxNames.Delimiter)
                || (name == MailboxNames.Inbox && ImapListPattern.IsMatch(full, name, MailboxNames.Delimiter, ignoreCase: true));
            if (!match) continue;
            var attrs = new List<string>();
            bool exists = existing.TryGetValue(name, out var special);
            if (!exists) attrs.Add(MissingMailboxAttribute(all.Contains(name)));
            if (!lsub)
            {
                bool children = all.Any(o => o.StartsWith(name + MailboxNames.Delimiter, StringComparison.Ordinal));
                attrs.Add(children ? "\\HasChildren" : "\\HasNoChildren");
                if (special != null) attrs.Add(special);
            }
            WriteLine("* " + verb + " (" + string.Join(" ", attrs) + ") \".\" " + WireName(name));
        }
        return await CompleteAsync(tag, verb + " completed", Notify.All, ct).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- STATUS / QUOTA

    private async Task<ImapResponse> StatusAsync(string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        if (args.Count != 2 || MailboxArg(args[0]) is not string folder || args[1].Kind != ImapTokenKind.List) return Bad(tag, "STATUS needs a mailbox and a list");
        var name = MailboxNames.NormalizeFolder(folder);
        var status = _store.GetFolderStatus(_account!, name);
        var items = new List<string>();
        foreach (var item in args[1].Items)
        {
            var key = item.Text.ToUpperInvariant();
            long value;
            switch (key)
            {
                case "MESSAGES": value = status.Count; break;
                case "RECENT": value = status.Recent; break;
                case "UIDNEXT": value = status.UidNext; break;
                case "UIDVALIDITY": value = status.UidValidity; break;
                case "UNSEEN": value = status.Unseen; break;
                case "SIZE": value = status.Size; break;
                case "DELETED": value = CountDeleted(name); break;
                default: return Bad(tag, "Unknown STATUS item " + key);
            }
            items.Add(key + " " + value.ToString(CultureInfo.InvariantCulture));
        }
        WriteLine("* STATUS " + WireName(name) + " (" + string.Join(" ", items) + ")");
        return await CompleteAsync(tag, "STATUS completed", Notify.All, ct).ConfigureAwait(false);
    }

    private async Task<ImapResponse> GetQuotaAsync(string tag, IReadOnlyList<ImapToken> args, bool root, CancellationToken ct)
    {
        if (args.Count != 1 || args[0].AsString == null) return Bad(tag, "A mailbox or quota root is needed");
        var account = await _store.Accounts.GetAsync(_account!, ct).ConfigureAwait(false);
        long? quota = account == null ? null : _store.GetQuota(account.Address);
        if (root)
        {
            var folder = MailboxArg(args[0])!;
            var name = MailboxNames.NormalizeFolder(folder);
            _store.GetFolderStatus(_account!, name);   // NONEXISTENT when missing
            WriteLine("* QUOTAROOT " + WireName(name) + (quota.HasValue ? " \"\"" : ""));
        }
        else if (args[0].AsString!.Length != 0 || !quota.HasValue)
            return No(tag, "[NONEXISTENT] No such quota root");
        if (quota.HasValue)
        {
            long used = await _store.GetUsedBytesAsync(_account!, ct).ConfigureAwait(false);
            WriteLine("* QUOTA \"\" (STORAGE " + ((used + 1023) / 1024).ToString(CultureInfo.InvariantCulture) + " " + (quota.Value / 1024).ToString(CultureInfo.InvariantCulture) + ")");
        }
        return await CompleteAsync(tag, (root ? "GETQUOTAROOT" : "GETQUOTA") + " completed", Notify.All, ct).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- APPEND

    private async Task<ImapResponse> AppendAsync(string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        if (args.Count < 2 || MailboxArg(args[0]) is not string folder) return Bad(tag, "APPEND needs a mailbox and a message");
        var message = args[args.Count - 1];
        // RFC 6855 §4: APPEND ... UTF8 (~{n}...) once UTF8=ACCEPT is enabled.
        if (_utf8 && args.Count >= 3 && message.Kind == ImapTokenKind.List && message.Items.Count == 1
            && args[args.Count - 2].Kind == ImapTokenKind.Atom && args[args.Count - 2].Text.Equals("UTF8", StringComparison.OrdinalIgnoreCase))
        {
            var list = args.ToList();
            list.RemoveAt(list.Count - 2);
            list[list.Count - 1] = message.Items[0];
            args = list;
            message = message.Items[0];
        }
        if (message.Kind != ImapTokenKind.Literal || (message.Bytes == null && message.Message == null)) return Bad(tag, "APPEND needs the message as a literal");
        MessageFlags flags = MessageFlags.None;
        bool hasFlags = false;
        DateTimeOffset date = DateTimeOffset.UtcNow;
        for (int i = 1; i < args.Count - 1; i++)
        {
            var a = args[i];
            if (a.Kind == ImapTokenKind.List && !hasFlags) { flags = a.Items.Count == 0 ? MessageFlags.None : ImapFlags.Parse(a.Items); hasFlags = true; }
            else if (a.Kind == ImapTokenKind.Quoted && TryParseDateTime(a.Text, out var d)) date = d;
            else return Bad(tag, "Invalid APPEND argument " + a);
        }
        long length = message.Bytes?.Length ?? message.Message!.Length;
        if (_settings.AppendLimit > 0 && length > _settings.AppendLimit) return No(tag, "[TOOBIG] Message too big");
        var name = MailboxNames.NormalizeFolder(folder);
        FolderStatus status;
        try { status = _store.GetFolderStatus(_account!, name); }
        catch (FolderNotFoundException) { return No(tag, "[TRYCREATE] No such mailbox"); }
        // literal8 (RFC 3516) or a literal with NULs: binary parts are stored base64-encoded (read into memory, bounded by AppendLimit).
        var bytes = message.IsBinary ? BinaryAppendConverter.Convert(message.Bytes ?? message.Message!.AsContent().ToArray()) : message.Bytes;
        // A streamed message is already in the store's incoming file: this moves it into the folder.
        var stored = bytes == null
            ? await _store.DeliverAsync(_account!, name, message.Message!, flags, date, ct).ConfigureAwait(false)
            : await _store.AppendAsync(_account!, name, bytes, flags, date, ct).ConfigureAwait(false);
        // The next FETCH of its ENVELOPE (a client's usual next step) then needs no file read.
        if (bytes != null) ImapHeaderCache.Add(_store, _account!, name, status.UidValidity, stored.Uid, bytes);
        else ImapHeaderCache.AddHead(_store, _account!, name, status.UidValidity, stored.Uid, message.Message!.Head);
        await FlushUpdatesAsync(Notify.All, ct).ConfigureAwait(false);
        return Ok(tag, "[APPENDUID " + status.UidValidity.ToString(CultureInfo.InvariantCulture) + " " + stored.Uid.ToString(CultureInfo.InvariantCulture) + "] APPEND completed");
    }

    private static readonly string[] Months = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

    /// <summary>RFC 3501 date-time: "dd-Mon-yyyy hh:mm:ss +zzzz" (day may be space-padded).</summary>
    internal static bool TryParseDateTime(string text, out DateTimeOffset value)
    {
        value = default;
        var m = Regex.Match(text, @"^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$");
        if (!m.Success) return false;
        int month = Array.FindIndex(Months, x => x.Equals(m.Groups[2].Value, StringComparison.OrdinalIgnoreCase)) + 1;
        if (month == 0) return false;
        try
        {
            var offset = new TimeSpan(int.Parse(m.Groups[8].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[9].Value, CultureInfo.InvariantCulture), 0);
            if (m.Groups[7].Value == "-") offset = -offset;
            value = new DateTimeOffset(int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), month, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[6].Value, CultureInfo.InvariantCulture), offset);
            return true;
        }
        catch (ArgumentException) { return false; }
    }
}
