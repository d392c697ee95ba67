using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>
/// An open Maildir folder: the in-memory UID index over cur/ and new/, kept in step with dovecot-uidlist
/// (shared with Dovecot and other processes: see MaildirFolder.Sync.cs).
/// Message files are written and fsynced without a lock, so deliveries run in parallel; only the UID
/// assignment and the append to the UID list are serialised, and concurrent appends share one fsync.
/// </summary>
internal sealed partial class MaildirFolder : FolderBase
{
    private readonly string directory;
    private readonly string curDir;
    private readonly string newDir;
    private readonly string tmpDir;
    private readonly string uidListPath;
    private readonly string modSeqPath;
    private readonly DovecotKeywords keywords;

    private readonly object gate = new object();
    private readonly SortedList<uint, Entry> index = new SortedList<uint, Entry>();
    private readonly uint uidValidity;
    private uint nextUid;
    private ulong highestModSeq;
    /// <summary>The highest MODSEQ mailadmin-modseq allows for after a crash; a higher one is reserved (written) first.</summary>
    private ulong persistedCeiling;
    /// <summary>Whether mailadmin-modseq must be written at close (MODSEQs or recency changed since it was).</summary>
    private bool stateChanged;
    /// <summary>The first UID of the batch CommitLocked has numbered but not yet put in the index, else 0.</summary>
    private uint committingFrom;

    private readonly SemaphoreSlim uidWriter = new SemaphoreSlim(1, 1);
    private List<Pending> pending = new List<Pending>();

    private sealed class Entry
    {
        internal Entry(StoredMessage message, string fileName, bool inNew)
        {
            Message = message;
            InNew = inNew;
            FileName = fileName;
        }

        /// <summary>Set <see cref="FileName"/> again after changing this or <see cref="InNew"/>: the usual name depends on them.</summary>
        internal StoredMessage Message;
        /// <summary>The file is in new/ (a delivery no session has claimed yet), else in cur/.</summary>
        internal bool InNew;
        /// <summary>The cur/ name the file is to get for <see cref="Message"/>'s flags, while its rename waits (MaildirFolder.DeferredRenames.cs), else null.</summary>
        internal string? PendingName;
        // Only a name that is not the usual one (an outside tool's, or one with keyword letters) is kept:
        // the usual one is rebuilt from the id and flags, which saves a third of the index's memory.
        private string? unusualName;

        /// <summary>Name in new/ (when <see cref="InNew"/>) or cur/, as it is on disk now.</summary>
        internal string FileName
        {
            get => unusualName ?? UsualName();
            set => unusualName = value == UsualName() ? null : value;
        }

        private string UsualName() => InNew ? Message.Id : MaildirFileName.WithInfo(Message.Id, Message.Flags);

        /// <summary>Whether the file is <paramref name="fileName"/> in new/ (<paramref name="inNew"/>) or cur/; asked of
        /// every message at a rescan, so the usual name is compared without being built.</summary>
        internal bool IsAt(ReadOnlySpan<char> fileName, bool inNew)
        {
            if (inNew != InNew) return false;
            if (unusualName != null) return fileName.SequenceEqual(unusualName.AsSpan());
            return InNew ? fileName.SequenceEqual(Message.Id.AsSpan()) : MaildirFileName.IsWithInfo(fileName, Message.Id, Message.Flags);
        }
    }

    private sealed class Pending
    {
        internal Pending(Entry entry) => Entry = entry;
        internal readonly Entry Entry;
        internal readonly TaskCompletionSource<bool> Done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private MaildirFolder(string account, string name, string directory, DovecotUidList list) : base(account, name)
    {
        this.directory = directory;
        curDir = Path.Combine(directory, "cur");
        newDir = Path.Combine(directory, "new");
        tmpDir = Path.Combine(directory, "tmp");
        uidListPath = Path.Combine(directory, DovecotUidList.FileName);
        modSeqPath = Path.Combine(directory, ModSeqFile.FileName);
        keywords = DovecotKeywords.Load(directory);
        uidValidity = list.UidValidity;
        nextUid = list.NextUid;
        uidListGuid = list.Guid;
        uidListHeaderFields = list.OtherHeaderFields;
    }

