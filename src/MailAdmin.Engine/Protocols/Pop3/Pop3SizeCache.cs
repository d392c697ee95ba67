using System.Collections.Concurrent;

namespace MailAdmin.Protocols.Pop3;

/// <summary>Wire sizes (<see cref="Pop3MessageEncoder.WireSize(System.IO.Stream)"/>) by account and
/// store message id. Stored messages never change, so a size is computed once per server; shared by
/// its sessions.</summary>
public sealed class Pop3SizeCache
{
    private readonly ConcurrentDictionary<string, long> _sizes = new();

    public bool TryGet(string account, string id, out long size) => _sizes.TryGetValue(account + "\n" + id, out size);
    public void Set(string account, string id, long size) => _sizes[account + "\n" + id] = size;
    /// <summary>Forgets the sizes of deleted messages.</summary>
    public void Remove(string account, string id) => _sizes.TryRemove(account + "\n" + id, out _);
}
