using System.Net;
using System.Text;
using MailAdmin.Hosting;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Http;

/// <summary>A real in-memory MailServer with only its HTTP listener (on a free loopback port), and a way to put mail in.</summary>
internal sealed class HttpTestServer : IAsyncDisposable
{
    private HttpTestServer(MailServer server)
    {
        Server = server;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port("http")}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public MailServer Server { get; }
    public HttpClient Client { get; }

    public static async Task<HttpTestServer> StartAsync(Action<MailServerOptions>? change = null, params string[] accounts)
    {
        var options = new MailServerOptions
        {
            Name = "Http",
            InMemory = true,
            Domains = new List<string> { "example.com" },
            SmtpPort = 0,
            SubmissionPort = null,
            ImapPort = null,
            ImapsPort = null,
            Pop3Port = null,
            Pop3sPort = null,
            HttpPort = 0,
        };
        change?.Invoke(options);
        var server = await MailServer.StartAsync(options);
        foreach (var account in accounts.Length > 0 ? accounts : new[] { "ann@example.com" })
            await server.Store.Accounts.AddAsync(account, "secret");
        return new HttpTestServer(server);
    }

    public Task<StoredMessage> DeliverAsync(string account, string subject, string body = "Hello.", DateTimeOffset? at = null, string extraHeaders = "", string? raw = null)
    {
        var text = raw ?? $"From: Sender <sender@example.org>\r\nTo: {account}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@test>\r\n{extraHeaders}\r\n{body}\r\n";
        return Server.Store.DeliverAsync(account, "INBOX", Encoding.UTF8.GetBytes(text), at ?? DateTimeOffset.Now);
    }

    public async Task<Dictionary<string, object?>> GetJsonAsync(string path)
    {
        var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (Dictionary<string, object?>)MiniJson.Parse(await response.Content.ReadAsStringAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.StopAsync(TimeSpan.FromSeconds(1));
    }
}
