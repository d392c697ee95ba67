using MailAdmin.Delivery;
using MailAdmin.Engine.Tests.DnsChecks;
using Xunit;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>The MX zone of the direct-delivery tests, served by dnsmasq on loopback.</summary>
public sealed class TransportZone : IDisposable
{
    public TransportZone()
    {
        if (DnsPeer.Program == null) return;
        Peer = DnsPeer.Start(
            "mx-host=order.test,second.order.test,20",
            "mx-host=order.test,first.order.test,10",
            "host-record=first.order.test,127.0.0.3",
            "host-record=second.order.test,127.0.0.2",
            "mx-host=fallback.test,dead.fallback.test,10",
            "mx-host=fallback.test,live.fallback.test,20",
            "host-record=dead.fallback.test,127.0.0.2",
            "host-record=live.fallback.test,127.0.0.3",
            "host-record=implicit.test,127.0.0.4",
            // RFC 7505 null MX: preference 0, exchange "." (the root, one zero octet).
            "dns-rr=nullmx.test,15,000000",
            "host-record=nullmx.test,127.0.0.4",
            "mx-host=plain.test,mx.plain.test,10",
            "host-record=mx.plain.test,127.0.0.5",
            "mx-host=secure.test,mx.secure.test,10",
            "host-record=mx.secure.test,127.0.0.6");
    }

    public DnsPeer? Peer { get; }

    public void Dispose() => Peer?.Dispose();
}

/// <summary>Direct delivery: MX order, fallback, implicit MX, null MX, NXDOMAIN, opportunistic and required TLS.</summary>
public class TransportDirectTests : IClassFixture<TransportZone>
{
    private readonly TransportZone _zone;

    public TransportDirectTests(TransportZone zone) => _zone = zone;

    private SmtpOutboundTransport Transport(int port, bool requireTls = false) => new(Outbound.Options(o =>
    {
        o.DnsServers = new List<string> { _zone.Peer!.Server };
        o.DeliveryPort = port;
        o.RequireTls = requireTls;
    }));

    [DnsmasqFact]
    public async Task Mx_hosts_are_tried_in_preference_order()
    {
        var (second, first) = await TransportPeer.StartPairAsync("127.0.0.2", "127.0.0.3");
        await using var _ = second;
        await using var __ = first;
        using var connection = await Transport(first.Port).ConnectAsync("order.test", CancellationToken.None);
        Assert.Equal("first.order.test[127.0.0.3]", connection.RemoteHost);
        Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@order.test"))).Delivered);
        Assert.Single(first.Backend.Messages);
        Assert.Equal(0, second.Connections);
    }

    [DnsmasqFact]
    public async Task A_first_mx_refusing_connections_falls_back_to_the_second()
    {
        // live.fallback.test listens on 127.0.0.3; nothing listens on the same port at 127.0.0.2.
        await using var live = await TransportPeer.StartAsync("127.0.0.3");
        using var connection = await Transport(live.Port).ConnectAsync("fallback.test", CancellationToken.None);
        Assert.Equal("live.fallback.test[127.0.0.3]", connection.RemoteHost);
        var result = Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@fallback.test")));
        Assert.True(result.Delivered);
        Assert.Equal("live.fallback.test[127.0.0.3]", result.RemoteHost);
    }

