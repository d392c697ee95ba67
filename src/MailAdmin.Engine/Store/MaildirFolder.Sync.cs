using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// Sharing the folder with other processes (Dovecot, a second server, an LDA, mutt): the UID list is Dovecot's
/// dovecot-uidlist, changed only under its dotlock, and <see cref="Synchronize"/> looks at the disk again to
/// find what the others did (new files, vanished files, renamed flags).
/// </summary>
internal sealed partial class MaildirFolder
{
    /// <summary>A directory or file time this close to now may still change within the same clock tick: do not trust it as "unchanged".</summary>
    private static readonly TimeSpan StampSettleTime = TimeSpan.FromSeconds(2);

    private string uidListGuid;
    private string uidListHeaderFields;
    /// <summary>Highest UID of the UID list this folder has reconciled with the disk: listed UIDs above it are someone else's news.</summary>
    private uint listedUpTo;
    /// <summary>Base names this process is putting into new/ or cur/ right now (not committed yet): not someone else's delivery. Under <see cref="gate"/>.</summary>
    private readonly HashSet<string> ownInFlight = new HashSet<string>(StringComparer.Ordinal);
    /// <summary>
    /// UIDs another process gave to files of <see cref="ownInFlight"/> (it listed the folder between our rename and
    /// our commit). Kept until the commit: a later commit may not read the list again, and must not give a second UID.
    /// Under <see cref="gate"/>.
    /// </summary>
    private readonly Dictionary<string, uint> ownListedElsewhere = new Dictionary<string, uint>(StringComparer.Ordinal);
    /// <summary>The disk as last scanned (new/, cur/) and the UID list as last read or written by us.</summary>
    private DiskStamp newStamp, curStamp, listStamp;
    /// <summary>The last listing was made within the same clock tick as a change it may have missed: list again next time.</summary>
    private bool scanUnsettled = true;
    /// <summary>Changes found while committing (under the writer), reported by the next <see cref="Synchronize"/>.</summary>
    private readonly List<FolderChanges> deferred = new List<FolderChanges>();

    /// <summary>The first listing (at open) is done; from then on this process may change files while a listing runs.</summary>
    private bool loaded;

    /// <summary>How often the folder listed its directories again (tests check that an unchanged folder costs no listing).</summary>
    internal int RescanCount { get; private set; }

    private readonly struct DiskStamp : IEquatable<DiskStamp>
    {
        internal DiskStamp(DateTime modified, long length)
        {
            Modified = modified;
            Length = length;
        }

        internal DateTime Modified { get; }
        internal long Length { get; }
        /// <summary>Too recent to tell a later change in the same tick from none.</summary>
        internal bool Unsettled => Modified == default || DateTime.UtcNow - Modified < StampSettleTime;

        public bool Equals(DiskStamp other) => Modified == other.Modified && Length == other.Length;
        public override bool Equals(object? obj) => obj is DiskStamp d && Equals(d);
        public override int GetHashCode() => Modified.GetHashCode() ^ Length.GetHashCode();

        internal static DiskStamp OfDirectory(string path)
        {
            try { return new DiskStamp(Directory.GetLastWriteTimeUtc(path), 0); }
            catch (IOException) { return default; }
        }

        internal static DiskStamp OfFile(string path)
        {
            var info = new FileInfo(path);
            try { return info.Exists ? new DiskStamp(info.LastWriteTimeUtc, info.Length) : default; }
            catch (IOException) { return default; }
        }
    }

    /// <summary>
    /// A message file of a listing (<see cref="MaildirListing"/>) the index does not know, or knows under another
    /// name: its name only. The listing stats no file (a rescan of a big folder after a STORE renamed every file would
    /// otherwise stat them all) and parses no name beyond its base; the file is parsed (<see cref="Parsed"/>) and
    /// stat'ed (<see cref="Stat"/>) when it is taken in.
    /// </summary>
    private sealed class FoundFile
    {
        private readonly string directory;
        private MaildirFileName? parsed;

        internal FoundFile(string directory, string fileName, string baseName, bool isNew)
        {
            this.directory = directory;
            FileName = fileName;
            BaseName = baseName;
            IsNew = isNew;
        }

        internal string Path => System.IO.Path.Combine(directory, FileName);
        internal string FileName { get; }
        internal string BaseName { get; }
        internal bool IsNew { get; }
        internal MaildirFileName Parsed => parsed ??= MaildirFileName.Parse(FileName);

