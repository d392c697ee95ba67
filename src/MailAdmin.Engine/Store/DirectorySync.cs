using System.Threading;

namespace MailAdmin.Store;

/// <summary>
/// Directory fsyncs shared by concurrent callers (group commit): a caller whose rename happened
/// before an fsync began is covered by it and does not start its own. Under load, eight sessions
/// renaming at once cost one or two directory fsyncs instead of eight.
/// </summary>
internal sealed class DirectorySync
{
    private readonly string directory;
    private readonly object syncing = new object();
    private long requested;
    private long covered;

    internal DirectorySync(string directory) => this.directory = directory;

    /// <summary>Returns when every name change made in the directory before this call is durable.</summary>
    internal void Sync()
    {
        long ticket = Interlocked.Increment(ref requested);
        lock (syncing)
        {
            // An fsync that began after our ticket was drawn covered our rename.
            if (Volatile.Read(ref covered) >= ticket) return;
            long covers = Volatile.Read(ref requested);
            NativeMethods.FsyncDirectory(directory);
            Volatile.Write(ref covered, covers);
        }
    }
}
