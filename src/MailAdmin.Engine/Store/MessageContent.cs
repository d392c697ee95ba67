using System;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>
/// What a folder stores: a message's bytes, from an array (the byte[] API) or from an
/// <see cref="IncomingMessage"/> streamed to disk as it arrived. A folder asks first whether the
/// content can be moved into place (an incoming file, for its last delivery); otherwise it has
/// the content written to a new file of its own, or, in memory, takes it as an array.
/// </summary>
internal abstract class MessageContent
{
    /// <summary>Bytes the stored message will have.</summary>
    internal abstract long Size { get; }

    /// <summary>Creates <paramref name="path"/> with the content, sets its modification time, and fsyncs it.</summary>
    internal abstract Task WriteNewFileAsync(string path, DateTimeOffset modified, CancellationToken cancellationToken);

    /// <summary>
    /// Moves an already written file to <paramref name="path"/> (same file system), durable except
    /// for the directory entry, which the caller fsyncs. False: not possible, write a copy instead.
    /// </summary>
    internal virtual bool TryMoveFile(string path, DateTimeOffset modified) => false;

    /// <summary>The content as an array the caller may keep (the in-memory store).</summary>
    internal abstract byte[] ToArray();
}

/// <summary>Content from an array (APPEND and delivery through the byte[] API, COPY).</summary>
internal sealed class ArrayContent : MessageContent
{
    private readonly byte[] data;

    internal ArrayContent(byte[] data) => this.data = data ?? throw new ArgumentNullException(nameof(data));

    internal override long Size => data.Length;

    internal override Task WriteNewFileAsync(string path, DateTimeOffset modified, CancellationToken cancellationToken)
        => DurableFile.WriteNewAsync(path, data, modified, cancellationToken);

    /// <summary>A copy: the caller of the byte[] API may reuse its array.</summary>
    internal override byte[] ToArray() => (byte[])data.Clone();
}