        /// <summary>The file's size and modification time now; null when it is gone (renamed or deleted since the listing).</summary>
        internal FileInfo? Stat()
        {
            var info = new FileInfo(Path);
            return info.Exists ? info : null;
        }
    }

    /// <summary>Writes an empty UID list with a fresh UIDVALIDITY, unless the folder has one (ours or an old one to migrate).</summary>
    private static void CreateUidList(string directory)
    {
        if (File.Exists(Path.Combine(directory, DovecotUidList.FileName)) || File.Exists(Path.Combine(directory, LegacyUidList.FileName))) return;
        using (DovecotUidListLock.Acquire(directory))
        {
            if (File.Exists(Path.Combine(directory, DovecotUidList.FileName))) return;
            var list = DovecotUidList.CreateNew();
            DurableFile.ReplaceAtomically(Path.Combine(directory, DovecotUidList.FileName),
                Encoding.UTF8.GetBytes(DovecotUidList.Header(list.UidValidity, list.NextUid, list.Guid, "")));
        }
    }

    /// <summary>Marks base names this process is about to rename into new/ or cur/, so a rescan meanwhile does not give them UIDs.</summary>
    internal void ExpectOwn(IEnumerable<string> baseNames)
    {
        lock (gate) foreach (var b in baseNames) ownInFlight.Add(b);
    }

    private void ForgetOwn(IEnumerable<string> baseNames)
    {
        lock (gate)
        {
            foreach (var b in baseNames)
            {
                ownInFlight.Remove(b);
                ownListedElsewhere.Remove(b);
            }
        }
    }

    /// <summary>Remembers the UIDs <paramref name="list"/> gives to files this process has not committed yet. Caller holds the gate.</summary>
    private void NoteOwnListedElsewhere(DovecotUidList list)
    {
        foreach (var name in ownInFlight)
            if (list.Entries.TryGetValue(name, out var r)) ownListedElsewhere[name] = r.Uid;
    }

    /// <summary>The first look at the folder, under the dotlock: index every file, give UIDs to unlisted ones, repair or compact the list.</summary>
    private void LoadLocked(DovecotUidList list)
    {
        Rescan(list);
        bool compact;
        lock (gate) compact = list.Entries.Values.Any(r => !index.ContainsKey(r.Uid));
        if (compact || list.NeedsRewrite || !File.Exists(uidListPath)) RewriteUidListLocked(list);
        loaded = true;
    }

    /// <summary>
    /// What other processes changed since the last look. Cheap when nothing did: the modification times of new/
    /// and cur/ and the UID list's time and size are compared with those of the last listing (three stat calls).
    /// </summary>
    internal override FolderChanges? Synchronize()
    {
        uidWriter.Wait();
        try
        {
            FolderChanges? found = null;
            var newNow = DiskStamp.OfDirectory(newDir);
            var curNow = DiskStamp.OfDirectory(curDir);
            var listNow = DiskStamp.OfFile(uidListPath);
            var unchanged = !scanUnsettled && newNow.Equals(newStamp) && curNow.Equals(curStamp) && listNow.Equals(listStamp);
            if (!unchanged)
            {
                // Someone changed the folder: put this process's deferred flag changes on disk first, so the two
                // meet on the files (the later rename wins) and the listing below sees ours.
                FlushRenames();
                found = Rescan(null);
            }
            if (deferred.Count == 0) return found;
            if (found != null) deferred.Add(found);
            var all = new FolderChanges(deferred.SelectMany(c => c.Added).ToList(), deferred.SelectMany(c => c.FlagsChanged).ToList(), deferred.SelectMany(c => c.Removed).ToList());
            deferred.Clear();
            return all;
        }
        finally
        {
            uidWriter.Release();
        }
    }

