using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>
/// COPY and MOVE between two folders of one account, all or nothing across a crash (docs/store.md,
/// "COPY and MOVE"). The copies are prepared in the target's tmp/ (hard links, or fsynced copies), then a
/// journal naming every step is written atomically into the account directory: that is the commit point.
/// The steps after it (rename into cur/, UIDs, removing MOVE's originals, deleting the journal) are
/// idempotent, so the first use of the account after a crash replays them from the journal.
/// </summary>
internal static class MaildirTransfer
{
    internal const string JournalPrefix = "mailadmin-transfer-";
    private const string Magic = "MAILADMIN-TRANSFER 1";
    private const string End = "end";

    /// <summary>
    /// For tests only: called with the name of each step as it is reached ("prepared:3", "tmp-synced",
    /// "journal-written", "renamed:2", "renamed-synced", "adopted", "source-removed", "journal-deleted",
    /// "recover-renamed:1", "recover-source-removed"). A test's child process kills itself there.
    /// </summary>
    internal static Action<string>? CrashPoint
    {
        get => crashPoint.Value;
        set => crashPoint.Value = value;
    }

    // AsyncLocal: a test's hook sees only the transfers of its own flow, not those of tests running beside it.
    private static readonly AsyncLocal<Action<string>?> crashPoint = new AsyncLocal<Action<string>?>();

    private sealed class Item
    {
        internal Item(string sourceBase, string newBase, string finalName)
        {
            SourceBase = sourceBase;
            NewBase = newBase;
            FinalName = finalName;
        }

        internal readonly string SourceBase;
        /// <summary>The copy's base name: its name in the target's tmp/.</summary>
        internal readonly string NewBase;
        /// <summary>The copy's name in the target's cur/ (base plus the original's flags and keywords, in the target's letters).</summary>
        internal readonly string FinalName;
    }

