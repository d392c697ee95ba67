using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;

namespace MailAdmin.Store;

/// <summary>
/// Deferred flag renames. Maildir keeps flags in file names, and renaming 10,000 files takes as long as Dovecot's
/// whole STORE. So a flag change of a message in cur/ is written to this process's <see cref="FlagJournal"/>
/// (one append and fsync per command: the OK is durable) and the file keeps its name for a moment: the entry's
/// <see cref="Entry.FileName"/> stays the name on disk, its <see cref="Entry.Message"/> is the new state, and
/// <see cref="Entry.PendingName"/> the name the file is to get. <see cref="FlushRenames"/> renames them
/// <see cref="RenameDelay"/> later, when another process's change is found (before the rescan), and at close;
/// changes that cancel out (<c>+FLAGS</c> then <c>-FLAGS</c>) cost no rename at all.
/// <para>
/// The price: another process reading the folder (Dovecot, mutt, a second server) sees this process's flag
/// changes up to <see cref="RenameDelay"/> late; and after a crash they are on disk only once a MailAdmin store
/// opens the folder again (it replays the journal), so a Dovecot taking over right after a crash misses them.
/// </para>
/// </summary>
internal sealed partial class MaildirFolder
{
    /// <summary>How long a flag change waits for its rename: long enough to coalesce a client's burst of STOREs.</summary>
    internal static TimeSpan RenameDelay { get; } = TimeSpan.FromSeconds(1);

    /// <summary>How many renames one pass does under the gate: other commands on the folder wait at most that long.</summary>
    private const int RenameBatch = 256;

    /// <summary>Entries whose <see cref="Entry.PendingName"/> is set. Under <see cref="gate"/>.</summary>
    private readonly HashSet<Entry> renameLater = new HashSet<Entry>();
    /// <summary>Made on the first deferred change. Under <see cref="gate"/>.</summary>
    private FlagJournal? journal;
    private Timer? flushTimer;
    private bool flushScheduled;
    /// <summary>Closed by the store (folder deleted, renamed, store disposed): later changes rename at once. Under <see cref="gate"/>.</summary>
    private bool closed;
    /// <summary>One flush at a time: the journal is cleared only after a flush's renames are fsynced.</summary>
    private readonly object flushing = new object();

    /// <summary>
    /// Gives a message in cur/ its new flags and keywords (whose letters exist) now and its new name later; the
    /// line for the journal goes into <paramref name="journalLines"/>. A change takes a new MODSEQ. Caller holds the gate.
    /// </summary>
    private void DeferMove(Entry e, MessageFlags flags, IReadOnlyList<string> words, List<(string OnDisk, string Target)> journalLines)
    {
        var letters = keywords.LettersOf(words, out _);
        words = keywords.KeywordsOf(letters);
        var onDisk = e.FileName;
        var target = MaildirFileName.WithInfo(e.Message.Id, flags, letters);
        e.Message = e.Message.With(flags, words, e.Message.IsRecent, NextModSeq());
        e.FileName = onDisk;   // the file keeps its name until the flush
        if (target == onDisk)
        {
            e.PendingName = null;   // back to what is on disk: nothing to rename
            renameLater.Remove(e);
        }
        else
        {
            e.PendingName = target;
            renameLater.Add(e);
        }
        journalLines.Add((onDisk, target));
    }

    /// <summary>
    /// Makes the command's deferred changes durable (the journal append and fsync), and arms the flush. When the
    /// journal cannot be written, renames everything now instead (fsynced): durable without it, or an error.
    /// </summary>
    private void CommitDeferred(List<(string OnDisk, string Target)> journalLines)
    {
        if (journalLines.Count == 0) return;
        FlagJournal log;
        lock (gate) log = journal ??= new FlagJournal(directory);
        try
        {
            log.Append(journalLines);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            FlushRenames();
            return;
        }
        ScheduleFlush();
    }

