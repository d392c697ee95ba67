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
    private readonly List<(TcpListener Listener, ImapListenerMode Mode)> _listeners = new();
    private readonly List<ImapEndpoint> _endpoints = new();
    private readonly List<Task> _acceptLoops = new();
    private readonly ConcurrentDictionary<long, (ImapConnection Connection, Task Task)> _sessions = new();
    private readonly Dictionary<IPAddress, int> _perAddress = new();
    private readonly Dictionary<string, int> _perAccount = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();
    private readonly CancellationTokenSource _abort = new();
    private long _nextId;
    private int _active;
    private volatile bool _stopping;

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
        if (IsRunning || _stopping) throw new InvalidOperationException("The server was already started.");
        var wanted = _options.Listeners.Count > 0 ? _options.Listeners.ToList() : new List<ImapListenerOptions> { new(ImapListenerMode.Imap, 1143) };
        try
        {
            foreach (var l in wanted)
            {
                var listener = new TcpListener(l.Address, l.Port);
                listener.Server.NoDelay = true;
                listener.Start(512);
                _listeners.Add((listener, l.Mode));
                _endpoints.Add(new ImapEndpoint(l.Mode, (IPEndPoint)listener.LocalEndpoint));
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

    private async Task AcceptLoopAsync(TcpListener listener, ImapListenerMode mode)
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
        socket.NoDelay = true;
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        bool admitted;
        lock (_gate)
        {
            _perAddress.TryGetValue(address, out int count);
            admitted = !_stopping && _active < _options.MaxConnections && count < _options.MaxConnectionsPerAddress;
            if (admitted)
            {
                _active++;
                _perAddress[address] = count + 1;
            }
        }
        long id = Interlocked.Increment(ref _nextId);
        if (!admitted)
        {
            Interlocked.Increment(ref Statistics._rejectedConnections);
            _ = RejectAsync(socket, id, mode);
            return;
        }
        Interlocked.Increment(ref Statistics._activeSessions);
        var connection = new ImapConnection(this, _options, socket, mode, id, _abort.Token);
        var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _sessions[id] = (connection, tcs.Task);
        _ = Task.Run(async () =>
        {
            try { await connection.RunAsync().ConfigureAwait(false); }
            finally
            {
                lock (_gate)
                {
                    _active--;
                    if (_perAddress.TryGetValue(address, out int c) && c > 1) _perAddress[address] = c - 1;
                    else _perAddress.Remove(address);
                }
                Interlocked.Decrement(ref Statistics._activeSessions);
                _sessions.TryRemove(id, out _);
                tcs.TrySetResult(true);
            }
        });
        if (_stopping) connection.RequestStop();
    }

    private async Task RejectAsync(Socket socket, long id, ImapListenerMode mode)
    {
        try
        {
            const string bye = "* BYE [UNAVAILABLE] Too many connections, try later";
            try { _options.ProtocolLog?.Invoke(new ImapLogEntry(id, socket.RemoteEndPoint as IPEndPoint, ImapLogDirection.Sent, bye + " (connection limit)")); } catch { }
            if (mode == ImapListenerMode.Imaps) return;
            var bytes = Encoding.ASCII.GetBytes(bye + "\r\n");
            using var stream = new NetworkStream(socket, ownsSocket: true);
            await stream.WriteAsync(bytes, 0, bytes.Length).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
            var drain = new byte[256];
            var read = stream.ReadAsync(drain, 0, drain.Length);
            await Task.WhenAny(read, Task.Delay(1000)).ConfigureAwait(false);
        }
        catch { }
        finally { try { socket.Dispose(); } catch { } }
    }

    /// <summary>Graceful stop: stops accepting; sessions waiting for a command or in IDLE get
    /// "* BYE" at once, busy ones after their command. When <paramref name="cancellationToken"/>
    /// fires first, the rest are aborted.</summary>
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

    public void Dispose()
    {
        _stopping = true;
        foreach (var (listener, _) in _listeners) { try { listener.Stop(); } catch { } }
        _abort.Cancel();
        foreach (var s in _sessions.Values) s.Connection.Abort();
        IsRunning = false;
    }
}