    /// <summary>
    /// Lists new/ and cur/ and brings the index in step: flag and new/→cur/ renames, vanished files (expunged), new
    /// files (their UID from the list when another program gave one, else a new one under the dotlock).
    /// Caller holds <see cref="uidWriter"/> (or is opening); <paramref name="lockedList"/>: the list read under the dotlock the caller holds.
    /// </summary>
    private FolderChanges Rescan(DovecotUidList? lockedList)
    {
        RescanCount++;
        var stampNew = DiskStamp.OfDirectory(newDir);
        var stampCur = DiskStamp.OfDirectory(curDir);
        var stampList = DiskStamp.OfFile(uidListPath);
        var unsettled = stampNew.Unsettled || stampCur.Unsettled;
        using var files = ScanFiles();
        // The UID list as we last read or wrote it holds nothing new: a file it would name gets its UID under the
        // dotlock below, which reads it then. Reading 10,000 lines again was most of a rescan after a STORE.
        var listKnown = stampList.Equals(listStamp) && !stampList.Unsettled;
        var list = lockedList ?? (listKnown ? null : ReadUidList());
        var added = new List<StoredMessage>();
        var flagsChanged = new List<StoredMessage>();
        var removed = new List<StoredMessage>();
        var unlisted = new List<FoundFile>();
        List<Entry> missing;
        lock (gate)
        {
            // Another process may have given keywords new letters: read them before reading names that use them.
            if (loaded) keywords.ReloadIfChanged();
            if (list != null)
            {
                nextUid = Math.Max(nextUid, list.NextUid);
                NoteOwnListedElsewhere(list);
            }
            missing = new List<Entry>();
            var renamed = new List<(Entry Entry, int At)>();
            var found = 0;
            foreach (var e in index.Values)
            {
                var at = files.Find(e.Message.Id);
                if (at >= 0)
                {
                    found++;
                    // Almost always so: compared in the listing's buffer, without a string.
                    if (!e.IsAt(files.NameAt(at), files.IsNew(at))) renamed.Add((e, at));
                }
                else if (!ownInFlight.Contains(e.Message.Id)) missing.Add(e);
            }
            // Another process's STORE may have renamed thousands: reserve their MODSEQs in one durable write, not one per thousand.
            if (loaded && renamed.Count > 0) ReserveModSeqsFor(renamed.Count);
            // Whether each is still where the listing found it (see Follow): for many, one more listing tells it
            // sooner than a stat each.
            using var listedAgain = renamed.Count >= 100 && renamed.Count * 4 >= files.Count ? ScanFiles() : null;
            foreach (var (e, at) in renamed) Follow(e, files, at, flagsChanged, listedAgain);
            // Every file listed is indexed (base names are unique on both sides): the usual case needs no look for new ones.
            for (var at = 0; found < files.Count && at < files.Count; at++)
            {
                if (files.IsMatched(at)) continue;   // an indexed message's file, found above
                var f = Found(files, at);
                if (ownInFlight.Contains(f.BaseName)) continue;
                // Listed before this process expunged it (under the gate, so it is gone by now): not news.
                // (At open nothing can have been expunged yet: spare a stat per message.)
                if (loaded && !Exists(f)) continue;
                if (list != null && list.Entries.TryGetValue(f.BaseName, out var record) && !index.ContainsKey(record.Uid))
                    AddFound(record.Uid, f, added);
                else
                    unlisted.Add(f);
            }
        }
        if (missing.Count > 0)
        {
            // A file renamed by someone else while it was listed can be missed by that listing: look once more
            // before calling it expunged.
            using var again = ScanFiles();
            lock (gate)
            {
                foreach (var e in missing)
                {
                    var at = again.Find(e.Message.Id);
                    if (at >= 0) { Follow(e, again, at, flagsChanged, null); continue; }
                    if (!index.TryGetValue(e.Message.Uid, out var current) || current != e) continue;
                    if (File.Exists(PathOf(e))) continue;   // renamed by this process meanwhile
                    index.Remove(e.Message.Uid);
                    removed.Add(e.Message);
                }
                // RFC 7162 §3.1.2: an expunge raises HIGHESTMODSEQ, whoever did it.
                if (removed.Count > 0 && loaded) NextModSeq();
            }
        }
        if (unlisted.Count > 0)
        {
            if (lockedList != null) AssignLocked(lockedList, unlisted, added);
            else
            {
                using (DovecotUidListLock.Acquire(directory))
                {
                    var current = ReadUidList() ?? DovecotUidList.CreateNew();
                    lock (gate)
                    {
                        nextUid = Math.Max(nextUid, current.NextUid);
                        // Another program may have listed some of them meanwhile: take its UIDs.
                        unlisted.RemoveAll(f =>
                        {
                            if (!current.Entries.TryGetValue(f.BaseName, out var r) || index.ContainsKey(r.Uid)) return false;
                            AddFound(r.Uid, f, added);
                            return true;
                        });
                    }
                    AssignLocked(current, unlisted, added);
                }
            }
        }
        if (list != null) listedUpTo = Math.Max(listedUpTo, list.Entries.Values.Select(r => r.Uid).DefaultIfEmpty(0u).Max());
        newStamp = stampNew;
        curStamp = stampCur;
        scanUnsettled = unsettled;
        if (unlisted.Count == 0 && lockedList is null) listStamp = stampList;
        added.Sort((a, b) => a.Uid.CompareTo(b.Uid));
        return new FolderChanges(added, flagsChanged, removed);
    }

