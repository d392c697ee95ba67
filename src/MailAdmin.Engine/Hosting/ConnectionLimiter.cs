using System.Collections.Generic;
using System.Net;

namespace MailAdmin.Hosting;

/// <summary>Counts open sessions overall and per client address for a server's connection limits
/// (shared by the SMTP and POP3 servers). Thread-safe.</summary>
internal sealed class ConnectionLimiter
{
    private readonly Dictionary<IPAddress, int> _perAddress = new();
    private readonly object _gate = new();
    private int _active;

    /// <summary>Admits a session when below both limits; every admitted session must be <see cref="Leave"/>d.</summary>
    public bool TryEnter(IPAddress address, int maxConnections, int maxPerAddress)
    {
        lock (_gate)
        {
            _perAddress.TryGetValue(address, out int count);
            if (_active >= maxConnections || count >= maxPerAddress) return false;
            _active++;
            _perAddress[address] = count + 1;
            return true;
        }
    }

    public void Leave(IPAddress address)
    {
        lock (_gate)
        {
            _active--;
            if (_perAddress.TryGetValue(address, out int c) && c > 1) _perAddress[address] = c - 1;
            else _perAddress.Remove(address);
        }
    }
}
