using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Hosting;

/// <summary>
/// The listener side every protocol server shares: bind every listener or none, accept, admit
/// within the connection limits (refusing with the protocol's words), run and track the
/// sessions, count them, and stop within a bound (sessions are asked to stop; those still busy
/// when the grace ends are aborted; the stop returns even if one of them does not end).
/// A protocol server adds its connection type, its refusal line and its shared state.
/// </summary>
public abstract class ProtocolServer<TMode, TOptions> : IDisposable
    where TMode : struct, Enum
    where TOptions : ServerOptions<TMode>
{
    /// <summary>How long a stop waits for aborted sessions to end before it returns anyway.</summary>
    private static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(2);

    private readonly string _protocol;
    private readonly (TMode Mode, int Port) _defaultListener;
    private readonly List<(TcpListener Listener, TMode Mode)> _listeners = new();
    private readonly List<ServerEndpoint<TMode>> _endpoints = new();
    private readonly List<Task> _acceptLoops = new();
    private readonly ConcurrentDictionary<long, (ProtocolConnection Connection, Task Task)> _sessions = new();
    private readonly CancellationTokenSource _abort = new();
    private long _nextId;
    private volatile bool _stopping;

    private protected ProtocolServer(string protocol, TOptions options, TMode defaultMode, int defaultPort)
    {
        _protocol = protocol;
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _defaultListener = (defaultMode, defaultPort);
        try { options.Validate(); }
        catch (ArgumentException ex) { throw new ArgumentException(ex.Message, nameof(options)); }
    }

    public TOptions Options { get; }
    public ServerStatistics Statistics { get; } = new();
    /// <summary>The bound end points (valid after <see cref="StartAsync"/>).</summary>
    public IReadOnlyList<ServerEndpoint<TMode>> Endpoints => _endpoints;
    public bool IsRunning { get; private set; }
    /// <summary>Open sessions overall and per client address; a MailServer shares one between its protocols.</summary>
    internal ConnectionLimiter<IPAddress> ConnectionLimits { get; set; } = new();

    /// <summary>A new session on an admitted socket.</summary>
    private protected abstract ProtocolConnection CreateConnection(Socket socket, TMode mode, long id, CancellationToken abort);

    /// <summary>The line that refuses a client over a limit; null on an implicit-TLS listener, where clear text would read as a broken TLS record.</summary>
    private protected abstract string? RefusalLine(TMode mode);

    /// <summary>Binds every listener and starts accepting. Throws (and binds nothing) when a port is taken.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning || _stopping) throw new InvalidOperationException("The server was already started.");
        var wanted = Options.Listeners.Count > 0 ? Options.Listeners.ToList() : new List<ListenerOptions<TMode>> { new(_defaultListener.Mode, _defaultListener.Port) };
        try
        {
            foreach (var l in wanted)
            {
                var listener = new TcpListener(l.Address, l.Port);
                listener.Server.NoDelay = true;
                listener.Start(512);
                _listeners.Add((listener, l.Mode));
            }
        }
        catch
        {
            foreach (var (listener, _) in _listeners) listener.Stop();
            _listeners.Clear();
            throw;
        }
        foreach (var (listener, mode) in _listeners)
        {
            _endpoints.Add(new ServerEndpoint<TMode>(mode, (IPEndPoint)listener.LocalEndpoint));
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener, mode)));
        }
        IsRunning = true;
        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync(TcpListener listener, TMode mode)
    {
        while (!_stopping)
        {
            Socket socket;
            try { socket = await listener.AcceptSocketAsync().ConfigureAwait(false); }
            catch (ObjectDisposedException) { break; }
            catch (SocketException) when (_stopping) { break; }
            catch (SocketException) { continue; }
            catch (InvalidOperationException) { break; }
            socket.NoDelay = true;
            Accept(socket, mode);
        }
    }

    private void Accept(Socket socket, TMode mode)
    {
        Interlocked.Increment(ref Statistics._connections);
        var remote = socket.RemoteEndPoint as IPEndPoint;
        var address = remote?.Address ?? IPAddress.None;
        long id = Interlocked.Increment(ref _nextId);
        if (_stopping || !ConnectionLimits.TryEnter(address, Options.MaxConnections, Options.MaxConnectionsPerAddress))
        {
            Interlocked.Increment(ref Statistics._rejectedConnections);
            var line = RefusalLine(mode);
            try { Options.ProtocolLog?.Invoke(new ProtocolLogEntry(_protocol, id, remote, ProtocolLogDirection.Sent, (line ?? "<closed>") + " (connection limit)")); } catch { }
            _ = RefuseAsync(socket, line);
            return;
        }
        Interlocked.Increment(ref Statistics._activeSessions);
        ProtocolConnection connection;
        try { connection = CreateConnection(socket, mode, id, _abort.Token); }
        catch
        {
            End(address);
            try { socket.Dispose(); } catch { }
            throw;
        }
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _sessions[id] = (connection, done.Task);
        _ = Task.Run(async () =>
        {
            try { await connection.RunAsync().ConfigureAwait(false); }
            finally
            {
                End(address);
                _sessions.TryRemove(id, out _);
                done.TrySetResult(true);
            }
        });
        if (_stopping) connection.RequestStop();
    }

    private void End(IPAddress address)
    {
        ConnectionLimits.Leave(address);
        Interlocked.Decrement(ref Statistics._activeSessions);
    }

    /// <summary>Writes the refusal, gives the client a moment to read it, and closes.</summary>
    private static async Task RefuseAsync(Socket socket, string? line)
    {
        try
        {
            if (line == null) return;
            var bytes = Encoding.ASCII.GetBytes(line + "\r\n");
            using var stream = new NetworkStream(socket, ownsSocket: true);
            await stream.WriteAsync(bytes, 0, bytes.Length).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
            var drain = new byte[256];
            await Task.WhenAny(stream.ReadAsync(drain, 0, drain.Length), Task.Delay(1000)).ConfigureAwait(false);
        }
        catch { /* the client went away first: nothing to tell it */ }
        finally { try { socket.Dispose(); } catch { } }
    }

    /// <summary>
    /// Graceful stop: stops accepting; sessions waiting for a command are told at once, busy ones
    /// (a message being received or delivered) at their next command. Sessions still open when
    /// <see cref="ServerOptions.StopGrace"/> ends, or when the token fires first, are aborted; the
    /// stop returns at most a moment later, even if a session does not end.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!IsRunning) return;
        _stopping = true;
        foreach (var (listener, _) in _listeners) { try { listener.Stop(); } catch { } }
        await Task.WhenAny(Task.WhenAll(_acceptLoops), Task.Delay(AbortWait)).ConfigureAwait(false);
        foreach (var s in _sessions.Values) s.Connection.RequestStop();
        using (var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            grace.CancelAfter(Options.StopGrace);
            if (!await WaitForSessionsAsync(grace.Token).ConfigureAwait(false))
            {
                AbortSessions();
                using var wait = new CancellationTokenSource(AbortWait);
                await WaitForSessionsAsync(wait.Token).ConfigureAwait(false);
            }
        }
        IsRunning = false;
    }

    /// <summary>True when every session ended before the token fired.</summary>
    private async Task<bool> WaitForSessionsAsync(CancellationToken token)
    {
        var all = Task.WhenAll(_sessions.Values.Select(s => s.Task).ToArray());
        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (token.Register(() => cancelled.TrySetResult(true)))
            return await Task.WhenAny(all, cancelled.Task).ConfigureAwait(false) == all;
    }

    private void AbortSessions()
    {
        _abort.Cancel();
        foreach (var s in _sessions.Values) s.Connection.Abort();
    }

    /// <summary>Aborts everything at once.</summary>
    public void Dispose()
    {
        _stopping = true;
        foreach (var (listener, _) in _listeners) { try { listener.Stop(); } catch { } }
        AbortSessions();
        IsRunning = false;
    }
}
