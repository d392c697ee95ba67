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

/// <summary>What a protocol connection offers the host that runs it.</summary>
internal interface IHostedConnection
{
    /// <summary>The whole session; ends when the connection closes.</summary>
    Task RunAsync();

    /// <summary>Graceful stop: say goodbye at the next point the protocol allows.</summary>
    void RequestStop();

    /// <summary>Close at once.</summary>
    void Abort();
}

/// <summary>
/// The plumbing the SMTP, IMAP and POP3 servers share: bind every listener or none, accept,
/// admit within the connection limits, track the sessions, and stop gracefully (sessions are
/// asked to stop; when the caller's token fires first, the rest are aborted). Each server keeps
/// what is its own: statistics, the connection type, and the words it refuses a client with.
/// </summary>
internal sealed class TcpServiceHost<TMode>
{
    private readonly List<(TcpListener Listener, TMode Mode)> _listeners = new();
    private readonly List<Task> _acceptLoops = new();
    private readonly ConcurrentDictionary<long, (IHostedConnection Connection, Task Task)> _sessions = new();
    private readonly ConnectionLimiter _limiter = new();
    private readonly CancellationTokenSource _abort = new();
    private long _nextId;
    private volatile bool _stopping;

    /// <summary>Cancelled when sessions are aborted (a hard stop, or a graceful stop that ran out of time).</summary>
    public CancellationToken AbortToken => _abort.Token;

    public bool IsStopping => _stopping;

    /// <summary>Binds every listener, or none when one fails (a port in use); returns the real end points.</summary>
    public IReadOnlyList<(TMode Mode, IPEndPoint EndPoint)> Bind(IEnumerable<(IPAddress Address, int Port, TMode Mode)> wanted)
    {
        if (_listeners.Count > 0 || _stopping) throw new InvalidOperationException("The server was already started.");
        try
        {
            foreach (var (address, port, mode) in wanted)
            {
                var listener = new TcpListener(address, port);
                listener.Server.NoDelay = true;
                listener.Start(512);
                _listeners.Add((listener, mode));
            }
        }
        catch
        {
            foreach (var (listener, _) in _listeners) listener.Stop();
            _listeners.Clear();
            throw;
        }
        return _listeners.Select(l => (l.Mode, (IPEndPoint)l.Listener.LocalEndpoint)).ToList();
    }

    /// <summary>Starts one accept loop per listener; <paramref name="accept"/> gets each new socket.</summary>
    public void StartAccepting(Action<Socket, TMode> accept)
    {
        foreach (var (listener, mode) in _listeners)
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener, mode, accept)));
    }

    private async Task AcceptLoopAsync(TcpListener listener, TMode mode, Action<Socket, TMode> accept)
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
            accept(socket, mode);
        }
    }

    public long NextSessionId() => Interlocked.Increment(ref _nextId);

    /// <summary>Admits a client address within the limits (and not while stopping); admitted ones must end with <see cref="Run"/>.</summary>
    public bool TryAdmit(IPAddress address, int maxConnections, int maxPerAddress) =>
        !_stopping && _limiter.TryEnter(address, maxConnections, maxPerAddress);

    /// <summary>Runs an admitted session and tracks it; <paramref name="onEnd"/> runs when it ends.</summary>
    public void Run(long id, IPAddress address, IHostedConnection connection, Action onEnd)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _sessions[id] = (connection, done.Task);
        _ = Task.Run(async () =>
        {
            try { await connection.RunAsync().ConfigureAwait(false); }
            finally
            {
                _limiter.Leave(address);
                onEnd();
                _sessions.TryRemove(id, out _);
                done.TrySetResult(true);
            }
        });
        if (_stopping) connection.RequestStop();
    }

    /// <summary>
    /// Refuses a client that is over a limit: writes <paramref name="line"/> (none on an
    /// implicit-TLS port, where clear text would read as a broken TLS record), gives the client a
    /// moment to read it, and closes.
    /// </summary>
    public static async Task RefuseAsync(Socket socket, string? line)
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

    /// <summary>Graceful stop: no more accepting; sessions are asked to stop; when the token fires first, the rest are aborted.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
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
    }

    /// <summary>Hard stop: listeners closed and every session aborted at once.</summary>
    public void Abort()
    {
        _stopping = true;
        foreach (var (listener, _) in _listeners) { try { listener.Stop(); } catch { } }
        _abort.Cancel();
        foreach (var s in _sessions.Values) s.Connection.Abort();
    }
}
