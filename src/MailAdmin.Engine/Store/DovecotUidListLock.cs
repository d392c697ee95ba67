using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace MailAdmin.Store;

/// <summary>
/// Dovecot's dotlock on a folder's UID list: the file "dovecot-uidlist.lock", created with O_EXCL and holding
/// "&lt;pid&gt;:&lt;host&gt;". Whoever holds it may give out UIDs (append to dovecot-uidlist or replace it);
/// Dovecot's processes take the same lock, so UIDs are never given out twice.
/// A lock is stale, and is removed, as Dovecot judges it: its process (on this host) no longer exists and the
/// file is older than a couple of seconds, or neither the lock nor dovecot-uidlist changed for two minutes.
/// </summary>
internal sealed class DovecotUidListLock : IDisposable
{
    internal const string FileName = "dovecot-uidlist.lock";

    /// <summary>Dovecot's MAILDIR_UIDLIST_LOCK_STALE_TIMEOUT.</summary>
    internal static readonly TimeSpan StaleTimeout = TimeSpan.FromMinutes(2);
    /// <summary>A lock younger than this is not judged by its pid (its writer may not have written it yet).</summary>
    private static readonly TimeSpan PidCheckAge = TimeSpan.FromSeconds(2);
    /// <summary>Dovecot waits the stale timeout plus two seconds before it gives up.</summary>
    internal static readonly TimeSpan DefaultWait = StaleTimeout + TimeSpan.FromSeconds(2);

    private static readonly string HostName = LocalHostName();
    private static readonly int ProcessId = Process.GetCurrentProcess().Id;

    private readonly string path;
    private bool released;

    private DovecotUidListLock(string path) => this.path = path;

    /// <summary>Takes the lock of the folder in <paramref name="directory"/>, waiting at most <paramref name="wait"/> (default: as Dovecot).</summary>
    internal static DovecotUidListLock Acquire(string directory, TimeSpan? wait = null)
    {
        var lockPath = Path.Combine(directory, FileName);
        var deadline = DateTime.UtcNow + (wait ?? DefaultWait);
        var random = new Random();
        var delay = 5;
        while (true)
        {
            if (TryCreate(lockPath)) return new DovecotUidListLock(lockPath);
            if (IsStale(lockPath, Path.Combine(directory, DovecotUidList.FileName)))
            {
                // Remove it only if it is still the same file (not one another waiter made meanwhile).
                TryDeleteStale(lockPath);
                continue;
            }
            if (DateTime.UtcNow >= deadline)
                throw new MailStoreException($"Timed out waiting for the UID list lock '{lockPath}'. If no mail program is running on this folder, delete the file.");
            Thread.Sleep(random.Next(delay, delay * 2));
            delay = Math.Min(delay * 2, 100);
        }
    }

    private static bool TryCreate(string lockPath)
    {
        FileStream stream;
        try
        {
            // FileMode.CreateNew is open(O_CREAT|O_EXCL): exactly one process succeeds.
            stream = new FileStream(lockPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, 1);
        }
        catch (IOException e) when (!(e is DirectoryNotFoundException) && !(e is PathTooLongException))
        {
            // Someone holds it (or held it: released between our try and now); the caller looks again.
            return false;
        }
        using (stream)
        {
            var bytes = Encoding.ASCII.GetBytes(ProcessId.ToString(CultureInfo.InvariantCulture) + ":" + HostName);
            stream.Write(bytes, 0, bytes.Length);
        }
        return true;
    }

    private static bool IsStale(string lockPath, string protectedPath)
    {
        DateTime lockChanged;
        string content;
        try
        {
            lockChanged = File.GetLastWriteTimeUtc(lockPath);
            content = File.ReadAllText(lockPath, Encoding.ASCII);
        }
        catch (FileNotFoundException) { return false; }   // released meanwhile: try again
        catch (IOException) { return false; }
        var now = DateTime.UtcNow;
        if (now - lockChanged >= PidCheckAge && TryParseOwner(content, out var pid, out var host)
            && string.Equals(host, HostName, StringComparison.Ordinal) && pid != ProcessId && !ProcessExists(pid))
            return true;
        var lastChange = lockChanged;
        try
        {
            var listChanged = File.GetLastWriteTimeUtc(protectedPath);
            if (File.Exists(protectedPath) && listChanged > lastChange) lastChange = listChanged;
        }
        catch (IOException) { }
        return now - lastChange > StaleTimeout;
    }

    private static void TryDeleteStale(string lockPath)
    {
        try { File.Delete(lockPath); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static bool TryParseOwner(string content, out int pid, out string host)
    {
        pid = 0;
        host = "";
        var text = content.TrimEnd('\n');
        var colon = text.IndexOf(':');
        if (colon <= 0) return false;
        host = text.Substring(colon + 1);
        return int.TryParse(text.Substring(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out pid) && pid > 0;
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
        catch (System.ComponentModel.Win32Exception) { return true; }   // exists, not ours to look at
    }

    private static string LocalHostName()
    {
        // Dovecot writes gethostname() in full (not cut at the first dot as Environment.MachineName is).
        try { return System.Net.Dns.GetHostName(); }
        catch (System.Net.Sockets.SocketException) { return Environment.MachineName; }
    }

    public void Dispose()
    {
        if (released) return;
        released = true;
        try { File.Delete(path); }
        catch (IOException) { }
    }
}