    private void ScheduleFlush()
    {
        lock (gate)
        {
            if (flushScheduled || closed || renameLater.Count == 0) return;
            flushScheduled = true;
            flushTimer ??= new Timer(_ => FlushFromTimer(), null, Timeout.Infinite, Timeout.Infinite);
            flushTimer.Change(RenameDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void FlushFromTimer()
    {
        lock (gate) flushScheduled = false;
        try
        {
            FlushRenames();
        }
        catch (Exception)
        {
            // On a timer thread nothing may escape (it would end the process). The changes are in the journal; try
            // again later (and at close, and at the next open).
            ScheduleFlush();
        }
    }

    /// <summary>
    /// Renames every file whose flags changed since its last rename, fsyncs cur/, then empties the journal. A file
    /// that is no longer where this process left it was renamed or removed by another process: its next rescan
    /// follows the disk.
    /// </summary>
    internal void FlushRenames()
    {
        lock (flushing)
        {
            var renamedAny = false;
            using var renames = new MaildirRenames(curDir, newDir);
            while (true)
            {
                lock (gate)
                {
                    if (renameLater.Count == 0) break;
                    var batch = renameLater.Take(RenameBatch).ToList();
                    foreach (var e in batch)
                    {
                        var target = e.PendingName;
                        if (target != null && !e.InNew && index.TryGetValue(e.Message.Uid, out var current) && current == e && !e.IsAt(target, false))
                        {
                            try
                            {
                                renames.IntoCur(false, e.FileName, target);
                                e.FileName = target;
                                renamedAny = true;
                            }
                            catch (FileNotFoundException) { }
                            // Any other error leaves this entry and the rest pending (and the journal as it is) for the next try.
                        }
                        renameLater.Remove(e);
                        e.PendingName = null;
                    }
                }
            }
            if (renamedAny) renames.SyncCur();
            lock (gate)
            {
                // Changes deferred since the loop above are still in the journal; lines appended for changes the loop
                // renamed already are done, and harmless if a clear misses them.
                if (renameLater.Count == 0) journal?.Clear();
            }
        }
    }

    /// <summary>Renames what is pending and closes the journal (deleted when empty); later changes rename at once.</summary>
    private void CloseDeferred()
    {
        lock (gate)
        {
            closed = true;
            flushTimer?.Dispose();
            flushTimer = null;
        }
        var done = false;
        try
        {
            FlushRenames();
            lock (gate) done = renameLater.Count == 0;
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { /* the journal stays for the next open */ }
        FlagJournal? log;
        lock (gate)
        {
            log = journal;
            journal = null;
        }
        log?.Close(delete: done);
    }

    /// <summary>
    /// At open, before the MODSEQs are loaded: carries out the flag changes of journals whose process died before
    /// renaming (see <see cref="FlagJournal"/>), fsyncs, and deletes those journals. Caller holds the dotlock.
    /// </summary>
    private void ReplayOrphanJournals()
    {
        var orphans = FlagJournal.FindOrphans(directory);
        if (orphans.Count == 0) return;
        var latest = new Dictionary<string, (string OnDisk, string Target)>(StringComparer.Ordinal);
        foreach (var orphan in orphans)
            foreach (var line in orphan.Renames())
                latest[line.OnDisk.Substring(0, MaildirFileName.BaseLengthOf(line.OnDisk.AsSpan()))] = line;
        var renamedAny = false;
        using (var renames = new MaildirRenames(curDir, newDir))
        {
            lock (gate)
            {
                foreach (var e in index.Values)
                {
                    if (!latest.TryGetValue(e.Message.Id, out var line) || !e.IsAt(line.OnDisk, false) || line.Target == line.OnDisk) continue;
                    try { renames.IntoCur(false, line.OnDisk, line.Target); }
                    catch (FileNotFoundException) { continue; }
                    var parsed = MaildirFileName.Parse(line.Target);
                    e.Message = e.Message.With(parsed.Flags, keywords.KeywordsOf(parsed.KeywordLetters), e.Message.IsRecent, e.Message.ModSeq);
                    e.FileName = line.Target;
                    renamedAny = true;
                }
            }
            if (renamedAny) renames.SyncCur();
        }
        foreach (var orphan in orphans) orphan.Delete();
    }
}
