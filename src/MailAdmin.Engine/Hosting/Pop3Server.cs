using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Pop3;
using MailAdmin.Store;

namespace MailAdmin.Hosting;

/// <summary>A bound POP3 listener: its mode and the real local end point (the port is known even when 0 was asked).</summary>
public sealed class Pop3Endpoint
{
    internal Pop3Endpoint(Pop3ListenerMode mode, IPEndPoint endPoint) { Mode = mode; EndPoint = endPoint; }
    public Pop3ListenerMode Mode { get; }
    public IPEndPoint EndPoint { get; }
    public int Port => EndPoint.Port;
    public override string ToString() => Mode + " " + EndPoint;
}

/// <summary>The POP3 server (RFC 1939, 2449, 2595, 5034) over the INBOX of each account of a store:
/// one or more listeners (POP3 with STLS, POP3S) sharing limits, statistics and the per-account
/// maildrop locks.</summary>
public sealed class Pop3Server : IDisposable
{
    private readonly Pop3ServerOptions _options;
    private readonly List<Pop3Endpoint> _endpoints = new();
    private readonly TcpServiceHost<Pop3ListenerMode> _host = new();

    public Pop3Server(Pop3ServerOptions options, IMailStore store)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Store = store ?? throw new ArgumentNullException(nameof(store));
        if (options.Certificate != null && !options.Certificate.HasPrivateKey)
            throw new ArgumentException("The certificate has no private key.", nameof(options));
        if (options.Listeners.Any(l => l.Mode == Pop3ListenerMode.Pop3s) && options.Certificate == null)
            throw new ArgumentException("A POP3S listener needs a certificate.", nameof(options));
        if (options.IdleTimeout <= TimeSpan.Zero)
            throw new ArgumentException("IdleTimeout must be positive.", nameof(options));
    }

    public IMailStore Store { get; }
    public Pop3ServerOptions Options => _options;
    public Pop3ServerStatistics Statistics { get; } = new();
    /// <summary>The bound end points (valid after <see cref="StartAsync"/>).</summary>
    public IReadOnlyList<Pop3Endpoint> Endpoints => _endpoints;
    public bool IsRunning { get; private set; }

    internal Pop3MailboxLocks Locks { get; } = new();
    internal Pop3SizeCache Sizes { get; } = new();

    /// <summary>Binds every listener and starts accepting. Throws (and binds nothing) when a port is taken.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning) throw new InvalidOperationException("The server was already started.");
        var wanted = _options.Listeners.Count > 0 ? _options.Listeners.ToList() : new List<Pop3ListenerOptions> { new(Pop3ListenerMode.Pop3, 1110) };
        foreach (var (mode, endPoint) in _host.Bind(wanted.Select(l => (l.Address, l.Port, l.Mode))))
            _endpoints.Add(new Pop3Endpoint(mode, endPoint));
        IsRunning = true;
        _host.StartAccepting(Accept);
        return Task.CompletedTask;
    }

    private void Accept(Socket socket, Pop3ListenerMode mode)
    {
        Interlocked.Increment(ref Statistics._connections);
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        long id = _host.NextSessionId();
        if (!_host.TryAdmit(address, _options.MaxConnections, _options.MaxConnectionsPerAddress))
        {
            Interlocked.Increment(ref Statistics._rejectedConnections);
            const string reply = "-ERR [SYS/TEMP] Too many connections, try again later";
            try { _options.ProtocolLog?.Invoke(new ProtocolLogEntry("POP3", id, socket.RemoteEndPoint as IPEndPoint, ProtocolLogDirection.Sent, reply + " (connection limit)")); } catch { }
            _ = TcpServiceHost<Pop3ListenerMode>.RefuseAsync(socket, mode == Pop3ListenerMode.Pop3s ? null : reply);
            return;
        }
        Interlocked.Increment(ref Statistics._activeSessions);
        var connection = new Pop3Connection(this, _options, socket, mode, id, _host.AbortToken);
        _host.Run(id, address, connection, () => Interlocked.Decrement(ref Statistics._activeSessions));
    }

    /// <summary>Graceful stop: stops accepting; sessions waiting for a command get "-ERR [SYS/TEMP] Server shutting down" at once (nothing is deleted: no UPDATE state), busy sessions finish their command first. When the token fires first, the rest are aborted.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!IsRunning) return;
        await _host.StopAsync(cancellationToken).ConfigureAwait(false);
        IsRunning = false;
    }

    /// <summary>Aborts everything at once.</summary>
    public void Dispose()
    {
        _host.Abort();
        IsRunning = false;
    }
}
