using System.Net.Sockets;
using System.Text;
using MailAdmin.Hosting.Http;
using Xunit;

namespace MailAdmin.Engine.Tests.Http;

/// <summary>The HTTP server on a real socket: keep-alive, HEAD, limits and timeouts as a raw client sees them.</summary>
public class HttpServerTests
{
    private static HttpServer Start(HttpLimits? limits = null)
    {
        var server = new HttpServer(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), limits ?? new HttpLimits(), null,
            (request, _) => Task.FromResult(HttpResponse.Text("you asked " + request.Method + " " + request.Path)));
        server.Start();
        return server;
    }

    private static async Task<string> ExchangeAsync(HttpServer server, string requestText)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, server.EndPoint.Port);
        var stream = client.GetStream();
        var bytes = Encoding.ASCII.GetBytes(requestText);
        await stream.WriteAsync(bytes);
        client.Client.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task KeepAliveServesSeveralRequestsOnOneConnection()
    {
        using var server = Start();
        var answer = await ExchangeAsync(server, "GET /one HTTP/1.1\r\nHost: localhost\r\n\r\nGET /two HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Contains("you asked GET /one", answer);
        Assert.Contains("you asked GET /two", answer);
        Assert.Equal(2, answer.Split("HTTP/1.1 200 OK").Length - 1);
    }

    [Fact]
    public async Task HeadHasTheLengthButNoBody()
    {
        using var server = Start();
        var answer = await ExchangeAsync(server, "HEAD /x HTTP/1.1\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", answer);
        Assert.Contains("Content-Length: " + Encoding.UTF8.GetByteCount("you asked HEAD /x"), answer);
        Assert.EndsWith("\r\n\r\n", answer);
    }

    [Fact]
    public async Task LimitsAreAnsweredAndTheConnectionClosed()
    {
        using var server = Start(new HttpLimits { MaxBodyBytes = 10, MaxHeaderBytes = 1024 });
        Assert.StartsWith("HTTP/1.1 413 ", await ExchangeAsync(server, "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n01234567890GET / HTTP/1.1\r\n\r\n"));
        Assert.StartsWith("HTTP/1.1 431 ", await ExchangeAsync(server, "GET / HTTP/1.1\r\nX: " + new string('a', 2000) + "\r\n\r\n"));
        Assert.StartsWith("HTTP/1.1 400 ", await ExchangeAsync(server, "BAD\r\n\r\n"));
    }

    [Theory]
    [InlineData("127.0.0.1:8025", "200")]
    [InlineData("localhost:8025", "200")]
    [InlineData("[::1]:8025", "200")]
    [InlineData("app.localhost", "200")]
    [InlineData("evil.example:8025", "403")]
    [InlineData("127.0.0.1.evil.example", "403")]
    public async Task WithoutAPasswordOnlyLocalHostNamesAreServed(string host, string status)
    {
        // DNS rebinding: a page whose name now points at 127.0.0.1 still sends its own name as Host.
        using var server = Start();
        var answer = await ExchangeAsync(server, $"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 " + status + " ", answer);
    }

    [Fact]
    public async Task ASlowClientIsDisconnected()
    {
        using var server = Start(new HttpLimits { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, server.EndPoint.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n"));
        var buffer = new byte[100];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, read);
    }
}