    /// <summary>Creates the Maildir directories and an empty UID list (with a fresh UIDVALIDITY) if missing.</summary>
    internal static void Create(string directory, bool isSubfolder)
    {
        Directory.CreateDirectory(directory);
        foreach (var sub in new[] { "tmp", "new", "cur" })
            Directory.CreateDirectory(Path.Combine(directory, sub));
        if (isSubfolder)
        {
            // Maildir++ marks subfolders with an empty "maildirfolder" file (Courier, Dovecot deliver by it).
            var marker = Path.Combine(directory, "maildirfolder");
            if (!File.Exists(marker)) File.WriteAllBytes(marker, Array.Empty<byte>());
        }
        CreateUidList(directory);
        NativeMethods.FsyncDirectory(directory);
        var parent = Path.GetDirectoryName(directory);
        if (parent != null) NativeMethods.FsyncDirectory(parent);
    }

    /// <summary>
    /// Opens a folder: carries an old mailadmin-uidlist over, reads the UID list, gives UIDs to files it does not
    /// list (a crash after the rename, another program's delivery), forgets listed files that are gone, removes
    /// stale tmp/ files, and rewrites the list if it was damaged or lists files that are gone.
    /// </summary>
    internal static MaildirFolder Open(string account, string name, string directory, TimeSpan tmpMaxAge)
    {
        foreach (var sub in new[] { "tmp", "new", "cur" })
            Directory.CreateDirectory(Path.Combine(directory, sub));
        using (DovecotUidListLock.Acquire(directory))
        {
            DovecotUidList.Migrate(directory);
            var list = DovecotUidList.Read(directory) ?? DovecotUidList.CreateNew();
            var folder = new MaildirFolder(account, name, directory, list);
            folder.CleanTmp(tmpMaxAge);
            folder.LoadLocked(list);
            folder.ReplayOrphanJournals();
            folder.LoadState(ModSeqFile.Read(folder.modSeqPath));
            return folder;
        }
    }