    internal static async Task<TransferResult> RunAsync(string accountDirectory, MaildirFolder source, MaildirFolder target, IReadOnlyList<uint> uids,
        bool move, ISet<string> activeJournals, CancellationToken cancellationToken)
    {
        // 1. Prepare the copies in the target's tmp/, invisible to every reader. A failure or a crash here
        //    leaves only tmp/ files (removed here, or by the tmp/ clean-up of a later open).
        var originals = new List<StoredMessage>();
        var items = new List<Item>();
        try
        {
            foreach (var uid in uids)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var meta = source.Get(uid);
                if (meta is null) continue;
                var newBase = MaildirFileName.NewBaseName(meta.Size, DateTimeOffset.UtcNow);
                var original = source.LinkOrCopy(uid, Path.Combine(target.TmpDirectory, newBase));
                if (original is null) continue;
                originals.Add(original);
                items.Add(new Item(original.Id, newBase, target.CopyName(newBase, original)));
                CrashPoint?.Invoke("prepared:" + items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            if (items.Count == 0) return new TransferResult(Array.Empty<KeyValuePair<StoredMessage, StoredMessage>>(), Array.Empty<StoredMessage>());
            NativeMethods.FsyncDirectory(target.TmpDirectory);
            CrashPoint?.Invoke("tmp-synced");
        }
        catch
        {
            DeleteTmp(target, items);
            throw;
        }

        // 2. The commit point: the journal appears whole (temp file, fsync, rename, fsync the directory) or not at all.
        var journalName = JournalPrefix + Guid.NewGuid().ToString("N");
        var journalPath = Path.Combine(accountDirectory, journalName);
        lock (activeJournals) activeJournals.Add(journalName);
        try
        {
            try
            {
                DurableFile.ReplaceAtomically(journalPath, Format(move, source.Name, target.Name, items));
            }
            catch
            {
                DeleteTmp(target, items);
                throw;
            }
            CrashPoint?.Invoke("journal-written");

            // 3. Roll forward; no cancellation from here on. Should a step fail (I/O error), the journal stays
            //    and the next start of the store completes the transfer.
            target.ExpectOwn(items.Select(item => item.NewBase));
            for (var i = 0; i < items.Count; i++)
            {
                var tmp = Path.Combine(target.TmpDirectory, items[i].NewBase);
                var final = Path.Combine(target.CurDirectory, items[i].FinalName);
                try { NativeMethods.Rename(tmp, final); }
                catch (FileNotFoundException)
                {
                    // A link carries the original's old mtime, so another process opening the folder may have
                    // taken it for a stale tmp/ file and deleted it: make it again from the original.
                    if (source.LinkOrCopy(originals[i].Uid, tmp) is null) throw;
                    NativeMethods.Rename(tmp, final);
                }
                CrashPoint?.Invoke("renamed:" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            NativeMethods.FsyncDirectory(target.CurDirectory);
            CrashPoint?.Invoke("renamed-synced");
            var copies = await target.AdoptAsync(items.Select((item, i) => (item.NewBase, item.FinalName, originals[i])).ToList()).ConfigureAwait(false);
            CrashPoint?.Invoke("adopted");
            IReadOnlyList<StoredMessage> removed = Array.Empty<StoredMessage>();
            if (move)
            {
                // Remove fsyncs new/ and cur/ before returning.
                removed = source.Remove(new HashSet<uint>(originals.Select(o => o.Uid)), _ => true);
                CrashPoint?.Invoke("source-removed");
            }
            File.Delete(journalPath);
            NativeMethods.FsyncDirectory(accountDirectory);
            CrashPoint?.Invoke("journal-deleted");
            return new TransferResult(originals.Select((o, i) => new KeyValuePair<StoredMessage, StoredMessage>(o, copies[i])).ToList(), removed);
        }
        finally
        {
            lock (activeJournals) activeJournals.Remove(journalName);
        }
    }

    private static void DeleteTmp(MaildirFolder target, List<Item> items)
    {
        foreach (var item in items)
        {
            try { File.Delete(Path.Combine(target.TmpDirectory, item.NewBase)); }
            catch { /* best effort: the tmp/ clean-up of a later open removes it */ }
        }
    }

    private static byte[] Format(bool move, string source, string target, List<Item> items)
    {
        // '/' separates the fields: it cannot occur in a file name, and folder names refuse it too.
        var sb = new StringBuilder();
        sb.Append(Magic).Append(' ').Append(move ? "move" : "copy").Append('\n');
        sb.Append(source).Append('\n').Append(target).Append('\n');
        foreach (var item in items) sb.Append(item.SourceBase).Append('/').Append(item.NewBase).Append('/').Append(item.FinalName).Append('\n');
        sb.Append(End).Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>
    /// Completes the transfers a crash interrupted: every journal in the account directory not owned by a
    /// transfer running in this process. Runs before any folder of the account is opened, so the folders
    /// then see the result (copies not yet in the UID list get new UIDs there, above every UID listed).
    /// </summary>
    internal static void RecoverAll(string accountDirectory, Func<string, string> folderDirectory, ISet<string> activeJournals)
    {
        if (!Directory.Exists(accountDirectory)) return;
        foreach (var file in new DirectoryInfo(accountDirectory).EnumerateFiles())
        {
            var name = file.Name;
            bool active;
            lock (activeJournals) active = activeJournals.Any(a => name == a || name.StartsWith("." + a + ".", StringComparison.Ordinal));
            if (active) continue;
            if (name.StartsWith("." + JournalPrefix, StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                // A journal that was never renamed into place: its transfer never reached the commit point.
                try { file.Delete(); } catch (IOException) { }
                continue;
            }
            if (!name.StartsWith(JournalPrefix, StringComparison.Ordinal) || name.EndsWith(".damaged", StringComparison.Ordinal)) continue;
            Recover(file.FullName, accountDirectory, folderDirectory);
        }
    }

    private static void Recover(string journalPath, string accountDirectory, Func<string, string> folderDirectory)
    {
        var lines = File.ReadAllText(journalPath, Encoding.UTF8).Split('\n');
        var header = lines[0].Split(' ');
        // Written whole by one rename, so a damaged journal is not a torn one: keep it for a human, block nothing.
        if (lines.Length < 5 || header.Length != 3 || header[0] + " " + header[1] != Magic || (header[2] != "move" && header[2] != "copy")
            || lines[lines.Length - 2] != End || lines[lines.Length - 1].Length != 0)
        {
            NativeMethods.Rename(journalPath, journalPath + ".damaged");
            return;
        }
        var move = header[2] == "move";
        string sourceDir, targetDir;
        try
        {
            sourceDir = folderDirectory(lines[1]);
            targetDir = folderDirectory(lines[2]);
        }
        catch (MailStoreException)
        {
            NativeMethods.Rename(journalPath, journalPath + ".damaged");
            return;
        }
        var items = new List<Item>();
        for (var i = 3; i < lines.Length - 2; i++)
        {
            var parts = lines[i].Split('/');
            if (parts.Length != 3) { NativeMethods.Rename(journalPath, journalPath + ".damaged"); return; }
            items.Add(new Item(parts[0], parts[1], parts[2]));
        }

        // The target may have been deleted meanwhile (another session): then there is no copy, and the
        // originals must stay.
        var present = new HashSet<string>(StringComparer.Ordinal);
        if (Directory.Exists(Path.Combine(targetDir, "cur")))
        {
            var inTarget = FilesByBase(targetDir);
            var renamed = 0;
            foreach (var item in items)
            {
                if (inTarget.ContainsKey(item.NewBase)) { present.Add(item.NewBase); continue; }
                try
                {
                    NativeMethods.Rename(Path.Combine(targetDir, "tmp", item.NewBase), Path.Combine(targetDir, "cur", item.FinalName));
                    present.Add(item.NewBase);
                    CrashPoint?.Invoke("recover-renamed:" + (++renamed).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                catch (FileNotFoundException) { /* not prepared, or removed: its original stays */ }
            }
            NativeMethods.FsyncDirectory(Path.Combine(targetDir, "cur"));
        }
        // MOVE: an original goes only once its copy is in place, so nothing is ever lost.
        if (move && Directory.Exists(Path.Combine(sourceDir, "cur")))
        {
            var inSource = FilesByBase(sourceDir);
            foreach (var item in items)
            {
                if (!present.Contains(item.NewBase) || !inSource.TryGetValue(item.SourceBase, out var paths)) continue;
                foreach (var path in paths)
                {
                    try { File.Delete(path); } catch (DirectoryNotFoundException) { }
                }
            }
            NativeMethods.FsyncDirectory(Path.Combine(sourceDir, "new"));
            NativeMethods.FsyncDirectory(Path.Combine(sourceDir, "cur"));
            CrashPoint?.Invoke("recover-source-removed");
        }
        File.Delete(journalPath);
        NativeMethods.FsyncDirectory(accountDirectory);
    }

    /// <summary>Base name → paths of a folder's messages in new/ and cur/.</summary>
    private static Dictionary<string, List<string>> FilesByBase(string folderDirectory)
    {
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var sub in new[] { "new", "cur" })
        {
            var dir = Path.Combine(folderDirectory, sub);
            if (!Directory.Exists(dir)) continue;
            foreach (var file in new DirectoryInfo(dir).EnumerateFiles())
            {
                if (file.Name.StartsWith(".", StringComparison.Ordinal)) continue;
                var baseName = MaildirFileName.Parse(file.Name).BaseName;
                if (!map.TryGetValue(baseName, out var list)) map[baseName] = list = new List<string>();
                list.Add(file.FullName);
            }
        }
        return map;
    }
}
