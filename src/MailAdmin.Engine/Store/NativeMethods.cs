using System.IO;
using System.Runtime.InteropServices;

namespace MailAdmin.Store;

/// <summary>libc calls .NET has no API for: fsync of a directory, a plain rename (also within directory handles) and a hard link (Linux and macOS).</summary>
internal static class NativeMethods
{
    private const int ORdOnly = 0;

    internal static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
    private static readonly bool IsMac = RuntimeInformation.IsOSPlatform(OSPlatform.OSX);

    private static readonly int ODirectory =
        IsMac ? 0x100000
        : RuntimeInformation.OSArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x4000
        : RuntimeInformation.OSArchitecture is Architecture.X64 or Architecture.X86 ? 0x10000
        : 0; // other architectures: plain O_RDONLY opens a directory as well

    private static readonly int OCloexec = IsMac ? 0x1000000 : 0x80000;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameFile(byte[] oldPath, byte[] newPath);

    [DllImport("libc", EntryPoint = "renameat", SetLastError = true)]
    private static extern int RenameAtFile(int oldDirectory, byte[] oldName, int newDirectory, byte[] newName);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int LinkFile(byte[] oldPath, byte[] newPath);

    /// <summary>
    /// Makes <paramref name="destination"/> a second name (hard link) of <paramref name="source"/>. False when
    /// links are not possible here (Windows, another file system, a file system without links): copy instead.
    /// Missing source: FileNotFoundException.
    /// </summary>
    internal static bool TryHardLink(string source, string destination)
    {
        if (IsWindows) return false;
        if (LinkFile(System.Text.Encoding.UTF8.GetBytes(source + "\0"), System.Text.Encoding.UTF8.GetBytes(destination + "\0")) == 0)
            return true;
        var errno = Marshal.GetLastWin32Error();
        if (errno == 2) // ENOENT
            throw new FileNotFoundException($"Cannot link '{source}': it does not exist.", source);
        if (errno == 18 || errno == 1 || errno == 95 || errno == 31) // EXDEV, EPERM, EOPNOTSUPP, EMLINK
            return false;
        throw new IOException($"link of '{source}' to '{destination}' failed (errno {errno}).");
    }

    /// <summary>
    /// Moves a file within one file system with a single rename(2). .NET's File.Move refuses to
    /// overwrite, so on Unix it links and unlinks instead: twice the system calls and the
    /// directory updates, which a flag change over a whole folder pays per message. Maildir
    /// names are unique, so nothing is overwritten. Missing source: FileNotFoundException, as
    /// File.Move. On Windows this is File.Move.
    /// </summary>
    internal static void Rename(string source, string destination)
    {
        if (IsWindows)
        {
            File.Move(source, destination);
            return;
        }
        if (RenameFile(System.Text.Encoding.UTF8.GetBytes(source + "\0"), System.Text.Encoding.UTF8.GetBytes(destination + "\0")) == 0)
            return;
        var errno = Marshal.GetLastWin32Error();
        if (errno == 2) // ENOENT
            throw new FileNotFoundException($"Cannot rename '{source}': it does not exist.", source);
        throw new IOException($"rename of '{source}' to '{destination}' failed (errno {errno}).");
    }

    /// <summary>Makes a directory's entries (a rename, a new or deleted file) durable. No-op on Windows.</summary>
    internal static void FsyncDirectory(string path)
    {
        if (IsWindows) return;
        var fd = OpenDirectory(path);
        try
        {
            FsyncDirectory(fd, path);
        }
        finally
        {
            CloseDirectory(fd);
        }
    }

    /// <summary>A handle of a directory, for <see cref="RenameAt"/> and <see cref="FsyncDirectory(int, string)"/> (not on Windows).</summary>
    internal static int OpenDirectory(string path)
    {
        var fd = Open(System.Text.Encoding.UTF8.GetBytes(path + "\0"), ORdOnly | ODirectory | OCloexec);
        if (fd < 0)
            throw new IOException($"Cannot open directory '{path}' (errno {Marshal.GetLastWin32Error()}).");
        return fd;
    }

    internal static void CloseDirectory(int fd) => Close(fd);

    /// <summary>As <see cref="FsyncDirectory(string)"/>, on a handle from <see cref="OpenDirectory"/>; <paramref name="path"/> names it in errors.</summary>
    internal static void FsyncDirectory(int fd, string path)
    {
        if (Fsync(fd) == 0) return;
        var errno = Marshal.GetLastWin32Error();
        // EINVAL: the file system does not support fsync on directories; nothing more we can do.
        if (errno != 22)
            throw new IOException($"fsync of directory '{path}' failed (errno {errno}).");
    }

    /// <summary>
    /// rename(2) of a name in one directory handle to a name in another (renameat): the kernel looks up two names,
    /// not two whole paths. Missing source: FileNotFoundException. Not on Windows.
    /// </summary>
    internal static void RenameAt(int fromDirectory, string fromName, int toDirectory, string toName)
    {
        if (RenameAtFile(fromDirectory, System.Text.Encoding.UTF8.GetBytes(fromName + "\0"), toDirectory, System.Text.Encoding.UTF8.GetBytes(toName + "\0")) == 0)
            return;
        var errno = Marshal.GetLastWin32Error();
        if (errno == 2) // ENOENT
            throw new FileNotFoundException($"Cannot rename '{fromName}': it does not exist.", fromName);
        throw new IOException($"rename of '{fromName}' to '{toName}' failed (errno {errno}).");
    }
}
