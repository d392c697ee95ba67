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
    private readonly List<(TcpListener Listener, SmtpListenerMode Mode)> _listeners = new();
    private readonly List<SmtpEndpoint> _endpoints = new();
    private readonly List<Task> _acceptLoops = new();
    private readonly ConcurrentDictionary<long, (SmtpConnection Connection, Task Task)> _sessions = new();
    private readonly ConnectionLimiter _limiter = new();
    private readonly CancellationTokenSource _abort = new();
    private long _nextId;
    private volatile bool _stopping;

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
        if (IsRunning || _stopping) throw new InvalidOperationException("The server was already started.");
        var wanted = _options.Listeners.Count > 0 ? _options.Listeners.ToList() : new List<SmtpListenerOptions> { new(SmtpListenerMode.Smtp, 2525) };
        try
        {
            foreach (var l in wanted)
            {
                var listener = new TcpListener(l.Address, l.Port);
                listener.Server.NoDelay = true;
                listener.Start(512);
                _listeners.Add((listener, l.Mode));
                _endpoints.Add(new SmtpEndpoint(l.Mode, (IPEndPoint)listener.LocalEndpoint));
            }
        }
        catch
        {
            foreach (var (listener, _) in _listeners) listener.Stop();
            _listeners.Clear();
            _endpoints.Clear();
            throw;
        }
        IsRunning = true;
        foreach (var (listener, mode) in _listeners)
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener, mode)));
        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync(TcpListener listener, SmtpListenerMode mode)
    {
        while (!_stopping)
        {
            Socket socket;
            try { socket = await listener.AcceptSocketAsync().ConfigureAwait(false); }
            catch (ObjectDisposedException) { break; }
            catch (SocketException) when (_stopping) { break; }
            catch (SocketException) { continue; }
            catch (InvalidOperationException) { break; }
            Accept(socket, mode);
        }
    }

    private void Accept(Socket socket, SmtpListenerMode mode)
    {
        Interlocked.Increment(ref Statistics._connections);
        socket.NoDelay = true;
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        bool admitted = !_stopping && _limiter.TryEnter(address, _options.MaxConnections, _options.MaxConnectionsPerAddress);
        long id = Interlocked.Increment(ref _nextId);
        if (!admitted)
        {
            Interlocked.Increment(ref Statistics._rejectedConnections);
            _ = RejectAsync(socket, id, mode);
            return;
        }
        Interlocked.Increment(ref Statistics._activeSessions);
        var connection = new SmtpConnection(this, _options, socket, mode, id, _abort.Token);
        var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _sessions[id] = (connection, tcs.Task);
        _ = Task.Run(async () =>
        {
            try { await connection.RunAsync().ConfigureAwait(false); }
            finally
            {
                _limiter.Leave(address);
                Interlocked.Decrement(ref Statistics._activeSessions);
                _sessions.TryRemove(id, out _);
                tcs.TrySetResult(true);
            }
        });
        if (_stopping) connection.RequestStop();
    }

    private async Task RejectAsync(Socket socket, long id, SmtpListenerMode mode)
    {
        try
        {
            // 421 at connect (RFC 5321 §3.8). On an SMTPS port a clear-text reply would be read as
            // a broken TLS record, so the connection is just closed there.
            var endPoint = socket.RemoteEndPoint as IPEndPoint;
            try { _options.ProtocolLog?.Invoke(new SmtpLogEntry(id, endPoint, SmtpLogDirection.Sent, SmtpReply.TooManyConnections + " (connection limit)")); } catch { }
            if (mode == SmtpListenerMode.Smtps) return;
            var bytes = Encoding.ASCII.GetBytes(SmtpReply.TooManyConnections + "\r\n");
            using var stream = new NetworkStream(socket, ownsSocket: true);
            await stream.WriteAsync(bytes, 0, bytes.Length).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
            // Give the client a moment to read the reply before the socket closes.
            var drain = new byte[256];
            var read = stream.ReadAsync(drain, 0, drain.Length);
            await Task.WhenAny(read, Task.Delay(1000)).ConfigureAwait(false);
        }
        catch { }
        finally { try { socket.Dispose(); } catch { } }
    }

    /// <summary>Graceful stop: stops accepting; sessions waiting for a command get 421 4.3.2 at
    /// once, busy sessions (DATA, delivery) finish their step and get 421 at their next command.
    /// When <paramref name="cancellationToken"/> fires first, the remaining sessions are aborted.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!IsRunning) return;
        _stopping = true;
        foreach (var (listener, _) in _listeners) { try { listener.Stop(); } catch { } }
        try { await Task.WhenAll(_acceptLoops).ConfigureAwait(false); } catch { }
        foreach (var s in _sessions.Values) s.Connection.RequestStop();
        var all = Task.WhenAll(_sessions.Values.Select(s => s.Task).ToArray());
        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(() => cancelled.TrySetResult(true)))
        {
            if (await Task.WhenAny(all, cancelled.Task).ConfigureAwait(false) != all)
            {
                _abort.Cancel();
                foreach (var s in _sessions.Values) s.Connection.Abort();
                try { await all.ConfigureAwait(false); } catch { }
            }
        }
        IsRunning = false;
    }

    /// <summary>Aborts everything at once (no graceful 421).</summary>
    public void Dispose()
    {
        _stopping = true;
        foreach (var (listener, _) in _listeners) { try { listener.Stop(); } catch { } }
        _abort.Cancel();
        foreach (var s in _sessions.Values) s.Connection.Abort();
        IsRunning = false;
    }
}
