using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Smtp;

namespace MailAdmin.Hosting;

/// <summary>A bound listener: its mode and the real local end point (the port is known even when 0 was asked).</summary>
public sealed class SmtpEndpoint
{
    internal SmtpEndpoint(SmtpListenerMode mode, IPEndPoint endPoint) { Mode = mode; EndPoint = endPoint; }
    public SmtpListenerMode Mode { get; }
    public IPEndPoint EndPoint { get; }
    public int Port => EndPoint.Port;
    public override string ToString() => Mode + " " + EndPoint;
}

/// <summary>The SMTP server: one or more listeners (SMTP, submission, SMTPS) sharing a backend,
/// limits and statistics.</summary>
public sealed class SmtpServer : IDisposable
{
    private readonly SmtpServerOptions _options;
    private readonly List<SmtpEndpoint> _endpoints = new();
    private readonly TcpServiceHost<SmtpListenerMode> _host = new();

    public SmtpServer(SmtpServerOptions options, ISmtpBackend backend)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Backend = backend ?? throw new ArgumentNullException(nameof(backend));
        if (options.Certificate != null && !options.Certificate.HasPrivateKey)
            throw new ArgumentException("The certificate has no private key.", nameof(options));
        if (options.Listeners.Any(l => l.Mode == SmtpListenerMode.Smtps) && options.Certificate == null)
            throw new ArgumentException("An SMTPS listener needs a certificate.", nameof(options));
        if (options.Listeners.Any(l => l.Mode == SmtpListenerMode.Submission) && options.Certificate == null && !options.AllowInsecureAuth)
            throw new ArgumentException("A submission listener needs a certificate (for STARTTLS before AUTH) or AllowInsecureAuth.", nameof(options));
    }

    public ISmtpBackend Backend { get; }
    public SmtpServerOptions Options => _options;
    public SmtpServerStatistics Statistics { get; } = new();
    /// <summary>The bound end points (valid after <see cref="StartAsync"/>).</summary>
    public IReadOnlyList<SmtpEndpoint> Endpoints => _endpoints;
    public bool IsRunning { get; private set; }

    /// <summary>Binds every listener and starts accepting. Throws (and binds nothing) when a port is taken.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning) throw new InvalidOperationException("The server was already started.");
        var wanted = _options.Listeners.Count > 0 ? _options.Listeners.ToList() : new List<SmtpListenerOptions> { new(SmtpListenerMode.Smtp, 2525) };
        foreach (var (mode, endPoint) in _host.Bind(wanted.Select(l => (l.Address, l.Port, l.Mode))))
            _endpoints.Add(new SmtpEndpoint(mode, endPoint));
        IsRunning = true;
        _host.StartAccepting(Accept);
        return Task.CompletedTask;
    }

    private void Accept(Socket socket, SmtpListenerMode mode)
    {
        Interlocked.Increment(ref Statistics._connections);
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        long id = _host.NextSessionId();
        if (!_host.TryAdmit(address, _options.MaxConnections, _options.MaxConnectionsPerAddress))
        {
            Interlocked.Increment(ref Statistics._rejectedConnections);
            // 421 at connect (RFC 5321 §3.8); nothing on SMTPS, where clear text would break TLS.
            try { _options.ProtocolLog?.Invoke(new SmtpLogEntry(id, socket.RemoteEndPoint as IPEndPoint, SmtpLogDirection.Sent, SmtpReply.TooManyConnections + " (connection limit)")); } catch { }
            _ = TcpServiceHost<SmtpListenerMode>.RefuseAsync(socket, mode == SmtpListenerMode.Smtps ? null : SmtpReply.TooManyConnections.ToString());
            return;
        }
        Interlocked.Increment(ref Statistics._activeSessions);
        var connection = new SmtpConnection(this, _options, socket, mode, id, _host.AbortToken);
        _host.Run(id, address, connection, () => Interlocked.Decrement(ref Statistics._activeSessions));
    }

    /// <summary>Graceful stop: stops accepting; sessions waiting for a command get 421 4.3.2 at once, busy sessions (DATA, delivery) finish their step and get 421 at their next command. When the token fires first, the remaining sessions are aborted.</summary>
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
