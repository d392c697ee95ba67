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
    private readonly List<(TcpListener Listener, Pop3ListenerMode Mode)> _listeners = new();
    private readonly List<Pop3Endpoint> _endpoints = new();
    private readonly List<Task> _acceptLoops = new();
    private readonly ConcurrentDictionary<long, (Pop3Connection Connection, Task Task)> _sessions = new();
    private readonly ConnectionLimiter _limiter = new();
    private readonly CancellationTokenSource _abort = new();
    private long _nextId;
    private volatile bool _stopping;

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
        if (IsRunning || _stopping) throw new InvalidOperationException("The server was already started.");
        var wanted = _options.Listeners.Count > 0 ? _options.Listeners.ToList() : new List<Pop3ListenerOptions> { new(Pop3ListenerMode.Pop3, 1110) };
        try
        {
            foreach (var l in wanted)
            {
                var listener = new TcpListener(l.Address, l.Port);
                listener.Server.NoDelay = true;
                listener.Start(512);
                _listeners.Add((listener, l.Mode));
                _endpoints.Add(new Pop3Endpoint(l.Mode, (IPEndPoint)listener.LocalEndpoint));
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

    private async Task AcceptLoopAsync(TcpListener listener, Pop3ListenerMode mode)
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

    private void Accept(Socket socket, Pop3ListenerMode mode)
    {
        Interlocked.Increment(ref Statistics._connections);
        socket.NoDelay = true;
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        long id = Interlocked.Increment(ref _nextId);
        if (_stopping || !_limiter.TryEnter(address, _options.MaxConnections, _options.MaxConnectionsPerAddress))
        {
            Interlocked.Increment(ref Statistics._rejectedConnections);
            _ = RejectAsync(socket, id, mode);
            return;
        }
        Interlocked.Increment(ref Statistics._activeSessions);
        var connection = new Pop3Connection(this, _options, socket, mode, id, _abort.Token);
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _sessions[id] = (connection, done.Task);
        _ = Task.Run(async () =>
        {
            try { await connection.RunAsync().ConfigureAwait(false); }
            finally
            {
                _limiter.Leave(address);
                Interlocked.Decrement(ref Statistics._activeSessions);
                _sessions.TryRemove(id, out _);
                done.TrySetResult(true);
            }
        });
        if (_stopping) connection.RequestStop();
    }

    private async Task RejectAsync(Socket socket, long id, Pop3ListenerMode mode)
    {
        const string reply = "-ERR [SYS/TEMP] Too many connections, try again later";
        try
        {
            try { _options.ProtocolLog?.Invoke(new ProtocolLogEntry("POP3", id, socket.RemoteEndPoint as IPEndPoint, ProtocolLogDirection.Sent, reply + " (connection limit)")); } catch { }
            if (mode == Pop3ListenerMode.Pop3s) return;   // clear text would read as a broken TLS record
            var bytes = Encoding.ASCII.GetBytes(reply + "\r\n");
            using var stream = new NetworkStream(socket, ownsSocket: true);
            await stream.WriteAsync(bytes, 0, bytes.Length).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
            var drain = new byte[256];
            await Task.WhenAny(stream.ReadAsync(drain, 0, drain.Length), Task.Delay(1000)).ConfigureAwait(false);
        }
        catch { }
        finally { try { socket.Dispose(); } catch { } }
    }

    /// <summary>Graceful stop: stops accepting; sessions waiting for a command get
    /// "-ERR [SYS/TEMP] Server shutting down" at once (nothing is deleted: no UPDATE state), busy sessions
    /// finish their command first. When <paramref name="cancellationToken"/> fires, the rest are aborted.</summary>
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

    /// <summary>Aborts everything at once.</summary>
    public void Dispose()
    {
        _stopping = true;
        foreach (var (listener, _) in _listeners) { try { listener.Stop(); } catch { } }
        _abort.Cancel();
        foreach (var s in _sessions.Values) s.Connection.Abort();
        IsRunning = false;
    }
}
