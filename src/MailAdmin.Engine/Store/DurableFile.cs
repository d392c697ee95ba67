using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>Small helpers for crash-safe file writes.</summary>
internal static class DurableFile
{
    /// <summary>Writes bytes to a new file and fsyncs it (data and metadata).</summary>
    internal static async Task WriteNewAsync(string path, byte[] data, DateTimeOffset? modified, CancellationToken cancellationToken)
    {
        using (var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.Asynchronous))
        {
            if (data.Length > 0)
                await fs.WriteAsync(data, 0, data.Length, cancellationToken).ConfigureAwait(false);
            // The modification time is the IMAP INTERNALDATE; set it before the fsync so one fsync covers it.
            if (modified.HasValue && !NativeMethods.IsWindows)
                File.SetLastWriteTimeUtc(path, modified.Value.UtcDateTime);
            fs.Flush(true);
        }
        if (modified.HasValue && NativeMethods.IsWindows)
            File.SetLastWriteTimeUtc(path, modified.Value.UtcDateTime);
    }

    /// <summary>Replaces <paramref name="path"/> atomically with <paramref name="data"/>: temp file, fsync, rename, fsync directory.</summary>
    internal static void ReplaceAtomically(string path, byte[] data) => ReplaceAtomically(path, data, null);

    /// <summary>As <see cref="ReplaceAtomically(string, byte[])"/>, the directory fsync shared with concurrent callers through <paramref name="directorySync"/>.</summary>
    internal static void ReplaceAtomically(string path, byte[] data, DirectorySync? directorySync)
    {
        var dir = Path.GetDirectoryName(path)!;
        var tmp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(data, 0, data.Length);
                fs.Flush(true);
            }
            if (File.Exists(path)) File.Replace(tmp, path, null, true);
            else File.Move(tmp, path);
        }
        catch
        {
            try { File.Delete(tmp); } catch { /* best effort */ }
            throw;
        }
        if (directorySync != null) directorySync.Sync();
        else NativeMethods.FsyncDirectory(dir);
    }
}