    [DnsmasqFact]
    public async Task A_first_mx_greeting_421_falls_back_to_the_second()
    {
        await using var live = await TransportPeer.StartAsync("127.0.0.3");
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Parse("127.0.0.2"), live.Port);
        busy.Start();
        var greeted = Task.Run(async () =>
        {
            using var client = await busy.AcceptTcpClientAsync();
            await client.GetStream().WriteAsync(System.Text.Encoding.ASCII.GetBytes("421 4.3.2 busy, try later\r\n"));
        });
        using var connection = await Transport(live.Port).ConnectAsync("fallback.test", CancellationToken.None);
        await greeted;
        Assert.Equal("live.fallback.test[127.0.0.3]", connection.RemoteHost);
        Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@fallback.test"))).Delivered);
    }

    [DnsmasqFact]
    public async Task Every_host_refusing_the_session_with_5xx_is_permanent()
    {
        using var refusing = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Parse("127.0.0.4"), 0);
        refusing.Start();
        var port = ((System.Net.IPEndPoint)refusing.LocalEndpoint).Port;
        var greeted = Task.Run(async () =>
        {
            using var client = await refusing.AcceptTcpClientAsync();
            await client.GetStream().WriteAsync(System.Text.Encoding.ASCII.GetBytes("554 5.7.1 no service for you\r\n"));
            await Task.Delay(200);
        });
        var error = await Assert.ThrowsAsync<OutboundConnectException>(() => Transport(port).ConnectAsync("implicit.test", CancellationToken.None));
        await greeted;
        Assert.True(error.Permanent);
        Assert.Contains("554", error.Message);
        Assert.Contains("no service for you", error.Message);
    }

    [DnsmasqFact]
    public async Task No_mx_host_answering_is_a_transient_4_4_1_naming_the_last_error()
    {
        int port;
        await using (var gone = await TransportPeer.StartAsync("127.0.0.3")) port = gone.Port;
        var error = await Assert.ThrowsAsync<OutboundConnectException>(() => Transport(port).ConnectAsync("fallback.test", CancellationToken.None));
        Assert.False(error.Permanent);
        Assert.Equal("4.4.1", error.EnhancedCode);
        Assert.Contains("live.fallback.test[127.0.0.3]", error.Message);
        Assert.Contains("refused", error.Message);
    }

    [DnsmasqFact]
    public async Task Without_mx_the_domains_own_address_takes_the_mail()
    {
        await using var peer = await TransportPeer.StartAsync("127.0.0.4");
        using var connection = await Transport(peer.Port).ConnectAsync("implicit.test", CancellationToken.None);
        Assert.Equal("implicit.test[127.0.0.4]", connection.RemoteHost);
        Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@implicit.test"))).Delivered);
    }

    [DnsmasqFact]
    public async Task A_null_mx_fails_permanently_with_5_1_10_without_connecting()
    {
        await using var peer = await TransportPeer.StartAsync("127.0.0.4");
        var error = await Assert.ThrowsAsync<OutboundConnectException>(() => Transport(peer.Port).ConnectAsync("nullmx.test", CancellationToken.None));
        Assert.True(error.Permanent);
        Assert.Equal("5.1.10", error.EnhancedCode);
        Assert.Equal(0, peer.Connections);
    }

    [DnsmasqFact]
    public async Task A_domain_that_does_not_exist_fails_permanently_with_5_1_2()
    {
        var error = await Assert.ThrowsAsync<OutboundConnectException>(() => Transport(25).ConnectAsync("nosuch.test", CancellationToken.None));
        Assert.True(error.Permanent);
        Assert.Equal("5.1.2", error.EnhancedCode);
    }

    [Fact]
    public async Task A_dns_server_that_does_not_answer_is_a_transient_4_4_3()
    {
        // A UDP port nobody serves on loopback: the resolver gets no answer.
        var transport = new SmtpOutboundTransport(Outbound.Options(o => { o.DnsServers = new List<string> { "127.0.0.1:9" }; o.Timeout = TimeSpan.FromSeconds(1); }));
        var error = await Assert.ThrowsAsync<OutboundConnectException>(() => transport.ConnectAsync("order.test", CancellationToken.None));
        Assert.False(error.Permanent);
        Assert.Equal("4.4.3", error.EnhancedCode);
    }

    [DnsmasqFact]
    public async Task Require_tls_against_a_peer_without_starttls_is_a_transient_4_7_10()
    {
        await using var peer = await TransportPeer.StartAsync("127.0.0.5");
        var error = await Assert.ThrowsAsync<OutboundConnectException>(() => Transport(peer.Port, requireTls: true).ConnectAsync("plain.test", CancellationToken.None));
        Assert.False(error.Permanent);
        Assert.Equal("4.7.10", error.EnhancedCode);
        Assert.Contains("TLS required", error.Message);
        Assert.Empty(peer.Backend.Messages);
    }

    [DnsmasqFact]
    public async Task Opportunistic_tls_is_used_when_offered_and_plaintext_otherwise()
    {
        await using var secure = await TransportPeer.StartAsync("127.0.0.6", tls: true);
        using (var c = await Transport(secure.Port).ConnectAsync("secure.test", CancellationToken.None))
            Assert.True(Assert.Single(await Outbound.SendAsync(c, Outbound.Envelope("a@us.test", "b@secure.test"))).Delivered);
        Assert.True(secure.Backend.Single().Envelope.IsSecure);

        await using var plain = await TransportPeer.StartAsync("127.0.0.5");
        using (var c = await Transport(plain.Port).ConnectAsync("plain.test", CancellationToken.None))
            Assert.True(Assert.Single(await Outbound.SendAsync(c, Outbound.Envelope("a@us.test", "b@plain.test"))).Delivered);
        Assert.False(plain.Backend.Single().Envelope.IsSecure);
    }

    [DnsmasqFact]
    public async Task Require_tls_delivers_over_starttls_with_a_self_signed_certificate()
    {
        await using var secure = await TransportPeer.StartAsync("127.0.0.6", tls: true);
        using var c = await Transport(secure.Port, requireTls: true).ConnectAsync("secure.test", CancellationToken.None);
        Assert.True(Assert.Single(await Outbound.SendAsync(c, Outbound.Envelope("a@us.test", "b@secure.test"))).Delivered);
        Assert.True(secure.Backend.Single().Envelope.IsSecure);
    }
}
