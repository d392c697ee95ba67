using System.Text;
using MailAdmin.Hosting.Http;
using Xunit;

namespace MailAdmin.Engine.Tests.Http;

/// <summary>The HTTP request parser over a byte stream: framing, keep-alive, and each limit's status code.</summary>
public class HttpRequestReaderTests
{
    private static HttpRequestReader Reader(string text, HttpLimits? limits = null) =>
        new HttpRequestReader(new MemoryStream(Encoding.ASCII.GetBytes(text)), limits ?? new HttpLimits());

    private static async Task<int> StatusOf(string text, HttpLimits? limits = null)
    {
        var ex = await Assert.ThrowsAsync<HttpStatusException>(() => Reader(text, limits).ReadAsync(CancellationToken.None));
        return ex.Status;
    }

    [Fact]
    public async Task ReadsRequestLineHeadersQueryAndBody()
    {
        var reader = Reader("DELETE /api/v1/messages?start=5&query=from%3Aann+x HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nX-A: 1\r\nx-a: 2\r\n\r\n{\"IDs\":[1]}");
        var request = await reader.ReadAsync(CancellationToken.None);
        Assert.NotNull(request);
        Assert.Equal("DELETE", request!.Method);
        Assert.Equal("/api/v1/messages", request.Path);
        Assert.Equal(5, request.QueryInt("start", 0));
        Assert.Equal("from:ann x", request.QueryValue("query"));
        Assert.Equal("1, 2", request.Headers["X-A"]);
        Assert.Equal("{\"IDs\":[1]}", Encoding.ASCII.GetString(request.Body));
        Assert.True(request.KeepAlive);
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task PipelinedRequestsAreReadOneAfterAnother()
    {
        var reader = Reader("GET /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nxyGET /b HTTP/1.0\r\n\r\n");
        var first = await reader.ReadAsync(CancellationToken.None);
        var second = await reader.ReadAsync(CancellationToken.None);
        Assert.Equal("/a", first!.Path);
        Assert.Equal("xy", Encoding.ASCII.GetString(first.Body));
        Assert.Equal("/b", second!.Path);
        Assert.False(second.KeepAlive); // HTTP/1.0 without keep-alive
    }

    [Fact]
    public async Task ConnectionCloseEndsKeepAlive()
    {
        var request = await Reader("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").ReadAsync(CancellationToken.None);
        Assert.False(request!.KeepAlive);
    }

    [Theory]
    [InlineData("GARBAGE\r\n\r\n", 400)]
    [InlineData("get / HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET / HTTP/2.0\r\n\r\n", 505)]
    [InlineData("GET http://x/ HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501)]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a", 400)]
    public async Task MalformedRequestsGetTheirStatus(string text, int status)
    {
        Assert.Equal(status, await StatusOf(text));
    }

    [Fact]
    public async Task AHeadOverTheLimitIs431()
    {
        var limits = new HttpLimits { MaxHeaderBytes = 1024 };
        Assert.Equal(431, await StatusOf("GET / HTTP/1.1\r\nX: " + new string('a', 2000) + "\r\n\r\n", limits));
    }

    [Fact]
    public async Task TooManyHeaderFieldsIs431()
    {
        var limits = new HttpLimits { MaxHeaderCount = 3 };
        Assert.Equal(431, await StatusOf("GET / HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n", limits));
    }

    [Fact]
    public async Task ABodyOverTheLimitIs413BeforeItIsRead()
    {
        var limits = new HttpLimits { MaxBodyBytes = 100 };
        Assert.Equal(413, await StatusOf("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", limits));
    }

    [Fact]
    public async Task BlankLinesBeforeARequestAreSkipped()
    {
        var request = await Reader("\r\n\r\nGET /x HTTP/1.1\r\n\r\n").ReadAsync(CancellationToken.None);
        Assert.Equal("/x", request!.Path);
    }
}
