using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

public sealed partial class ImapSession
{
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

    /// <summary>
    /// Reports other sessions' (and our own) changes of the selected mailbox: EXPUNGE or VANISHED (when allowed),
    /// FLAGS for new keywords, EXISTS, RECENT, FETCH FLAGS (with UID once QRESYNC, MODSEQ once CONDSTORE is on).
    /// </summary>
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

        // EXPUNGE, lowest first, each number valid at the time it is sent; once QRESYNC is on, one VANISHED (RFC 7162 §3.2.10).
        bool missing = false;
        List<uint>? vanished = null;
        for (int i = 0; i < sel.Uids.Count;)
        {
            var uid = sel.Uids[i];
            if (byUid.ContainsKey(uid)) { i++; continue; }
            if (notify != Notify.All) { missing = true; i++; continue; }
            if (_qresync) (vanished ??= new List<uint>()).Add(uid);
            else WriteLine("* " + (i + 1).ToString(CultureInfo.InvariantCulture) + " EXPUNGE");
            sel.Uids.RemoveAt(i);
            sel.Forget(uid);
        }
        if (vanished != null)
        {
            WriteLine("* VANISHED " + FormatSet(vanished));
            _vanishedSent = true;
        }
        if (missing) sel.Dirty = true;   // report them at the next point that allows it

        // A keyword the client has not seen in FLAGS yet: a new FLAGS first (RFC 3501 §7.2.6).
        bool newKeywords = false;
        foreach (var m in list) newKeywords |= sel.LearnKeywords(m.Keywords);
        if (newKeywords) WriteFlagsResponses(sel);

        // FETCH FLAGS for changes of known messages.
        uint oldMax = sel.MaxUid;
        foreach (var m in list)
        {
            if (m.Uid > oldMax) break;
            if (sel.FlagsChanged(m))
            {
                sel.Remember(m);
                int seq = sel.IndexOf(m.Uid) + 1;
                if (seq > 0) WriteLine(UnsolicitedFetch((uint)seq, m, IsRecentForClient(sel, m.Uid)));
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
                sel.Remember(m);
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
        if (args.Count < 1 || args.Count > 2 || MailboxArg(args[0]) is not string folder) return Bad(tag, "SELECT needs a mailbox");
        if (args.Count == 2 && args[1].Kind != ImapTokenKind.List) return Bad(tag, "SELECT parameters must be a list");
        var parameters = args.Count == 2 ? SelectParameters.Parse(args[1].Items) : new SelectParameters();
        if (parameters.QResync && !_qresync) return Bad(tag, "ENABLE QRESYNC first");
        if (parameters.CondStore) _condstore = true;
        // RFC 7162 §3.2.11 / RFC 9051 §7.1: the implicit close of the previous mailbox is announced.
        AnnounceClosedIfSelected();
        // A failed SELECT leaves the session unselected (RFC 3501 §6.3.1).
        Deselect();
        var name = MailboxNames.NormalizeFolder(folder);
        await SynchronizeFolderAsync(name, ct).ConfigureAwait(false);
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
            sel.Remember(m);
            sel.MaxUid = m.Uid;
            sel.LearnKeywords(m.Keywords);
        }
        sel.UidValidity = status.UidValidity;
        sel.LearnKeywords(status.Keywords);
        sel.CanCreateKeywords = status.CanCreateKeywords;
        sel.NoModSeq = status.HighestModSeq == 0;
        State = ImapState.Selected;
        WriteFlagsResponses(sel);
        WriteLine("* " + sel.Uids.Count.ToString(CultureInfo.InvariantCulture) + " EXISTS");
        int recent = readOnly ? status.Recent : sel.Recent.Count;
        WriteRecent(recent);
        if (_imap4rev2) await WriteSelectedListAsync(name, ct).ConfigureAwait(false);
        int firstUnseen = _imap4rev2 ? 0 : list.Select((m, i) => (m, i)).Where(x => (x.m.Flags & MessageFlags.Seen) == 0).Select(x => x.i + 1).FirstOrDefault();
        if (firstUnseen > 0) WriteLine("* OK [UNSEEN " + firstUnseen.ToString(CultureInfo.InvariantCulture) + "] First unseen");
        WriteLine("* OK [UIDVALIDITY " + status.UidValidity.ToString(CultureInfo.InvariantCulture) + "] UIDs valid");
        WriteLine("* OK [UIDNEXT " + Math.Max(status.UidNext, sel.MaxUid + 1).ToString(CultureInfo.InvariantCulture) + "] Predicted next UID");
        if (_condstore) WriteHighestModSeq(status);
        if (parameters.QResync) Resynchronize(sel, parameters, list, status);
        return Ok(tag, (readOnly ? "[READ-ONLY] " : "[READ-WRITE] ") + (readOnly ? "EXAMINE" : "SELECT") + " completed");
    }

    // ---------------------------------------------------------------- CREATE / DELETE / RENAME / SUBSCRIBE

    private async Task<ImapResponse> CreateAsync(string tag, IReadOnlyList<ImapToken> args, CancellationToken ct)
    {
        if (args.Count < 1 || MailboxArg(args[0]) is not string folder) return Bad(tag, "CREATE needs a mailbox");
        folder = folder.TrimEnd(MailboxNames.Delimiter);
        if (folder.Length == 0) return Bad(tag, "Empty mailbox name");
        if (MailboxNames.NormalizeFolder(folder) == MailboxNames.Inbox) return No(tag, "[ALREADYEXISTS] INBOX always exists");
        string? specialUse = null;
        if (args.Count > 1)
        {
            // RFC 6154 §3: CREATE name (USE (\Sent)).
            if (args.Count != 2 || args[1].Kind != ImapTokenKind.List || args[1].Items.Count != 2
                || !args[1].Items[0].Text.Equals("USE", StringComparison.OrdinalIgnoreCase) || args[1].Items[1].Kind != ImapTokenKind.List)
                return Bad(tag, "Invalid CREATE parameters");
            var uses = args[1].Items[1].Items;
            if (uses.Count > 1) return No(tag, "[USEATTR] A mailbox can have one special use here");
            if (uses.Count == 1)
            {
                specialUse = MailboxNames.CreatableSpecialUse(uses[0].Text);
                if (specialUse == null) return No(tag, "[USEATTR] " + OneLine(uses[0].Text) + " is not a special use a mailbox can be created with");
            }
        }
        await _store.CreateFolderAsync(_account!, folder, specialUse, ct).ConfigureAwait(false);
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
            _settings.Subscriptions.Change(_store, _account!, set =>
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

    private IReadOnlyList<string> SubscribedNames() => _settings.Subscriptions.Get(_store, _account!);

    private IEnumerable<string> AllFolderNames() => _store.GetFolders(_account!).Select(f => f.Name);

    private async Task<ImapResponse> SubscribeAsync(string tag, IReadOnlyList<ImapToken> args, bool subscribe, CancellationToken ct)
    {
        if (args.Count != 1 || MailboxArg(args[0]) is not string folder) return Bad(tag, "A mailbox is needed");
        var name = MailboxNames.NormalizeFolder(folder);
        if (subscribe && !AllFolderNames().Contains(name)) return No(tag, "[NONEXISTENT] No such mailbox");
        _settings.Subscriptions.Change(_store, _account!, set => { if (subscribe) set.Add(name); else set.Remove(name); });
        return await CompleteAsync(tag, (subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE") + " completed", Notify.All, ct).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- QUOTA

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
}