    private void CleanTmp(TimeSpan maxAge)
    {
        var limit = DateTime.UtcNow - maxAge;
        foreach (var file in new DirectoryInfo(tmpDir).EnumerateFiles())
        {
            try
            {
                if (file.LastWriteTimeUtc <= limit) file.Delete();
            }
            catch (IOException) { /* in use or gone: leave it */ }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Gives the loaded messages their MODSEQs and recency from mailadmin-modseq. After a clean close both are as
    /// they were. After a crash (a dirty file) every message gets one MODSEQ above the file's ceiling, so no MODSEQ
    /// a client saw is ever repeated lower. A message is recent when it is in new/ (the Maildir way, which Dovecot
    /// follows too) or its UID is at least the first recent UID written: a crash can make claimed messages recent
    /// again, never lose recency nobody claimed.
    /// </summary>
    private void LoadState(ModSeqFile state)
    {
        var unknown = false;
        ulong afterCrash = 0;
        if (state.Clean) highestModSeq = state.Highest;
        else if (state.Exists) highestModSeq = afterCrash = state.Ceiling + 1;
        else highestModSeq = 1; // a new folder, or one an older version wrote: nobody has seen a MODSEQ yet
        persistedCeiling = state.Clean ? state.Highest : state.Ceiling;
        foreach (var e in index.Values)
        {
            var m = e.Message;
            var recent = e.InNew || (state.FirstRecentUid > 0 && m.Uid >= state.FirstRecentUid);
            ulong modSeq;
            if (afterCrash > 0) modSeq = afterCrash;
            else if (!state.Exists) modSeq = 1;
            else if (!state.ModSeqs.TryGetValue(m.Id, out modSeq))
            {
                modSeq = ++highestModSeq; // put there since the close (a crash before the UID list write, another tool)
                unknown = true;
            }
            e.Message = m.With(m.Flags, m.Keywords, recent, modSeq);
            e.FileName = e.FileName;
        }
        stateChanged = !state.Clean || unknown;
        if (unknown || afterCrash > 0) ReserveModSeqs();
    }

    /// <summary>
    /// Writes a dirty mailadmin-modseq whose ceiling leaves room for the next <paramref name="needed"/> MODSEQs and
    /// as many again (at least <see cref="ModSeqFile.Reserve"/>). Caller holds the gate or is opening.
    /// </summary>
    private void ReserveModSeqs(ulong needed = 0)
    {
        var ceiling = highestModSeq + needed + Math.Max(ModSeqFile.Reserve, needed);
        ModSeqFile.WriteDirty(modSeqPath, highestModSeq, ceiling, FirstRecentUid());
        persistedCeiling = ceiling;
    }

    /// <summary>
    /// Makes sure the next <paramref name="count"/> MODSEQs are reserved, in one write, before a command that may
    /// hand out that many: a STORE on 10,000 messages then costs at most one reservation (two fsyncs), not one per
    /// <see cref="ModSeqFile.Reserve"/> changes. Caller holds the gate.
    /// </summary>
    private void ReserveModSeqsFor(int count)
    {
        if (highestModSeq + (ulong)count > persistedCeiling) ReserveModSeqs((ulong)count);
    }

    /// <summary>
    /// The next MODSEQ of the folder (a change, an add, an expunge). Caller holds the gate. Reserves a new range
    /// durably first when the last one is used up, so a crash can never make MODSEQs go backwards.
    /// </summary>
    internal ulong NextModSeq()
    {
        if (highestModSeq + 1 > persistedCeiling)
        {
            highestModSeq++;
            ReserveModSeqs();
        }
        else highestModSeq++;
        stateChanged = true;
        return highestModSeq;
    }

    /// <summary>
    /// The lowest UID still recent (a batch numbered but not yet in the index counts as recent), else UIDNEXT.
    /// Messages still waiting for their UIDs will get some at or above UIDNEXT. Caller holds the gate.
    /// </summary>
    private uint FirstRecentUid()
    {
        var first = committingFrom > 0 ? Math.Min(nextUid, committingFrom) : nextUid;
        foreach (var e in index.Values)
        {
            if (e.Message.IsRecent && e.Message.Uid < first) first = e.Message.Uid;
            if (e.Message.Uid >= first) break;
        }
        return first;
    }

    /// <summary>A file name's system flags and keywords (through dovecot-keywords). For the code that reads changes on disk.</summary>
    internal (MessageFlags Flags, IReadOnlyList<string> Keywords) FlagsOf(string fileName)
    {
        var parsed = MaildirFileName.Parse(fileName);
        lock (gate) return (parsed.Flags, keywords.KeywordsOf(parsed.KeywordLetters));
    }

    /// <summary>Reads dovecot-keywords again if another process changed it; true when it did.</summary>
    internal bool ReloadKeywordsIfChanged()
    {
        lock (gate) return keywords.ReloadIfChanged();
    }

    internal override async Task<StoredMessage> AddAsync(MessageContent message, MessageFlags? flags, IReadOnlyList<string> keywords, DateTimeOffset internalDate, CancellationToken cancellationToken)
    {
        var size = message.Size;
        var baseName = MaildirFileName.NewBaseName(size, DateTimeOffset.UtcNow);
        var tmpPath = Path.Combine(tmpDir, baseName);
        var isNew = !flags.HasValue;
        var words = isNew ? MessageKeywords.None : keywords;
        string letters;
        IReadOnlyList<string> dropped;
        lock (gate)
        {
            letters = this.keywords.LettersOf(words, out dropped, allOrNothing: true);
            words = this.keywords.KeywordsOf(letters); // as the folder spells them
        }
        if (dropped.Count > 0) throw TooManyKeywords();
        var fileName = isNew ? baseName : MaildirFileName.WithInfo(baseName, flags!.Value, letters);
        var finalPath = Path.Combine(isNew ? newDir : curDir, fileName);
        var stored = StoreClock.ToStoredDate(internalDate);
        ExpectOwn(new[] { baseName });
        try
        {
            // A message streamed to the store's .incoming file (fsynced there) moves straight into place.
            if (!message.TryMoveFile(finalPath, stored))
            {
                // 1. write into tmp/ and fsync the file
                await message.WriteNewFileAsync(tmpPath, stored, cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                // 2. rename into new/ (or cur/ with flags): readers see the whole message or nothing
                File.Move(tmpPath, finalPath);
            }
        }
        catch
        {
            try { File.Delete(tmpPath); } catch { /* best effort */ }
            ForgetOwn(new[] { baseName });
            throw;
        }
        try
        {
            // 3. fsync the directory so the rename survives a crash
            NativeMethods.FsyncDirectory(isNew ? newDir : curDir);
            // 4. record the UID durably; from here on the delivery is not cancelled
            var entry = new Entry(new StoredMessage(0, baseName, size, stored, flags ?? MessageFlags.None, true, words), fileName, isNew);
            return await CommitAsync(entry).ConfigureAwait(false);
        }
        catch
        {
            // Not acknowledged: remove it, or it would reappear after a restart as a second copy.
            try { File.Delete(finalPath); } catch { /* best effort */ }
            throw;
        }
        finally
        {
            ForgetOwn(new[] { baseName });
        }
    }

    private async Task<StoredMessage> CommitAsync(Entry entry)
    {
        await CommitManyAsync(new[] { entry }).ConfigureAwait(false);
        return entry.Message;
    }

    /// <summary>
    /// Gives the entries consecutive UIDs and makes them durable in the UID list (one group commit),
    /// then visible in the index. The UIDs are given out under the UID list's dotlock (AppendLocked).
    /// </summary>
    private async Task CommitManyAsync(IReadOnlyList<Entry> entries)
    {
        var mine = new List<Pending>(entries.Count);
        lock (gate)
        {
            foreach (var entry in entries)
            {
                var p = new Pending(entry);
                mine.Add(p);
                pending.Add(p);
            }
        }
        await uidWriter.WaitAsync().ConfigureAwait(false);
        try
        {
            if (mine.Any(p => !p.Done.Task.IsCompleted))
            {
                List<Pending> batch;
                lock (gate)
                {
                    batch = pending;
                    pending = new List<Pending>();
                }
                try
                {
                    // Group commit: everyone waiting gets their line in this one write and fsync, in UID order.
                    CommitLocked(batch.Select(p => p.Entry).ToList());
                    foreach (var p in batch) p.Done.TrySetResult(true);
                }
                catch (Exception e)
                {
                    foreach (var p in batch) p.Done.TrySetException(e);
                }
            }
        }
        finally
        {
            uidWriter.Release();
        }
        foreach (var p in mine) await p.Done.Task.ConfigureAwait(false);
    }

    private static MailStoreException TooManyKeywords()
        => new MailStoreException($"The folder has {DovecotKeywords.MaxKeywords} keywords already, as many as a Maildir folder can hold.");

    // ---- COPY/MOVE (see MaildirTransfer): the steps a journaled transfer takes on each folder ----

    internal string TmpDirectory => tmpDir;
    internal string CurDirectory => curDir;
    internal string NewDirectory => newDir;

    /// <summary>
    /// The cur/ name in this folder of a copy of <paramref name="original"/>: its flags, and its keywords under
    /// this folder's letters (new ones get letters here; any beyond the 26 a folder holds are not copied).
    /// </summary>
    internal string CopyName(string baseName, StoredMessage original)
    {
        lock (gate) return MaildirFileName.WithInfo(baseName, original.Flags, keywords.LettersOf(original.Keywords, out _));
    }

    /// <summary>
    /// Puts the message <paramref name="uid"/> at <paramref name="destination"/> (a new name in some tmp/):
    /// a hard link when the file system allows (the data is already durable), else a copy fsynced with
    /// its mtime (the INTERNALDATE). Null when there is no such UID.
    /// </summary>
    internal StoredMessage? LinkOrCopy(uint uid, string destination)
    {
        // A flag change renames the file; if it moves between the look-up and the link, look again.
        for (var attempt = 0; ; attempt++)
        {
            string path;
            StoredMessage message;
            lock (gate)
            {
                if (!index.TryGetValue(uid, out var e)) return null;
                path = PathOf(e);
                message = e.Message;
            }
            try
            {
                if (!NativeMethods.TryHardLink(path, destination))
                {
                    byte[] bytes;
                    using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None))
                        bytes = ReadToEnd(file, message.Size);
                    DurableFile.WriteNewAsync(destination, bytes, message.InternalDate, CancellationToken.None).GetAwaiter().GetResult();
                }
                return message;
            }
            catch (FileNotFoundException) when (attempt < 5) { }
            catch (FileNotFoundException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Makes files already renamed into cur/ (and the directory fsynced) part of the folder: consecutive
    /// UIDs, durable in the UID list, then visible.
    /// </summary>
    internal async Task<IReadOnlyList<StoredMessage>> AdoptAsync(IReadOnlyList<(string BaseName, string FileName, StoredMessage Original)> files)
    {
        List<Entry> entries;
        lock (gate)
        {
            entries = files.Select(f => new Entry(new StoredMessage(0, f.BaseName, f.Original.Size, f.Original.InternalDate, f.Original.Flags, true,
                keywords.KeywordsOf(MaildirFileName.Parse(f.FileName).KeywordLetters)), f.FileName, false)).ToList();
        }
        await CommitManyAsync(entries).ConfigureAwait(false);
        ForgetOwn(files.Select(f => f.BaseName));
        return entries.Select(e => e.Message).ToList();
    }

    internal override IReadOnlyList<StoredMessage> List()
    {
        lock (gate)
        {
            // Sized up front: SELECT, FETCH 1:* and every report of changes list a folder of 10,000 this way.
            var list = new List<StoredMessage>(index.Count);
            foreach (var e in index.Values) list.Add(e.Message);
            return list;
        }
    }

    internal override IReadOnlyList<StoredMessage> ListChangedSince(ulong modSeq)
    {
        var result = new List<StoredMessage>();
        lock (gate)
        {
            foreach (var e in index.Values)
                if (e.Message.ModSeq > modSeq) result.Add(e.Message);
        }
        return result;
    }

    internal override StoredMessage? Get(uint uid)
    {
        lock (gate) return index.TryGetValue(uid, out var e) ? e.Message : null;
    }

    internal override Stream? Open(uint uid)
    {
        // A flag change renames the file; if it moves between the look-up and the open, look again.
        for (var attempt = 0; ; attempt++)
        {
            string path;
            lock (gate)
            {
                if (!index.TryGetValue(uid, out var e)) return null;
                path = PathOf(e);
            }
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.Asynchronous);
            }
            catch (FileNotFoundException) when (attempt < 5) { }
            catch (FileNotFoundException)
            {
                return null;
            }
        }
    }

    internal override byte[]? Read(uint uid)
    {
        // As Open, but read straight into an array of the indexed size: no FileStream buffer
        // (bufferSize 1 turns it off), no asynchronous handle, no copy through a MemoryStream.
        // A FETCH of 1:* does this for every message, so each saved copy and syscall counts.
        for (var attempt = 0; ; attempt++)
        {
            string path;
            long size;
            lock (gate)
            {
                if (!index.TryGetValue(uid, out var e)) return null;
                path = PathOf(e);
                size = e.Message.Size;
            }
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
                return ReadToEnd(file, size);
            }
            catch (FileNotFoundException) when (attempt < 5) { }
            catch (FileNotFoundException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// The file's bytes, read into an array of the expected size; a file that is shorter or longer
    /// than the index says (changed behind the store's back) is still read as it is. Also reads a dead
    /// process's flag journal (FlagJournal).
    /// </summary>
    internal static byte[] ReadToEnd(FileStream file, long expected)
    {
        var data = new byte[expected >= 0 && expected < int.MaxValue ? expected : 0];
        int n = 0;
        while (n < data.Length)
        {
            int read = file.Read(data, n, data.Length - n);
            if (read == 0) break;
            n += read;
        }
        if (n < data.Length)
        {
            Array.Resize(ref data, n);
            return data;
        }
        int next = file.ReadByte();   // normally the end: one more read() that returns 0
        if (next < 0) return data;
        var rest = new MemoryStream();
        rest.Write(data, 0, n);
        rest.WriteByte((byte)next);
        file.CopyTo(rest);
        return rest.ToArray();
    }

    private string PathOf(Entry e) => Path.Combine(e.InNew ? newDir : curDir, e.FileName);

    internal override FlagUpdateResult UpdateFlags(IEnumerable<uint> uids, FlagUpdate update)
    {
        var changed = new List<StoredMessage>();
        var modified = new List<uint>();
        var journalLines = new List<(string OnDisk, string Target)>();
        var renamedNow = false;
        using var renames = new MaildirRenames(curDir, newDir);
        lock (gate)
        {
            // New keywords get their letters first; when the folder has no letter left, nothing is changed.
            if (update.Change != FlagChange.Remove)
            {
                keywords.LettersOf(update.Keywords, out var dropped, allOrNothing: true);
                if (dropped.Count > 0) throw TooManyKeywords();
            }
            var targets = uids.Distinct().OrderBy(u => u).ToList();
            ReserveModSeqsFor(targets.Count);
            foreach (var uid in targets)
            {
                if (!index.TryGetValue(uid, out var e)) continue;
                var m = e.Message;
                if (update.UnchangedSince is ulong since && m.ModSeq > since) { modified.Add(uid); continue; }
                var flags = update.Change == FlagChange.Replace ? update.Flags : update.Change == FlagChange.Add ? m.Flags | update.Flags : m.Flags & ~update.Flags;
                var words = MessageKeywords.Apply(m.Keywords, update.Keywords, update.Change);
                if (flags == m.Flags && MessageKeywords.SameAs(words, m.Keywords)) continue;
                if (!e.InNew && !closed)
                {
                    DeferMove(e, flags, words, journalLines);
                    changed.Add(e.Message);
                }
                else if (MoveToCur(e, flags, words, newModSeq: true, renames))
                {
                    changed.Add(e.Message);
                    renamedNow = true;
                }
            }
        }
        // A STORE answered OK must survive a crash: one journal fsync covers the deferred changes, one directory
        // fsync the renames done now (messages leaving new/).
        CommitDeferred(journalLines);
        if (renamedNow) renames.SyncCur();
        return new FlagUpdateResult(changed, modified);
    }

    /// <summary>
    /// Renames a message into cur/ with the given flags and keywords (whose letters exist); a change of them gets a
    /// new MODSEQ. Recency is left as it is. Caller holds the gate. <paramref name="renames"/>: the command's
    /// directory handles when it renames many (else whole paths).
    /// </summary>
    private bool MoveToCur(Entry e, MessageFlags flags, IReadOnlyList<string> words, bool newModSeq, MaildirRenames? renames = null)
    {
        var letters = keywords.LettersOf(words, out _);
        words = keywords.KeywordsOf(letters); // as the folder spells them (keywords compare case-insensitively)
        var newName = MaildirFileName.WithInfo(e.Message.Id, flags, letters);
        try
        {
            if (renames != null) renames.IntoCur(e.InNew, e.FileName, newName);
            else NativeMethods.Rename(PathOf(e), Path.Combine(curDir, newName));
        }
        catch (FileNotFoundException)
        {
            return false; // removed by someone else; the next open forgets it
        }
        e.Message = e.Message.With(flags, words, e.Message.IsRecent, newModSeq ? NextModSeq() : e.Message.ModSeq);
        e.InNew = false;
        e.FileName = newName;
        e.PendingName = null;
        return true;
    }

    internal override IReadOnlyList<StoredMessage> ClaimRecent()
    {
        var claimed = new List<StoredMessage>();
        lock (gate)
        {
            foreach (var e in index.Values)
            {
                var before = e.Message;
                if (!before.IsRecent) continue;
                // A delivery leaves new/ when claimed, so Dovecot and mutt, and our next start, see it as old.
                if (e.InNew && !MoveToCur(e, before.Flags, before.Keywords, newModSeq: false)) continue;
                e.Message = e.Message.With(e.Message.Flags, e.Message.Keywords, false, e.Message.ModSeq);
                e.FileName = e.FileName;
                claimed.Add(before);
            }
            if (claimed.Count > 0) stateChanged = true;
        }
        return claimed;
    }

    internal override IReadOnlyList<StoredMessage> Remove(ISet<uint>? uids, Func<StoredMessage, bool> predicate)
    {
        var removed = new List<StoredMessage>();
        bool fromNew = false, fromCur = false;
        lock (gate)
        {
            var candidates = uids is null ? index.Keys.ToList() : uids.Where(index.ContainsKey).OrderBy(u => u).ToList();
            foreach (var uid in candidates)
            {
                var e = index[uid];
                if (!predicate(e.Message)) continue;
                try { File.Delete(PathOf(e)); }
                catch (DirectoryNotFoundException) { }
                if (e.InNew) fromNew = true; else fromCur = true;
                index.Remove(uid);
                removed.Add(e.Message);
            }
            // RFC 7162 §3.1.2: an expunge raises HIGHESTMODSEQ too.
            if (removed.Count > 0) NextModSeq();
        }
        // The UID list keeps the lines of removed messages until the next open compacts it; the next UID is
        // above them anyway, so compacting on every expunge would only cost a rewrite.
        if (fromNew) NativeMethods.FsyncDirectory(newDir);
        if (fromCur) NativeMethods.FsyncDirectory(curDir);
        return removed;
    }

    internal override FolderStatus Status()
    {
        lock (gate)
        {
            int unseen = 0, recent = 0;
            long size = 0;
            foreach (var e in index.Values)
            {
                if ((e.Message.Flags & MessageFlags.Seen) == 0) unseen++;
                if (e.Message.IsRecent) recent++;
                size += e.Message.Size;
            }
            return new FolderStatus(Name, uidValidity, nextUid, index.Count, unseen, recent, size, highestModSeq, keywords.Defined, canCreateKeywords: !keywords.IsFull);
        }
    }

    /// <summary>Waits for a group commit in progress (the UID list is opened per commit, so nothing stays open).</summary>
    internal void Close()
    {
        CloseDeferred();
        uidWriter.Wait();
        try
        {
            lock (gate)
            {
                if (stateChanged) WriteCleanState();
            }
        }
        finally
        {
            uidWriter.Release();
        }
    }

    /// <summary>Every message's MODSEQ and the first recent UID, so the next start goes on where this one stopped. Caller holds the gate.</summary>
    private void WriteCleanState()
    {
        try
        {
            ModSeqFile.WriteClean(modSeqPath, highestModSeq, FirstRecentUid(), index.Values.Select(e => (e.Message.Id, e.Message.ModSeq)));
            stateChanged = false;
        }
        catch (IOException) { /* the dirty file stays: the next start treats this like a crash, which is safe */ }
        catch (UnauthorizedAccessException) { }
    }
}
