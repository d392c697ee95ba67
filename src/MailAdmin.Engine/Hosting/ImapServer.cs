using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Imap;
using MailAdmin.Store;

namespace MailAdmin.Hosting;

/// <summary>A bound IMAP listener: its mode and real local end point.</summary>
public sealed class ImapEndpoint
{
    internal ImapEndpoint(ImapListenerMode mode, IPEndPoint endPoint) { Mode = mode; EndPoint = endPoint; }
    public ImapListenerMode Mode { get; }
    public IPEndPoint EndPoint { get; }
    public int Port => EndPoint.Port;
    public override string ToString() => Mode + " " + EndPoint;
}

/// <summary>The IMAP server over an <see cref="IMailStore"/>: listeners (IMAP with STARTTLS, IMAPS),
/// limits, statistics, protocol log, graceful stop. See docs/imap.md.</summary>
public sealed class ImapServer : IDisposable
{
    private readonly ImapServerOptions _options;
    private readonly List<ImapEndpoint> _endpoints = new();
    private readonly Dictionary<string, int> _perAccount = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();
    private readonly TcpServiceHost<ImapListenerMode> _host = new();

    public ImapServer(ImapServerOptions options, IMailStore store)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Store = store ?? throw new ArgumentNullException(nameof(store));
        if (options.Certificate != null && !options.Certificate.HasPrivateKey)
            throw new ArgumentException("The certificate has no private key.", nameof(options));
        if (options.Listeners.Any(l => l.Mode == ImapListenerMode.Imaps) && options.Certificate == null)
            throw new ArgumentException("An IMAPS listener needs a certificate.", nameof(options));
        if (options.Certificate == null && !options.AllowInsecureAuth)
            throw new ArgumentException("Nobody could log in: set a certificate (STARTTLS/IMAPS) or AllowInsecureAuth.", nameof(options));
        if (options.IdleTimeout <= TimeSpan.Zero || options.LoginTimeout <= TimeSpan.Zero) throw new ArgumentException("Timeouts must be positive.", nameof(options));
    }

    public IMailStore Store { get; }
    public ImapServerOptions Options => _options;
    public ImapServerStatistics Statistics { get; } = new();
    public IReadOnlyList<ImapEndpoint> Endpoints => _endpoints;
    public bool IsRunning { get; private set; }
    internal ImapSubscriptions Subscriptions { get; } = new();

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning) throw new InvalidOperationException("The server was already started.");
        var wanted = _options.Listeners.Count > 0 ? _options.Listeners.ToList() : new List<ImapListenerOptions> { new(ImapListenerMode.Imap, 1143) };
        foreach (var (mode, endPoint) in _host.Bind(wanted.Select(l => (l.Address, l.Port, l.Mode))))
            _endpoints.Add(new ImapEndpoint(mode, endPoint));
        IsRunning = true;
        _host.StartAccepting(Accept);
        return Task.CompletedTask;
    }

    /// <summary>Counts a logged-in session against its account's connection limit; false when over it.</summary>
    internal bool AcquireAccount(string account)
    {
        lock (_gate)
        {
            _perAccount.TryGetValue(account, out int n);
            if (n >= _options.MaxConnectionsPerAccount) return false;
            _perAccount[account] = n + 1;
            return true;
        }
    }

    internal void ReleaseAccount(string account)
    {
        lock (_gate)
        {
            if (_perAccount.TryGetValue(account, out int n) && n > 1) _perAccount[account] = n - 1;
            else _perAccount.Remove(account);
        }
    }

    private void Accept(Socket socket, ImapListenerMode mode)
    {
        Interlocked.Increment(ref Statistics._connections);
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        long id = _host.NextSessionId();
        if (!_host.TryAdmit(address, _options.MaxConnections, _options.MaxConnectionsPerAddress))
        {
            Interlocked.Increment(ref Statistics._rejectedConnections);
            const string bye = "* BYE [UNAVAILABLE] Too many connections, try later";
            try { _options.ProtocolLog?.Invoke(new ImapLogEntry(id, socket.RemoteEndPoint as IPEndPoint, ImapLogDirection.Sent, bye + " (connection limit)")); } catch { }
            _ = TcpServiceHost<ImapListenerMode>.RefuseAsync(socket, mode == ImapListenerMode.Imaps ? null : bye);
            return;
        }
        Interlocked.Increment(ref Statistics._activeSessions);
        var connection = new ImapConnection(this, _options, socket, mode, id, _host.AbortToken);
        _host.Run(id, address, connection, () => Interlocked.Decrement(ref Statistics._activeSessions));
    }

    /// <summary>Graceful stop: stops accepting; sessions waiting for a command or in IDLE get "* BYE" at once, busy ones after their command. When the token fires first, the rest are aborted.</summary>
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