    /// <summary>Gives <paramref name="files"/> the next UIDs (in name order: delivery time first) and writes them to the list. Caller holds the dotlock.</summary>
    private void AssignLocked(DovecotUidList list, List<FoundFile> files, List<StoredMessage> added)
    {
        if (files.Count == 0) return;
        var entries = new List<Entry>();
        lock (gate)
        {
            nextUid = Math.Max(nextUid, list.NextUid);
            foreach (var f in files.OrderBy(f => f.BaseName, StringComparer.Ordinal))
            {
                if (loaded && !Exists(f)) continue;   // gone again before it got a UID
                var m = MessageFromFile(nextUid, f, null);
                if (m is null) continue;
                nextUid++;
                entries.Add(new Entry(m, f.FileName, f.IsNew));
            }
        }
        WriteLinesLocked(list, entries);
        lock (gate)
        {
            foreach (var e in entries)
            {
                index[e.Message.Uid] = e;
                added.Add(e.Message);
            }
        }
    }

    /// <summary>
    /// The group commit's work under the dotlock: catch up with the list (another program's UIDs go into the
    /// index first, so UIDs stay ascending), number the entries, write and fsync their lines, show them.
    /// </summary>
    private void CommitLocked(IReadOnlyList<Entry> entries)
    {
        using (DovecotUidListLock.Acquire(directory))
        {
            var list = DiskStamp.OfFile(uidListPath).Equals(listStamp) ? null : ReadUidList();
            if (list != null && list.Entries.Values.Any(r => r.Uid > listedUpTo))
                deferred.Add(Rescan(list));
            var unlisted = new List<Entry>(entries.Count);
            lock (gate)
            {
                if (list != null)
                {
                    nextUid = Math.Max(nextUid, list.NextUid);
                    NoteOwnListedElsewhere(list);
                }
                committingFrom = nextUid;
                ReserveModSeqsFor(entries.Count);
                foreach (var e in entries)
                {
                    // Another process listing the folder between our rename and now gave the file a UID already (seen in
                    // this list or an earlier one): keep it.
                    if (ownListedElsewhere.TryGetValue(e.Message.Id, out var listedUid)) e.Message = e.Message.WithUid(listedUid);
                    else
                    {
                        e.Message = e.Message.WithUid(nextUid++);
                        unlisted.Add(e);
                    }
                    var m = e.Message;
                    e.Message = m.With(m.Flags, m.Keywords, m.IsRecent, NextModSeq());
                    if (m.Uid < committingFrom) committingFrom = m.Uid;
                }
            }
            try
            {
                WriteLinesLocked(list, unlisted);
            }
            catch
            {
                lock (gate) committingFrom = 0;
                throw;
            }
            lock (gate)
            {
                foreach (var e in entries) index[e.Message.Uid] = e;
                committingFrom = 0;
            }
        }
    }

    /// <summary>Appends the entries' lines and fsyncs (or replaces the whole list when it needs repair). Caller holds the dotlock.</summary>
    private void WriteLinesLocked(DovecotUidList? list, IReadOnlyList<Entry> entries)
    {
        if (list != null && list.NeedsRewrite || !File.Exists(uidListPath))
        {
            lock (gate) foreach (var e in entries) index[e.Message.Uid] = e;
            RewriteUidListLocked(list);
        }
        else
        {
            var sb = new StringBuilder();
            foreach (var e in entries) sb.Append(DovecotUidList.Line(e.Message.Uid, e.Message.Id));
            var bytes = Encoding.UTF8.GetBytes(sb.ToString());
            using (var stream = new FileStream(uidListPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1))
            {
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(true);
            }
        }
        listStamp = DiskStamp.OfFile(uidListPath);
        if (entries.Count > 0) listedUpTo = Math.Max(listedUpTo, entries[entries.Count - 1].Message.Uid);
    }

    /// <summary>Writes the whole UID list from the index (temp file, fsync, rename, fsync directory), keeping Dovecot's extension fields. Caller holds the dotlock.</summary>
    private void RewriteUidListLocked(DovecotUidList? list)
    {
        var sb = new StringBuilder();
        lock (gate)
        {
            sb.Append(DovecotUidList.Header(uidValidity, nextUid, uidListGuid, uidListHeaderFields));
            foreach (var e in index.Values)
            {
                var extensions = list != null && list.Entries.TryGetValue(e.Message.Id, out var r) && r.Uid == e.Message.Uid ? r.Extensions : "";
                sb.Append(DovecotUidList.Line(e.Message.Uid, e.Message.Id, extensions));
            }
        }
        DurableFile.ReplaceAtomically(uidListPath, Encoding.UTF8.GetBytes(sb.ToString()));
        listStamp = DiskStamp.OfFile(uidListPath);
    }

