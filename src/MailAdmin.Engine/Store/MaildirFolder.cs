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

    private readonly object gate = new object();
    private readonly SortedList<uint, Entry> index = new SortedList<uint, Entry>();
    private readonly uint uidValidity;
    private uint nextUid;

    private readonly SemaphoreSlim uidWriter = new SemaphoreSlim(1, 1);
    private List<Pending> pending = new List<Pending>();

    private sealed class Entry
    {
        internal Entry(StoredMessage message, string fileName)
        {
            Message = message;
            FileName = fileName;
        }

        internal StoredMessage Message;
        // Only a name that is not the usual one (an outside tool's, with keyword letters) is kept:
        // the usual one is rebuilt from the id and flags, which saves a third of the index's memory.
        private string? unusualName;

        /// <summary>Name in new/ (when Message.IsRecent) or cur/.</summary>
        internal string FileName
        {
            get => unusualName ?? UsualName(Message);
            set => unusualName = value == UsualName(Message) ? null : value;
        }

        private static string UsualName(StoredMessage m) => m.IsRecent ? m.Id : MaildirFileName.WithInfo(m.Id, m.Flags);
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

    internal override async Task<StoredMessage> AddAsync(MessageContent message, MessageFlags? flags, IReadOnlyList<string> keywords, DateTimeOffset internalDate, CancellationToken cancellationToken)
    {
        var size = message.Size;
        var baseName = MaildirFileName.NewBaseName(size, DateTimeOffset.UtcNow);
        var tmpPath = Path.Combine(tmpDir, baseName);
        var isNew = !flags.HasValue;
        var fileName = isNew ? baseName : MaildirFileName.WithInfo(baseName, flags!.Value);
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
            var date = StoreClock.ToStoredDate(internalDate);
            var entry = new Entry(new StoredMessage(0, baseName, size, date, flags ?? MessageFlags.None, isNew), fileName);
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

    // ---- COPY/MOVE (see MaildirTransfer): the steps a journaled transfer takes on each folder ----

    internal string TmpDirectory => tmpDir;
    internal string CurDirectory => curDir;
    internal string NewDirectory => newDir;

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
        var entries = files.Select(f => new Entry(new StoredMessage(0, f.BaseName, f.Original.Size, f.Original.InternalDate, f.Original.Flags, false), f.FileName)).ToList();
        await CommitManyAsync(entries).ConfigureAwait(false);
        ForgetOwn(files.Select(f => f.BaseName));
        return entries.Select(e => e.Message).ToList();
    }

    internal override IReadOnlyList<StoredMessage> List()
    {
        lock (gate) return index.Values.Select(e => e.Message).ToList();
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
    /// than the index says (changed behind the store's back) is still read as it is.
    /// </summary>
    private static byte[] ReadToEnd(FileStream file, long expected)
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

    private string PathOf(Entry e) => Path.Combine(e.Message.IsRecent ? newDir : curDir, e.FileName);

    // TODO(store-state): keywords, MODSEQ and UNCHANGEDSINCE; today only the system flags are kept.
    internal override FlagUpdateResult UpdateFlags(IEnumerable<uint> uids, FlagUpdate update)
    {
        var flags = update.Flags;
        var change = update.Change;
        var changed = new List<StoredMessage>();
        lock (gate)
        {
            foreach (var uid in uids.Distinct().OrderBy(u => u))
            {
                if (!index.TryGetValue(uid, out var e)) continue;
                var old = e.Message.Flags;
                var updated = change == FlagChange.Replace ? flags : change == FlagChange.Add ? old | flags : old & ~flags;
                if (updated == old && !e.Message.IsRecent) continue;
                if (MoveToCur(e, updated)) changed.Add(e.Message);
            }
        }
        // A STORE answered OK must survive a crash: one directory fsync covers all of the command's renames.
        if (changed.Count > 0) NativeMethods.FsyncDirectory(curDir);
        return new FlagUpdateResult(changed, Array.Empty<uint>());
    }

    /// <summary>Renames a message into cur/ with the given flags. Caller holds the gate.</summary>
    private bool MoveToCur(Entry e, MessageFlags flags)
    {
        var newName = MaildirFileName.WithInfo(e.Message.Id, flags);
        try
        {
            NativeMethods.Rename(PathOf(e), Path.Combine(curDir, newName));
        }
        catch (FileNotFoundException)
        {
            return false; // removed by someone else; the next open forgets it
        }
        e.Message = e.Message.With(flags, false);
        e.FileName = newName;
        return true;
    }

    internal override IReadOnlyList<StoredMessage> ClaimRecent()
    {
        var claimed = new List<StoredMessage>();
        lock (gate)
        {
            foreach (var e in index.Values)
            {
                if (!e.Message.IsRecent) continue;
                var before = e.Message;
                if (MoveToCur(e, before.Flags)) claimed.Add(before);
            }
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
                if (e.Message.IsRecent) fromNew = true; else fromCur = true;
                index.Remove(uid);
                removed.Add(e.Message);
            }
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
            return new FolderStatus(Name, uidValidity, nextUid, index.Count, unseen, recent, size);
        }
    }

    /// <summary>Waits for a group commit in progress (the UID list is opened per commit, so nothing stays open).</summary>
    internal void Close()
    {
        uidWriter.Wait();
        uidWriter.Release();
    }
}
