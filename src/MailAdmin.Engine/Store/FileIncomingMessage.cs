using System;
using System.IO;

namespace MailAdmin.Store;

/// <summary>
/// An <see cref="IncomingMessage"/> of the Maildir store: a file in the store's .incoming
/// directory (same file system as the mailboxes, so the last delivery is a rename), written
/// through one 64 KiB buffer and fsynced once, when it is first delivered.
/// </summary>
internal sealed class FileIncomingMessage : IncomingMessage
{
    private const int BufferSize = 64 * 1024;
    private readonly string path;
    private FileStream? file;
    private byte[]? buffer = new byte[BufferSize];
    private int buffered;
    private bool sealedDurably, moved;

    internal FileIncomingMessage(string directory)
    {
        path = Path.Combine(directory, Guid.NewGuid().ToString("N"));
        // bufferSize 1: no FileStream buffer, ours is the only one.
        file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
    }

    private protected override void WriteCore(ReadOnlySpan<byte> data)
    {
        if (file == null || buffer == null) throw new InvalidOperationException("The message is closed.");
        while (!data.IsEmpty)
        {
            int n = Math.Min(BufferSize - buffered, data.Length);
            data.Slice(0, n).CopyTo(new Span<byte>(buffer, buffered, n));
            buffered += n;
            data = data.Slice(n);
            if (buffered == BufferSize) Drain();
        }
    }

    private void Drain()
    {
        if (buffered == 0 || file == null) return;
        file.Write(buffer!, 0, buffered);
        buffered = 0;
    }

    private protected override Stream OpenRead(long offset)
    {
        Drain();
        var read = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);
        read.Seek(offset, SeekOrigin.Begin);
        return read;
    }

    private protected override bool TryMoveTo(string target, DateTimeOffset modified)
    {
        if (!sealedDurably)
        {
            Drain();
            file!.Flush();
            // The modification time is the IMAP INTERNALDATE; set before the fsync so one fsync covers both.
            File.SetLastWriteTimeUtc(path, modified.UtcDateTime);
            file.Flush(true);
            file.Dispose();
            file = null;
            buffer = null;
            sealedDurably = true;
        }
        try
        {
            NativeMethods.Rename(path, target);
        }
        catch (IOException) when (File.Exists(path))
        {
            return false; // another file system (EXDEV): the caller copies
        }
        moved = true;
        return true;
    }

    private protected override byte[] TakeArray()
    {
        using (var s = OpenRead(0))
        {
            var result = new byte[s.Length];
            int at = 0;
            while (at < result.Length)
            {
                int n = s.Read(result, at, result.Length - at);
                if (n == 0) break;
                at += n;
            }
            return result;
        }
    }

    public override void Dispose()
    {
        file?.Dispose();
        file = null;
        buffer = null;
        if (!moved)
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