    private DovecotUidList? ReadUidList()
    {
        var list = DovecotUidList.Read(directory);
        if (list != null && list.UidValidity != uidValidity)
        {
            // Someone replaced the list (its UIDs mean other messages now); this folder keeps its own view until reopened.
            return null;
        }
        return list;
    }

    /// <summary>new/ then cur/ (a message moves only that way, so one moving meanwhile is still seen once), one file per base name.</summary>
    private MaildirListing ScanFiles()
    {
        int expected;
        lock (gate) expected = index.Count;
        return MaildirListing.Read(newDir, curDir, expected);
    }

    /// <summary>The listing's file at <paramref name="at"/>, with its own strings (the listing's buffers are reused once it is disposed).</summary>
    private FoundFile Found(MaildirListing files, int at)
        => new FoundFile(files.IsNew(at) ? newDir : curDir, files.FileName(at), files.BaseName(at), files.IsNew(at));

    /// <summary>Whether the file is still where the listing found it.</summary>
    private static bool Exists(FoundFile f) => File.Exists(f.Path);

    /// <summary>
    /// Takes a file's name as the entry's state (flags, keywords, new/ or cur/). A change of flags or keywords gets a
    /// new MODSEQ; a file another process took out of new/ is no longer recent here (it claimed it). Caller holds the gate.
    /// </summary>
    private void Follow(Entry e, MaildirListing files, int at, List<StoredMessage> flagsChanged, MaildirListing? listedAgain)
    {
        if (e.IsAt(files.NameAt(at), files.IsNew(at))) return;
        var f = Found(files, at);
        // This process may have renamed it (STORE, \Recent claimed) after the listing: the entry is newer then.
        if (!(listedAgain?.Has(f.FileName.AsSpan(), f.IsNew) ?? Exists(f))) return;
        var before = e.Message;
        var updated = MessageFromFile(before.Uid, f, before, claimedElsewhere: e.InNew && !f.IsNew);
        if (updated is null) return;
        e.Message = updated;
        e.InNew = f.IsNew;
        e.FileName = f.FileName;
        e.PendingName = null;   // the other process's rename came later than our deferred one: it wins
        if (updated.ModSeq != before.ModSeq || updated.IsRecent != before.IsRecent) flagsChanged.Add(updated);
    }

    private void AddFound(uint uid, FoundFile f, List<StoredMessage> added)
    {
        var m = MessageFromFile(uid, f, null);
        if (m is null) return;
        index[uid] = new Entry(m, f.FileName, f.IsNew);
        if (uid >= nextUid) nextUid = uid + 1;
        added.Add(m);
    }

    /// <summary>
    /// The one place a message's state is read from its file name: flags from ":2,&lt;flags&gt;", keywords from the
    /// letters after them (through dovecot-keywords), \Recent from new/ for a message first seen here.
    /// <paramref name="previous"/>: the message as indexed, whose other state (size, date, recency unless
    /// <paramref name="claimedElsewhere"/>) stays. Null when the file vanished.
    /// At open the MODSEQs are left to LoadState; later a new message or a changed one gets the next MODSEQ.
    /// Caller holds the gate.
    /// </summary>
    private StoredMessage? MessageFromFile(uint uid, FoundFile f, StoredMessage? previous, bool claimedElsewhere = false)
    {
        var flags = f.IsNew ? MessageFlags.None : f.Parsed.Flags;
        var words = f.IsNew ? MessageKeywords.None : keywords.KeywordsOf(f.Parsed.KeywordLetters);
        if (previous != null)
        {
            var recent = previous.IsRecent && !claimedElsewhere;
            var changed = flags != previous.Flags || !MessageKeywords.SameAs(words, previous.Keywords);
            return previous.With(flags, words, recent, changed && loaded ? NextModSeq() : previous.ModSeq);
        }
        try
        {
            if (f.Stat() is not FileInfo info) return null;   // vanished meanwhile
            var size = f.Parsed.Size ?? info.Length;
            var date = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
            return new StoredMessage(uid, f.BaseName, size, date, flags, f.IsNew, words, loaded ? NextModSeq() : 0);
        }
        catch (IOException) { return null; }   // vanished meanwhile
    }
}
