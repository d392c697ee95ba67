using System.Net;
using MailAdmin.Client;
using MailAdmin.Delivery;
using MailAdmin.Hosting;
using Xunit;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>Delivery to a smarthost (our SmtpServer as the peer): each -SmarthostSecure mode, AUTH, refused AUTH.</summary>
public class TransportSmarthostTests
{
    private static SmtpOutboundTransport Transport(TransportPeer peer, MailSecurity security, bool login = false, string? user = null) =>
        new(Outbound.Options(o =>
        {
            o.Smarthost = "127.0.0.1:" + peer.Port;
            o.SmarthostSecurity = security;
            o.SmarthostSkipCertificateCheck = true;
            if (login || user != null) o.SmarthostCredential = new NetworkCredential(user ?? "relay", "secret");
        }));

    [Fact]
    public async Task Auth_plain_over_starttls_with_a_self_signed_certificate_reaches_a_submission_port()
    {
        await using var peer = await TransportPeer.StartAsync(tls: true, mode: SmtpListenerMode.Submission);
        using var connection = await Transport(peer, MailSecurity.Auto, login: true).ConnectAsync("elsewhere.test", CancellationToken.None);
        Assert.Equal("127.0.0.1:" + peer.Port, connection.RemoteHost);
        var result = Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@far.test")));
        Assert.True(result.Delivered, result.ToString());
        var (envelope, _) = peer.Backend.Single();
        Assert.Equal("relay", envelope.AuthenticatedUser);
        Assert.True(envelope.IsSecure);
        Assert.Equal("us.test", envelope.HeloName);
    }

    [Fact]
    public async Task A_refused_login_is_a_transient_4_7_0_with_the_servers_reply()
    {
        await using var peer = await TransportPeer.StartAsync(tls: true, mode: SmtpListenerMode.Submission);
        var error = await Assert.ThrowsAsync<OutboundConnectException>(() => Transport(peer, MailSecurity.StartTls, user: "intruder").ConnectAsync("x.test", CancellationToken.None));
        Assert.False(error.Permanent);
        Assert.Equal("4.7.0", error.EnhancedCode);
        Assert.Contains("refused AUTH", error.Message);
        Assert.Contains("5.7.8", error.Message);
    }

    [Fact]
    public async Task Secure_None_stays_in_plaintext_even_when_starttls_is_offered()
    {
        await using var peer = await TransportPeer.StartAsync(tls: true);
        using var connection = await Transport(peer, MailSecurity.None).ConnectAsync("x.test", CancellationToken.None);
        Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@peer.test"))).Delivered);
        Assert.False(peer.Backend.Single().Envelope.IsSecure);
    }

    [Fact]
    public async Task Secure_Auto_uses_starttls_when_offered_and_plaintext_when_not()
    {
        await using var tls = await TransportPeer.StartAsync(tls: true);
        await using var plain = await TransportPeer.StartAsync();
        using (var c = await Transport(tls, MailSecurity.Auto).ConnectAsync("x.test", CancellationToken.None))
            await Outbound.SendAsync(c, Outbound.Envelope("a@us.test", "b@peer.test"));
        using (var c = await Transport(plain, MailSecurity.Auto).ConnectAsync("x.test", CancellationToken.None))
            await Outbound.SendAsync(c, Outbound.Envelope("a@us.test", "b@peer.test"));
        Assert.True(tls.Backend.Single().Envelope.IsSecure);
        Assert.False(plain.Backend.Single().Envelope.IsSecure);
    }

    [Fact]
    public async Task Secure_StartTls_requires_starttls()
    {
        await using var tls = await TransportPeer.StartAsync(tls: true);
        using (var c = await Transport(tls, MailSecurity.StartTls).ConnectAsync("x.test", CancellationToken.None))
            await Outbound.SendAsync(c, Outbound.Envelope("a@us.test", "b@peer.test"));
        Assert.True(tls.Backend.Single().Envelope.IsSecure);

        await using var plain = await TransportPeer.StartAsync();
        var error = await Assert.ThrowsAsync<OutboundConnectException>(() => Transport(plain, MailSecurity.StartTls).ConnectAsync("x.test", CancellationToken.None));
        Assert.False(error.Permanent);
        Assert.Equal("4.7.10", error.EnhancedCode);
        Assert.Empty(plain.Backend.Messages);
    }

    [Fact]
    public async Task Secure_Tls_is_implicit_tls_from_the_first_byte()
    {
        await using var peer = await TransportPeer.StartAsync(tls: true, mode: SmtpListenerMode.Smtps);
        using var connection = await Transport(peer, MailSecurity.Tls, login: true).ConnectAsync("x.test", CancellationToken.None);
        Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@far.test"))).Delivered);
        var (envelope, _) = peer.Backend.Single();
        Assert.True(envelope.IsSecure);
        Assert.Equal("relay", envelope.AuthenticatedUser);
    }

    [Fact]
    public async Task Secure_Auto_on_another_port_detects_an_implicit_tls_smarthost_by_its_silence()
    {
        await using var peer = await TransportPeer.StartAsync(tls: true, mode: SmtpListenerMode.Smtps);
        using var connection = await Transport(peer, MailSecurity.Auto, login: true).ConnectAsync("x.test", CancellationToken.None);
        Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@far.test"))).Delivered);
        Assert.True(peer.Backend.Single().Envelope.IsSecure);
    }

    [Fact]
    public async Task Without_skip_certificate_check_a_self_signed_smarthost_is_refused_transiently()
    {
        await using var peer = await TransportPeer.StartAsync(tls: true);
        var transport = new SmtpOutboundTransport(Outbound.Options(o => { o.Smarthost = "127.0.0.1:" + peer.Port; o.SmarthostSecurity = MailSecurity.StartTls; }));
        var error = await Assert.ThrowsAsync<OutboundConnectException>(() => transport.ConnectAsync("x.test", CancellationToken.None));
        Assert.False(error.Permanent);
        Assert.Equal("4.7.5", error.EnhancedCode);
        Assert.Contains("TLS handshake", error.Message);
        Assert.Empty(peer.Backend.Messages);
    }

    [Fact]
    public async Task A_closed_smarthost_port_is_a_transient_4_4_1()
    {
        int port;
        await using (var peer = await TransportPeer.StartAsync()) port = peer.Port;
        var transport = new SmtpOutboundTransport(Outbound.Options(o => o.Smarthost = "127.0.0.1:" + port));
        var error = await Assert.ThrowsAsync<OutboundConnectException>(() => transport.ConnectAsync("x.test", CancellationToken.None));
        Assert.False(error.Permanent);
        Assert.Equal("4.4.1", error.EnhancedCode);
        Assert.Contains("refused", error.Message);
    }

    [Theory]
    [InlineData("mx.test", "mx.test", null)]
    [InlineData("mx.test:2525", "mx.test", 2525)]
    [InlineData("[::1]:587", "::1", 587)]
    [InlineData("[::1]", "::1", null)]
    [InlineData("::1", "::1", null)]
    public void Smarthost_names_parse(string text, string host, int? port)
    {
        var hop = NextHop.Parse(text);
        Assert.Equal(host, hop.Host);
        Assert.Equal(port, hop.Port);
    }

    [Theory]
    [InlineData("mx.test:0")]
    [InlineData("mx.test:x")]
    [InlineData("[::1")]
    [InlineData(":25")]
    public void Bad_smarthost_names_are_refused(string text) => Assert.Throws<FormatException>(() => NextHop.Parse(text));
}
