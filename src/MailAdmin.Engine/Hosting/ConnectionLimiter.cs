using System.Collections.Generic;

namespace MailAdmin.Hosting;

/// <summary>Counts open sessions overall and per key (a client address, or an account for the
/// logged-in sessions of one account) for the connection limits. Thread-safe.</summary>
internal sealed class ConnectionLimiter<TKey> where TKey : notnull
{
    private readonly Dictionary<TKey, int> _perKey;
    private readonly object _gate = new();
    private int _active;

    public ConnectionLimiter(IEqualityComparer<TKey>? comparer = null) => _perKey = new Dictionary<TKey, int>(comparer);

    /// <summary>Admits a session when below both limits; every admitted session must be <see cref="Leave"/>d.</summary>
    public bool TryEnter(TKey key, int maxTotal, int maxPerKey)
    {
        lock (_gate)
        {
            _perKey.TryGetValue(key, out int count);
            if (_active >= maxTotal || count >= maxPerKey) return false;
            _active++;
            _perKey[key] = count + 1;
            return true;
        }
    }

    public void Leave(TKey key)
    {
        lock (_gate)
        {
            _active--;
            if (_perKey.TryGetValue(key, out int c) && c > 1) _perKey[key] = c - 1;
            else _perKey.Remove(key);
        }
    }
}
