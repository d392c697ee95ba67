using System.Collections.Concurrent;
using System.Threading;

namespace MailAdmin.Protocols.Pop3;

/// <summary>Wire sizes (<see cref="Pop3MessageEncoder.WireSize(System.IO.Stream)"/>) by account and
/// store message id. Stored messages never change, so a size is computed once per server; shared by
/// its sessions. Bound: <see cref="MaxEntries"/> sizes (about 200 bytes each with the key: ~20 MiB);
/// past it the cache empties and starts again, as the IMAP header cache does.</summary>
public sealed class Pop3SizeCache
{
    /// <summary>The most sizes kept (docs/pop3.md).</summary>
    public const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, long> _sizes = new();
    private int _count;

    public bool TryGet(string account, string id, out long size) => _sizes.TryGetValue(account + "\n" + id, out size);

    public void Set(string account, string id, long size)
    {
        var key = account + "\n" + id;
        if (!_sizes.TryAdd(key, size))
        {
            _sizes[key] = size;
            return;
        }
        if (Interlocked.Increment(ref _count) > MaxEntries)
        {
            _sizes.Clear();
            Interlocked.Exchange(ref _count, 0);
        }
    }

    /// <summary>Forgets the sizes of deleted messages.</summary>
    public void Remove(string account, string id)
    {
        if (_sizes.TryRemove(account + "\n" + id, out _)) Interlocked.Decrement(ref _count);
    }
}
