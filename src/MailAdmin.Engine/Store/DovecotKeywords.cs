using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// A Maildir folder's <c>dovecot-keywords</c>, in Dovecot's format so both read the same keywords: one line
/// "&lt;index&gt; &lt;name&gt;" per keyword, index 0..25 standing for the letters a..z after the flags in a
/// file name's ":2," info. So a folder holds at most 26 keywords. Names compare case-insensitively. Not
/// thread-safe: the folder calls it under its lock.
/// </summary>
internal sealed class DovecotKeywords
{
    internal const string FileName = "dovecot-keywords";
    internal const int MaxKeywords = 26;

    private readonly string path;
    private readonly string?[] names = new string?[MaxKeywords];
    private DateTime loadedWriteTime;
    private long loadedLength = -1;

    private DovecotKeywords(string path) => this.path = path;

    internal static DovecotKeywords Load(string directory)
    {
        var keywords = new DovecotKeywords(Path.Combine(directory, FileName));
        keywords.ReloadIfChanged();
        return keywords;
    }

    /// <summary>Reads the file again when another process (Dovecot) changed it since; true when it did.</summary>
    internal bool ReloadIfChanged()
    {
        var info = new FileInfo(path);
        var exists = info.Exists;
        var writeTime = exists ? info.LastWriteTimeUtc : DateTime.MinValue;
        var length = exists ? info.Length : 0;
        if (writeTime == loadedWriteTime && length == loadedLength) return false;
        Array.Clear(names, 0, names.Length);
        if (exists)
        {
            string text;
            try { text = File.ReadAllText(path, Encoding.UTF8); }
            catch (FileNotFoundException) { text = ""; }
            foreach (var line in text.Split('\n'))
            {
                var space = line.IndexOf(' ');
                if (space <= 0 || !int.TryParse(line.Substring(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) continue;
                var name = line.Substring(space + 1).TrimEnd('\r');
                if (index < MaxKeywords && name.Length > 0 && IndexOf(name) < 0) names[index] = name;
            }
        }
        loadedWriteTime = writeTime;
        loadedLength = length;
        return true;
    }

    /// <summary>Every keyword the folder defines, sorted.</summary>
    internal IReadOnlyList<string> Defined => MessageKeywords.Normalize(names.Where(n => n != null)!);

    internal bool IsFull => names.All(n => n != null);

    /// <summary>The keywords a file name's letters stand for (letters the file does not define are ignored).</summary>
    internal IReadOnlyList<string> KeywordsOf(string letters)
    {
        if (letters.Length == 0) return MessageKeywords.None;
        var list = new List<string>(letters.Length);
        foreach (var c in letters)
        {
            var i = c - 'a';
            if (i >= 0 && i < MaxKeywords && names[i] is string name) list.Add(name);
        }
        return MessageKeywords.Normalize(list);
    }

    /// <summary>
    /// The letters for <paramref name="keywords"/>, sorted, giving new keywords free letters (the file is
    /// rewritten atomically first). Keywords that find no free letter are left out and returned in
    /// <paramref name="dropped"/>; with <paramref name="allOrNothing"/> no new letter is given then.
    /// </summary>
    internal string LettersOf(IReadOnlyCollection<string> keywords, out IReadOnlyList<string> dropped, bool allOrNothing = false)
    {
        dropped = MessageKeywords.None;
        if (keywords.Count == 0) return "";
        var letters = new List<char>(keywords.Count);
        var missing = new List<string>();
        foreach (var keyword in keywords)
        {
            var i = IndexOf(keyword);
            if (i >= 0) letters.Add((char)('a' + i)); else missing.Add(keyword);
        }
        if (missing.Count > 0)
        {
            // Dovecot's lock, then the file as it is now: another process may have added keywords meanwhile;
            // take its letters, never overwrite them.
            using var fileLock = TakeLock();
            ReloadIfChanged();
            var unknown = missing.Where(k => IndexOf(k) < 0).Distinct(MessageKeywords.Comparer).ToList();
            if (allOrNothing && unknown.Count > names.Count(n => n is null))
            {
                dropped = unknown;
                return "";
            }
            var lost = new List<string>();
            var added = false;
            foreach (var keyword in missing)
            {
                var i = IndexOf(keyword);
                if (i < 0)
                {
                    i = Array.IndexOf(names, null);
                    if (i < 0) { lost.Add(keyword); continue; }
                    names[i] = keyword;
                    added = true;
                }
                letters.Add((char)('a' + i));
            }
            if (added)
            {
                try { fileLock.Replace(Format()); }
                catch
                {
                    loadedLength = -1; // the letters just given are not on disk: read the file again next time
                    throw;
                }
            }
            dropped = lost;
        }
        letters.Sort();
        return new string(letters.Distinct().ToArray());
    }

    private int IndexOf(string keyword)
    {
        for (var i = 0; i < MaxKeywords; i++)
            if (names[i] is string name && MessageKeywords.Comparer.Equals(name, keyword)) return i;
        return -1;
    }

    private byte[] Format()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < MaxKeywords; i++)
            if (names[i] is string name) sb.Append(i.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(name).Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>
    /// Dovecot's dot-lock on the file: "dovecot-keywords.lock", created exclusively; the new content is written
    /// into it and renamed over the file (the temp file and the rename of an atomic replace). A lock older than
    /// <see cref="StaleLockAge"/> is left by a crash and broken.
    /// </summary>
    private FileLock TakeLock()
    {
        var lockPath = path + ".lock";
        var deadline = DateTime.UtcNow + LockWait;
        while (true)
        {
            try
            {
                return new FileLock(this, lockPath, new FileStream(lockPath, FileMode.CreateNew, FileAccess.Write, FileShare.None));
            }
            catch (IOException) when (File.Exists(lockPath))
            {
                try
                {
                    if (File.GetLastWriteTimeUtc(lockPath) < DateTime.UtcNow - StaleLockAge) { File.Delete(lockPath); continue; }
                }
                catch (IOException) { }
                if (DateTime.UtcNow > deadline) throw new MailStoreException($"{path} is locked by another program ({lockPath}); try again.");
                System.Threading.Thread.Sleep(20);
            }
        }
    }

    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StaleLockAge = TimeSpan.FromSeconds(30);

    private sealed class FileLock : IDisposable
    {
        private readonly DovecotKeywords owner;
        private readonly string lockPath;
        private FileStream? stream;

        internal FileLock(DovecotKeywords owner, string lockPath, FileStream stream)
        {
            this.owner = owner;
            this.lockPath = lockPath;
            this.stream = stream;
        }

        /// <summary>Writes the new content into the lock file, fsyncs it and renames it over the file (which also unlocks).</summary>
        internal void Replace(byte[] content)
        {
            var s = stream!;
            s.Write(content, 0, content.Length);
            s.Flush(true);
            s.Dispose();
            stream = null;
            try
            {
                if (File.Exists(owner.path)) File.Replace(lockPath, owner.path, null, true);
                else File.Move(lockPath, owner.path);
            }
            catch
            {
                try { File.Delete(lockPath); } catch { /* best effort */ }
                throw;
            }
            NativeMethods.FsyncDirectory(Path.GetDirectoryName(owner.path)!);
            var info = new FileInfo(owner.path);
            owner.loadedWriteTime = info.LastWriteTimeUtc;
            owner.loadedLength = info.Length;
        }

        public void Dispose()
        {
            if (stream is null) return; // replaced: the lock file is the file now
            stream.Dispose();
            stream = null;
            try { File.Delete(lockPath); } catch (IOException) { }
        }
    }
}
