using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// A small HTTP/1.1 server on a TcpListener (HttpListener cannot bind port 0, which -FreePorts
/// needs, and wants URL ACLs on Windows): keep-alive, HEAD, Content-Length bodies, size limits and
/// timeouts (<see cref="HttpLimits"/>), optional Basic authentication. Requests go to one handler.
/// </summary>
internal sealed class HttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<HttpRequest, CancellationToken, Task<HttpResponse>> _handler;
    private readonly HttpLimits _limits;
    private readonly BasicAuthentication? _authentication;
    private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
    private readonly ConcurrentDictionary<TcpClient, byte> _connections = new ConcurrentDictionary<TcpClient, byte>();
    private Task? _acceptLoop;

    public HttpServer(IPEndPoint endPoint, HttpLimits limits, BasicAuthentication? authentication, Func<HttpRequest, CancellationToken, Task<HttpResponse>> handler)
    {
        _listener = new TcpListener(endPoint);
        _limits = limits;
        _authentication = authentication;
        _handler = handler;
    }

    /// <summary>The address and port really bound (after <see cref="Start"/>).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public void Start()
    {
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Stops accepting and closes every connection (event streams included).</summary>
    public void Stop()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        try { _listener.Stop(); } catch (SocketException) { }
        foreach (var client in _connections.Keys) client.Dispose();
        try { _acceptLoop?.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
    }

    public void Dispose()
    {
        Stop();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false); }
            catch (Exception) when (_stopping.IsCancellationRequested) { return; }
            catch (SocketException) { continue; }
            if (_connections.Count >= _limits.MaxConnections)
            {
                client.Dispose();
                continue;
            }
            _connections[client] = 0;
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            client.NoDelay = true;
            using var stream = client.GetStream();
            var reader = new HttpRequestReader(stream, _limits);
            var first = true;
            while (!_stopping.IsCancellationRequested)
            {
                // The first request gets the request timeout; later ones may idle for the keep-alive timeout.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                wait.CancelAfter(first || reader.HasBufferedBytes ? _limits.RequestTimeout : _limits.KeepAliveTimeout);
                // NetworkStream reads ignore the token on some runtimes: closing the client ends them.
                using var closeOnTimeout = wait.Token.Register(() => client.Dispose());
                first = false;
                HttpRequest? request;
                try
                {
                    request = await reader.ReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (HttpStatusException ex)
                {
                    await HttpResponse.Error(ex.Status, ex.Message).WriteAsync(stream, keepAlive: false, head: false, _stopping.Token).ConfigureAwait(false);
                    return;
                }
                if (request == null) return;
                closeOnTimeout.Dispose();
                var response = await AnswerAsync(request).ConfigureAwait(false);
                var keepAlive = request.KeepAlive && response.Stream == null;
                // A client that stops reading must not hold a connection for ever (event streams excepted: they are meant to last).
                using (var writing = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
                {
                    if (response.Stream == null) writing.CancelAfter(_limits.WriteTimeout);
                    using var closeOnWriteTimeout = writing.Token.Register(() => client.Dispose());
                    await response.WriteAsync(stream, keepAlive, request.Method == "HEAD", writing.Token).ConfigureAwait(false);
                }
                if (!keepAlive) return;
            }
        }
        catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException || ex is OperationCanceledException)
        {
            // The client left, a timeout closed the connection, or the server is stopping.
        }
        finally
        {
            _connections.TryRemove(client, out _);
            client.Dispose();
        }
    }

    private async Task<HttpResponse> AnswerAsync(HttpRequest request)
    {
        if (_authentication == null && !LocalHostNames.Allows(request))
            return HttpResponse.Error(403, "Without -HttpCredential the server answers only requests to localhost or an IP address (Host: " + request.Headers["Host"] + ").");
        if (_authentication != null && !_authentication.Allows(request))
        {
            var challenge = HttpResponse.Error(401, "Authentication required.");
            challenge.Headers["WWW-Authenticate"] = "Basic realm=\"MailAdmin\", charset=\"UTF-8\"";
            return challenge;
        }
        try
        {
            // Server-Timing (W3C): the handler's own time, so a benchmark can tell it from the network's.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var response = await _handler(request, _stopping.Token).ConfigureAwait(false);
            response.Headers["Server-Timing"] = "app;dur=" + watch.Elapsed.TotalMilliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
            return response;
        }
        catch (HttpStatusException ex)
        {
            return HttpResponse.Error(ex.Status, ex.Message);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException))
        {
            return HttpResponse.Error(500, "The server failed: " + ex.Message);
        }
    }
}
