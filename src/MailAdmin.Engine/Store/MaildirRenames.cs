using System;
using System.IO;

namespace MailAdmin.Store;

/// <summary>
/// The renames of one flag change over many messages of a Maildir folder (new/ or cur/ into cur/), and the fsync of
/// cur/ that makes them durable. Both directories are opened once (lazily), and each rename names two files in
/// them (renameat) instead of two whole paths the kernel would walk again: a STORE on 10,000 messages renames
/// 10,000 files. On Windows it renames whole paths and has no fsync to do.
/// </summary>
internal sealed class MaildirRenames : IDisposable
{
    private readonly string curDir;
    private readonly string newDir;
    private int curHandle = -1;
    private int newHandle = -1;

    internal MaildirRenames(string curDir, string newDir)
    {
        this.curDir = curDir;
        this.newDir = newDir;
    }

    /// <summary>Renames <paramref name="fromName"/> (in new/ when <paramref name="fromNew"/>, else cur/) to <paramref name="toName"/> in cur/. Missing: FileNotFoundException.</summary>
    internal void IntoCur(bool fromNew, string fromName, string toName)
    {
        if (NativeMethods.IsWindows)
        {
            File.Move(Path.Combine(fromNew ? newDir : curDir, fromName), Path.Combine(curDir, toName));
            return;
        }
        var cur = Handle(ref curHandle, curDir);
        NativeMethods.RenameAt(fromNew ? Handle(ref newHandle, newDir) : cur, fromName, cur, toName);
    }

    /// <summary>Makes the renames so far survive a crash (their entries are in cur/, and new/ only lost some).</summary>
    internal void SyncCur()
    {
        if (NativeMethods.IsWindows) return;
        NativeMethods.FsyncDirectory(Handle(ref curHandle, curDir), curDir);
    }

    private static int Handle(ref int handle, string path)
    {
        if (handle < 0) handle = NativeMethods.OpenDirectory(path);
        return handle;
    }

    public void Dispose()
    {
        if (curHandle >= 0) NativeMethods.CloseDirectory(curHandle);
        if (newHandle >= 0) NativeMethods.CloseDirectory(newHandle);
        curHandle = newHandle = -1;
    }
}
