using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// One process's journal of flag changes in one Maildir folder (<c>mailadmin-flaglog-&lt;id&gt;</c>): what makes a
/// STORE durable before its files are renamed. A STORE on 10,000 messages appends 10,000 short lines and fsyncs
/// once, where renaming the files takes 20,000 directory updates; the renames follow shortly after the reply
/// (<see cref="MaildirFolder"/>, "deferred renames"), and many changes of one message cost one rename or none.
/// <para>
/// A line is <c>&lt;name on disk&gt;/&lt;info the name must get&gt;</c> (the part after the base name, e.g.
/// <c>:2,FS</c>); a later line for the same file wins. A line whose file is no longer at its first name is done
/// (renamed already, by us or someone else, or expunged) and is skipped, so replaying a journal twice, or one whose
/// clearing a crash undid, changes nothing.
/// </para>
/// <para>
/// The file is held under an exclusive lock (FileShare.None: flock on Unix) while its process has the folder
/// open, so the next open of the folder tells a live process's journal (locked: leave it) from the one of a
/// process that died before renaming (replay it, then delete it).
/// </para>
/// </summary>
internal sealed class FlagJournal : IDisposable
{
    internal const string Prefix = "mailadmin-flaglog-";

    private readonly string directory;
    private readonly object writeLock = new object();
    private FileStream? stream;
    private string? path;

    internal FlagJournal(string directory) => this.directory = directory;

    /// <summary>Appends the lines and fsyncs: from here on the changes survive a crash. Creates (and locks) the file on first use.</summary>
    internal void Append(IReadOnlyList<(string OnDisk, string Target)> renames)
    {
        var text = new StringBuilder(renames.Count * 72);
        foreach (var (onDisk, target) in renames)
        {
            var baseLength = MaildirFileName.BaseLengthOf(target.AsSpan());
            text.Append(onDisk).Append('/').Append(target, baseLength, target.Length - baseLength).Append('\n');
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        lock (writeLock)
        {
            if (stream is null)
            {
                var name = Path.Combine(directory, Prefix + Guid.NewGuid().ToString("N"));
                stream = new FileStream(name, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
                path = name;
                NativeMethods.FsyncDirectory(directory);   // the journal's own name must survive a crash too
            }
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush(true);
        }
    }

    /// <summary>
    /// Empties the journal once every change in it is renamed and fsynced. Not fsynced itself: a crash that undoes
    /// the truncation leaves only lines that are done.
    /// </summary>
    internal void Clear()
    {
        lock (writeLock)
        {
            if (stream is null || stream.Length == 0) return;
            stream.SetLength(0);
            stream.Position = 0;
        }
    }

    /// <summary>Closes the journal; deletes it when <paramref name="delete"/> (everything in it is renamed), else leaves it for the next open to replay.</summary>
    internal void Close(bool delete)
    {
        lock (writeLock)
        {
            stream?.Dispose();
            stream = null;
            if (delete && path != null)
            {
                try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            path = null;
        }
    }

    public void Dispose() => Close(delete: false);

    /// <summary>
    /// The journals in <paramref name="directory"/> that no live process holds (their owner died before renaming),
    /// each opened and locked so no one else replays it at the same time. The caller replays their
    /// <see cref="Orphan.Renames"/>, makes them durable, then calls <see cref="Orphan.Delete"/>.
    /// </summary>
    internal static List<Orphan> FindOrphans(string directory)
    {
        var orphans = new List<Orphan>();
        foreach (var file in Directory.EnumerateFiles(directory, Prefix + "*"))
        {
            FileStream held;
            try { held = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1); }
            catch (IOException) { continue; }   // locked: its process is alive and renames its own changes
            catch (UnauthorizedAccessException) { continue; }
            orphans.Add(new Orphan(file, held));
        }
        return orphans;
    }

    /// <summary>A dead process's journal, held locked until deleted.</summary>
    internal sealed class Orphan
    {
        private readonly string file;
        private readonly FileStream held;

        internal Orphan(string file, FileStream held)
        {
            this.file = file;
            this.held = held;
        }

        /// <summary>Its lines as (name on disk, full name it must get); a line cut short by the crash is left out.</summary>
        internal IEnumerable<(string OnDisk, string Target)> Renames()
        {
            held.Position = 0;
            var text = Encoding.UTF8.GetString(MaildirFolder.ReadToEnd(held, held.Length));
            var lines = text.Split('\n');
            // The last piece is either empty (the file ends with a newline) or a line the crash cut short.
            for (int i = 0; i < lines.Length - 1; i++)
            {
                var slash = lines[i].IndexOf('/');
                if (slash <= 0) continue;
                var onDisk = lines[i].Substring(0, slash);
                yield return (onDisk, onDisk.Substring(0, MaildirFileName.BaseLengthOf(onDisk.AsSpan())) + lines[i].Substring(slash + 1));
            }
        }

        internal void Delete()
        {
            held.Dispose();
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
