using System.Net;
using System.Text;
using MailAdmin.Protocols.Smtp;
using Xunit;

namespace MailAdmin.Engine.Tests.Smtp;

/// <summary>Who may send to other domains: authenticated clients and the relay networks, nobody else.</summary>
public class RelaySessionTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static async Task<(SessionDriver Driver, MemoryBackend Backend)> Run(string client, string transcript, string[]? networks = null, bool allowAuthRelay = true)
    {
        var settings = new SmtpSessionSettings
        {
            HostName = "mx.test",
            AuthFailureDelay = TimeSpan.Zero,
            AllowInsecureAuth = true,
            AllowRelayForAuthenticated = allowAuthRelay,
            RelayNetworks = SmtpRelayNetworks.Parse(networks),
        };
        var backend = new MemoryBackend();
        var session = new SmtpSession(settings, backend, new IPEndPoint(IPAddress.Parse(client), 40000));
        var d = await SessionDriver.RunAsync(session, transcript.Replace("\n", "\r\n"));
        return (d, backend);
    }

    private const string ToElsewhere = "EHLO c\nMAIL FROM:<app@lan.example>\nRCPT TO:<x@elsewhere.example>\nRCPT TO:<alice@example.com>\nDATA\nSubject: s\n\nbody\n.\n";

    [Theory]
    [InlineData("10.1.2.3", new[] { "10.0.0.0/8" })]
    [InlineData("::ffff:10.1.2.3", new[] { "10.0.0.0/8" })]
    [InlineData("::1", new[] { "192.0.2.0/24", "::1/128" })]
    [InlineData("192.0.2.9", new[] { "192.0.2.9" })]
    public async Task ARelayNetworkClientRelaysWithoutAuth(string client, string[] networks)
    {
        var (d, backend) = await Run(client, ToElsewhere, networks);
        Assert.Equal(new[] { 250, 250, 250, 250, 354, 250 }, d.Codes);
        var env = Assert.Single(backend.Messages).Envelope;
        Assert.True(env.ClientTrusted);
        Assert.Null(env.AuthenticatedUser);
    }

    [Theory]
    [InlineData("10.1.2.3", null)]
    [InlineData("11.1.2.3", new[] { "10.0.0.0/8" })]
    [InlineData("127.0.0.1", new[] { "::1/128" })]
    [InlineData("::1", new[] { "127.0.0.0/8" })]
    public async Task AnyoneElseIsStillRefused554(string client, string[]? networks)
    {
        var (d, backend) = await Run(client, ToElsewhere, networks);
        Assert.Equal(new[] { 250, 250, 554, 250, 354, 250 }, d.Codes);
        Assert.Equal("5.7.1", d.Replies[2].EnhancedCode);
        var env = Assert.Single(backend.Messages).Envelope;
        Assert.False(env.ClientTrusted);
        Assert.Equal("alice@example.com", Assert.Single(env.Recipients).Address);
    }

    [Fact]
    public async Task AuthOnPort25RelaysAndIsTrusted()
    {
        var (d, backend) = await Run("198.51.100.7", "EHLO c\nAUTH PLAIN " + B64("\0alice\0secret") + "\n" + ToElsewhere.Substring("EHLO c\n".Length));
        Assert.Equal(new[] { 250, 235, 250, 250, 250, 354, 250 }, d.Codes);
        var env = Assert.Single(backend.Messages).Envelope;
        Assert.True(env.ClientTrusted);
        Assert.Equal("alice", env.AuthenticatedUser);
    }

    [Fact]
    public async Task RelayNetworksRelayEvenWhenAuthenticatedRelayIsOff()
    {
        var (denied, _) = await Run("10.1.2.3", "EHLO c\nAUTH PLAIN " + B64("\0alice\0secret") + "\nMAIL FROM:<a@b.example>\nRCPT TO:<x@elsewhere.example>\n", allowAuthRelay: false);
        Assert.Equal(new[] { 250, 235, 250, 554 }, denied.Codes);
        var (allowed, _) = await Run("10.1.2.3", "EHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<x@elsewhere.example>\n", new[] { "10.0.0.0/8" }, allowAuthRelay: false);
        Assert.Equal(new[] { 250, 250, 250 }, allowed.Codes);
    }

    [Fact]
    public async Task NoPostmasterIsRefused550()
    {
        var backend = new NoPostmasterBackend();
        var session = new SmtpSession(new SmtpSessionSettings { HostName = "mx.test" }, backend, new IPEndPoint(IPAddress.Loopback, 40000));
        var d = await SessionDriver.RunAsync(session, "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<Postmaster>\r\n");
        Assert.Equal(new[] { 250, 250, 550 }, d.Codes);
        Assert.Equal("5.1.1", d.Replies[2].EnhancedCode);
        Assert.Contains("postmaster", d.Replies[2].Lines[0], StringComparison.OrdinalIgnoreCase);
    }

    private sealed class NoPostmasterBackend : ISmtpBackend
    {
        private readonly MemoryBackend _inner = new();
        public RecipientCheck CheckRecipient(string address, bool authenticated, long declaredSize) => RecipientCheck.NoPostmaster;
        public Task<bool> AuthenticateAsync(string user, string password, CancellationToken ct) => _inner.AuthenticateAsync(user, password, ct);
        public Task<bool> AuthenticateBearerAsync(string user, string token, CancellationToken ct) => _inner.AuthenticateBearerAsync(user, token, ct);
        public SmtpMessageSink OpenMessage(SmtpEnvelope envelope) => _inner.OpenMessage(envelope);
        public Task<IReadOnlyList<SmtpRecipientFailure>> DeliverAsync(SmtpEnvelope envelope, SmtpMessageSink message, CancellationToken ct) => _inner.DeliverAsync(envelope, message, ct);
    }
}
