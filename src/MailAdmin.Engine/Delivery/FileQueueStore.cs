using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Delivery;

/// <summary>
/// The queue in &lt;root&gt;/queue/ of a Maildir store: per message a content file &lt;id&gt;.eml
/// (fsynced, moved there from .incoming when it can be) and a state file &lt;id&gt;.json (replaced
/// atomically: temp file, fsync, rename, directory fsync). The directory cannot be mistaken for a
/// mailbox: account directories always contain '@' (MailboxNames.AccountDirectoryName) and the
/// store lists accounts from accounts.json, never from the directories in the root.
///
/// Crash rules (Load): a message exists when its state file does. The content is written first
/// and the state second, and deletion goes the other way (state first), so
/// <list type="bullet">
/// <item>content without state: an AddAsync that never returned (no 250 was given) or a Delete
/// half done (every recipient was final): the content is deleted;</item>
/// <item>state without content: only when the state's rename reached the disk before the
/// content's, in an AddAsync that never returned: the state is deleted;</item>
/// <item>hidden temp files (".*"): a state replacement cut short: deleted (the old state is intact);</item>
/// <item>a state file that cannot be read: renamed &lt;id&gt;.json.damaged and kept with its
/// content for the admin; the message is not sent.</item>
/// </list>
/// </summary>
internal sealed class FileQueueStore : IQueueStore
{
    /// <summary>The name of the queue directory in a store root (not an account's: it has no '@').</summary>
    internal const string DirectoryName = "queue";
    private const string ContentExtension = ".eml";
    private const string StateExtension = ".json";
    private const string DamagedExtension = ".damaged";
    private volatile bool ready, disposed;

    internal FileQueueStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
        directorySync = new DirectorySync(Directory);
    }

    // Adds and saves from concurrent sessions and connections share their directory fsyncs.
    private readonly DirectorySync directorySync;

    internal string Directory { get; }

    private string ContentPath(string id) => Path.Combine(Directory, id + ContentExtension);
    private string StatePath(string id) => Path.Combine(Directory, id + StateExtension);

    /// <summary>Made on first use, so a server that never queues leaves the root as it was.</summary>
    private void EnsureDirectory()
    {
        if (ready) return;
        // One creator at a time, and ready only after the root's fsync: a concurrent first add that
        // saw the directory exist must not give its 250 while the directory's own entry may still vanish.
        lock (creating)
        {
            if (ready) return;
            if (!System.IO.Directory.Exists(Directory))
            {
                System.IO.Directory.CreateDirectory(Directory);
                NativeMethods.FsyncDirectory(Path.GetDirectoryName(Directory)!);
            }
            ready = true;
        }
    }

    private readonly object creating = new();

    public async Task AddAsync(QueueMessage message, MessageContent content, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        EnsureDirectory();
        var contentPath = ContentPath(message.Id);
        if (File.Exists(StatePath(message.Id)) || File.Exists(contentPath))
            throw new IOException("The queue already holds a message with the id '" + message.Id + "'.");
        var modified = message.ReceivedAt == default ? DateTimeOffset.UtcNow : message.ReceivedAt;
        if (!content.TryMoveFile(contentPath, modified))
        {
            try
            {
                await content.WriteNewFileAsync(contentPath, modified, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                TryDelete(contentPath);
                throw;
            }
        }
        // The state's directory fsync (in ReplaceAtomically) makes both new names durable; a crash
        // before it leaves at most one of them, which Load discards: this call never returned.
        try
        {
            DurableFile.ReplaceAtomically(StatePath(message.Id), QueueStateJson.Serialize(message), directorySync);
        }
        catch
        {
            TryDelete(contentPath);
            throw;
        }
    }

    public IReadOnlyList<QueueMessage> Load()
    {
        var result = new List<QueueMessage>();
        if (!System.IO.Directory.Exists(Directory)) return result;
        ready = true;
        var contents = new HashSet<string>(StringComparer.Ordinal);
        var states = new List<string>();
        var damaged = new HashSet<string>(StringComparer.Ordinal);
        bool changed = false;
        foreach (var file in new DirectoryInfo(Directory).EnumerateFiles())
        {
            var name = file.Name;
            if (name.StartsWith(".", StringComparison.Ordinal))
            {
                changed |= TryDelete(file.FullName); // a temp file of a replacement cut short
                continue;
            }
            if (name.EndsWith(ContentExtension, StringComparison.Ordinal)) contents.Add(name.Substring(0, name.Length - ContentExtension.Length));
            else if (name.EndsWith(StateExtension, StringComparison.Ordinal)) states.Add(name.Substring(0, name.Length - StateExtension.Length));
            else if (name.EndsWith(StateExtension + DamagedExtension, StringComparison.Ordinal)) damaged.Add(name.Substring(0, name.Length - StateExtension.Length - DamagedExtension.Length));
        }
        foreach (var id in states)
        {
            if (!contents.Contains(id))
            {
                changed |= TryDelete(StatePath(id));
                continue;
            }
            try
            {
                result.Add(QueueStateJson.Parse(File.ReadAllText(StatePath(id), Encoding.UTF8), id));
                contents.Remove(id);
            }
            catch (FormatException)
            {
                try { File.Move(StatePath(id), StatePath(id) + DamagedExtension); changed = true; }
                catch (IOException) { /* left as it is: skipped again at the next start */ }
                contents.Remove(id);
            }
        }
        foreach (var id in contents)
            if (!damaged.Contains(id)) changed |= TryDelete(ContentPath(id));
        if (changed) NativeMethods.FsyncDirectory(Directory);
        return result;
    }

    public Stream OpenContent(string id)
        => new FileStream(ContentPath(id), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan | FileOptions.Asynchronous);

    public void Save(QueueMessage message)
    {
        ThrowIfDisposed();
        // A state without its content would be nothing to deliver (a message deleted meanwhile).
        if (!File.Exists(ContentPath(message.Id))) return;
        DurableFile.ReplaceAtomically(StatePath(message.Id), QueueStateJson.Serialize(message), directorySync);
    }

    public void Delete(string id, bool durable)
    {
        ThrowIfDisposed();
        // State first: from then on the message does not exist, whatever happens to its content.
        bool changed = TryDelete(StatePath(id));
        changed |= TryDelete(ContentPath(id));
        if (changed && durable) directorySync.Sync();
    }

    private static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            File.Delete(path);
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// After a stop, an attempt that ignored the cancellation must not write a state any more: the
    /// root may already be served by a new server. Its recipients stay as last saved (sent once more).
    /// </summary>
    public void Dispose() => disposed = true;

    private void ThrowIfDisposed()
    {
        if (disposed) throw new ObjectDisposedException(nameof(FileQueueStore));
    }
}
