using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>
/// A message being received (SMTP DATA or BDAT, IMAP APPEND). Its bytes go to the store as they
/// arrive — a file in the Maildir store's .incoming directory, 64 KiB chunks in the in-memory
/// store — so the protocol code never holds a whole message. <see cref="IMailStore.DeliverAsync(string, string, IncomingMessage, MessageFlags?, DateTimeOffset, CancellationToken)"/>
/// stores it, once or for several recipients (each delivery but the last is a copy; the last
/// moves the file into place). Dispose discards whatever is left. Not thread-safe: one writer.
/// </summary>
public abstract class IncomingMessage : IDisposable
{
    private byte[]? head;
    private int headLength;
    private byte[]? start;
    private long skip;
    private bool consumed;

    /// <summary>Bytes written so far.</summary>
    public long Length { get; private set; }

    /// <summary>Appends bytes.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        if (consumed) throw new InvalidOperationException("The message was delivered already.");
        if (data.IsEmpty) return;
        if (head != null && headLength < head.Length)
        {
            int n = Math.Min(head.Length - headLength, data.Length);
            data.Slice(0, n).CopyTo(new Span<byte>(head, headLength, n));
            headLength += n;
        }
        WriteCore(data);
        Length += data.Length;
    }

    /// <summary>Appends text as UTF-8 (trace header lines).</summary>
    public void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    /// <summary>Keeps a copy of the first <paramref name="bytes"/> bytes written (for a header cache). Call before writing.</summary>
    public void KeepHead(int bytes) => head = new byte[bytes];

    /// <summary>The first bytes written, as many as <see cref="KeepHead"/> asked for.</summary>
    public ReadOnlySpan<byte> Head => head == null ? default : new ReadOnlySpan<byte>(head, 0, headLength);

    /// <summary>
    /// From now on, deliveries store <paramref name="newStart"/> followed by the bytes written from
    /// offset <paramref name="skipped"/> on (a per-recipient first line); null restores the bytes as written.
    /// </summary>
    public void ReplaceStart(byte[]? newStart, long skipped)
    {
        if (newStart != null && (skipped < 0 || skipped > Length)) throw new ArgumentOutOfRangeException(nameof(skipped));
        start = newStart;
        skip = newStart == null ? 0 : skipped;
    }

    /// <summary>The size a delivery stores now.</summary>
    public long DeliveredLength => start == null ? Length : start.Length + Length - skip;

    /// <summary>
    /// The content a delivery stores now. A delivery of the bytes as written (no <see cref="ReplaceStart"/>)
    /// may take them over (move the file, hand over the buffers): make it the last one.
    /// </summary>
    internal MessageContent AsContent()
    {
        if (consumed) throw new InvalidOperationException("The message was delivered already; deliver the unchanged bytes last.");
        return new View(this, start, skip);
    }

    private protected abstract void WriteCore(ReadOnlySpan<byte> data);

    /// <summary>Readable stream over the bytes written, from <paramref name="offset"/>.</summary>
    private protected abstract Stream OpenRead(long offset);

    /// <summary>Moves the whole written file to <paramref name="path"/>; false when it cannot (copy instead).</summary>
    private protected virtual bool TryMoveTo(string path, DateTimeOffset modified) => false;

    /// <summary>The whole written content as one array; may hand over (and drop) the message's own buffers.</summary>
    private protected abstract byte[] TakeArray();

    public abstract void Dispose();

    private sealed class View : MessageContent
    {
        private readonly IncomingMessage owner;
        private readonly byte[]? start;
        private readonly long skip;

        internal View(IncomingMessage owner, byte[]? start, long skip)
        {
            this.owner = owner;
            this.start = start;
            this.skip = skip;
        }

        internal override long Size => start == null ? owner.Length : start.Length + owner.Length - skip;

        internal override async Task WriteNewFileAsync(string path, DateTimeOffset modified, CancellationToken cancellationToken)
        {
            using (var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, 64 * 1024, FileOptions.None))
            {
                if (start != null) await target.WriteAsync(start, 0, start.Length, cancellationToken).ConfigureAwait(false);
                using (var source = owner.OpenRead(skip))
                    await source.CopyToAsync(target, 64 * 1024, cancellationToken).ConfigureAwait(false);
                target.Flush(false);
                if (!NativeMethods.IsWindows) File.SetLastWriteTimeUtc(path, modified.UtcDateTime);
                target.Flush(true);
            }
            if (NativeMethods.IsWindows) File.SetLastWriteTimeUtc(path, modified.UtcDateTime);
        }

        internal override bool TryMoveFile(string path, DateTimeOffset modified)
        {
            if (start != null || !owner.TryMoveTo(path, modified)) return false;
            owner.consumed = true;
            return true;
        }

        internal override byte[] ToArray()
        {
            if (start == null)
            {
                owner.consumed = true;
                return owner.TakeArray();
            }
            var result = new byte[Size];
            Buffer.BlockCopy(start, 0, result, 0, start.Length);
            using (var source = owner.OpenRead(skip))
            {
                int at = start.Length;
                while (at < result.Length)
                {
                    int n = source.Read(result, at, result.Length - at);
                    if (n == 0) break;
                    at += n;
                }
            }
            return result;
        }
    }
}
