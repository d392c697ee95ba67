using System;
using System.Collections.Generic;
using System.IO;

namespace MailAdmin.Store;

/// <summary>
/// An <see cref="IncomingMessage"/> of the in-memory store: 64 KiB chunks, so that a growing
/// message never reallocates, and so that handing it to the store (one exact array) frees each
/// chunk as it is copied: the message is held once, plus one chunk.
/// </summary>
internal sealed class MemoryIncomingMessage : IncomingMessage
{
    private const int ChunkSize = 64 * 1024;
    private readonly List<byte[]?> chunks = new List<byte[]?>();
    private int lastUsed = ChunkSize;

    private protected override void WriteCore(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (lastUsed == ChunkSize)
            {
                chunks.Add(new byte[ChunkSize]);
                lastUsed = 0;
            }
            int n = Math.Min(ChunkSize - lastUsed, data.Length);
            data.Slice(0, n).CopyTo(new Span<byte>(chunks[chunks.Count - 1], lastUsed, n));
            lastUsed += n;
            data = data.Slice(n);
        }
    }

    private protected override Stream OpenRead(long offset)
    {
        // Small and rare (a multi-recipient copy): an array view is enough.
        var all = Copy(release: false);
        return new MemoryStream(all, (int)offset, all.Length - (int)offset, false);
    }

    private protected override byte[] TakeArray() => Copy(release: true);

    private byte[] Copy(bool release)
    {
        var result = new byte[Length];
        int at = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            if (chunk == null) throw new InvalidOperationException("The message was delivered already.");
            int n = (int)Math.Min(ChunkSize, result.Length - at);
            Buffer.BlockCopy(chunk, 0, result, at, n);
            at += n;
            if (release) chunks[i] = null;
        }
        return result;
    }

    public override void Dispose() => chunks.Clear();
}
