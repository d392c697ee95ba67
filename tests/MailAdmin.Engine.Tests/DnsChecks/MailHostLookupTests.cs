using System.Net;
using System.Net.Sockets;
using MailAdmin.Addresses;
using MailAdmin.DnsChecks;
using Xunit;

namespace MailAdmin.Engine.Tests.DnsChecks;

/// <summary>One zone for the whole class, served by dnsmasq.</summary>
public sealed class MailHostZone : IDisposable
{
    public MailHostZone()
    {
        if (DnsPeer.Program == null) return;
        Peer = DnsPeer.Start(
            "mx-host=pref.test,mx2.pref.test,20",
            "mx-host=pref.test,mx1.pref.test,10",
            "mx-host=pref.test,MX1.pref.test,30",
            "host-record=mx1.pref.test,127.0.0.11",
            "host-record=mx2.pref.test,127.0.0.12,::1",
            "host-record=implicit.test,127.0.0.2",
            // RFC 7505 null MX: preference 0, exchange "." (the root: one zero octet).
            "dns-rr=nullmx.test,15,000000",
            "host-record=nullmx.test,127.0.0.1",
            "dns-rr=mixed.test,15,000000",
            "dns-rr=mixed.test,15,000a026d78056d69786564047465737400",
            "host-record=mx.mixed.test,127.0.0.1",
            "txt-record=nomail.test,\"only text here\"",
            "mx-host=lame.test,nowhere.lame.test,10");
    }

    public DnsPeer? Peer { get; }

    public MailDnsResolver Resolver => new MailDnsResolver(Peer!.Server, TimeSpan.FromSeconds(2));

    public void Dispose() => Peer?.Dispose();
}

/// <summary>MailHostLookup: the RFC 5321 §5.1 / RFC 7505 rules every mail-host caller shares.</summary>
public class MailHostLookupTests : IClassFixture<MailHostZone>
{
    private readonly MailHostZone _zone;

    public MailHostLookupTests(MailHostZone zone) => _zone = zone;

    private Task<MailHostLookup> Lookup(string domain) => MailHostLookup.ResolveAsync(_zone.Resolver, domain, CancellationToken.None);

    [DnsmasqFact]
    public async Task Mx_hosts_come_in_preference_order_once_each_with_their_addresses()
    {
        var lookup = await Lookup("pref.test");
        Assert.Equal(MailHostOutcome.Mx, lookup.Outcome);
        Assert.Null(lookup.Problem);
        // mx1 is listed twice (10 and 30, in another case): it counts once, at its best preference.
        Assert.Equal(new[] { "mx1.pref.test", "mx2.pref.test" }, lookup.Hosts.Select(h => h.Name.ToLowerInvariant()));
        Assert.Equal(new[] { 10, 20 }, lookup.Hosts.Select(h => h.Preference));
        Assert.Equal(new[] { IPAddress.Parse("127.0.0.11") }, lookup.Hosts[0].Addresses);
        Assert.Equal(new[] { IPAddress.Parse("127.0.0.12"), IPAddress.IPv6Loopback }, lookup.Hosts[1].Addresses);
    }

    [DnsmasqFact]
    public async Task Without_mx_the_domain_itself_is_the_implicit_mx()
    {
        var lookup = await Lookup("implicit.test");
        Assert.Equal(MailHostOutcome.ImplicitMx, lookup.Outcome);
        var host = Assert.Single(lookup.Hosts);
        Assert.Equal("implicit.test", host.Name);
        Assert.Equal(new[] { IPAddress.Parse("127.0.0.2") }, host.Addresses);
    }

    [DnsmasqFact]
    public async Task A_null_mx_means_no_mail_and_no_host_even_when_the_domain_has_an_address()
    {
        var lookup = await Lookup("nullmx.test");
        Assert.Equal(MailHostOutcome.NullMx, lookup.Outcome);
        Assert.Empty(lookup.Hosts);
        Assert.False(lookup.NullMxAmongOthers);
        Assert.Contains("null MX", lookup.Problem);
    }

    [DnsmasqFact]
    public async Task A_null_mx_beside_other_mx_records_still_means_no_mail()
    {
        var lookup = await Lookup("mixed.test");
        Assert.Equal(2, lookup.Mx.Records.Count);
        Assert.Equal(MailHostOutcome.NullMx, lookup.Outcome);
        Assert.True(lookup.NullMxAmongOthers);
        Assert.Empty(lookup.Hosts);
    }

    [DnsmasqFact]
    public async Task A_domain_that_does_not_exist()
    {
        var lookup = await Lookup("missing.test");
        Assert.Equal(MailHostOutcome.DomainNotFound, lookup.Outcome);
        Assert.Empty(lookup.Hosts);
        Assert.Contains("NXDOMAIN", lookup.Problem);
    }

    [DnsmasqFact]
    public async Task A_name_with_neither_mx_nor_address_has_no_mail_host()
    {
        var lookup = await Lookup("nomail.test");
        Assert.Equal(MailHostOutcome.NoMailHost, lookup.Outcome);
        Assert.Empty(lookup.Hosts);
        Assert.Contains("no MX and no A/AAAA", lookup.Problem);
    }

    [DnsmasqFact]
    public async Task An_mx_host_without_address_is_kept_and_says_why()
    {
        var lookup = await Lookup("lame.test");
        Assert.Equal(MailHostOutcome.Mx, lookup.Outcome);
        var host = Assert.Single(lookup.Hosts);
        Assert.Empty(host.Addresses);
        Assert.NotNull(host.AddressProblem);
    }

    [Fact]
    public async Task A_dns_server_that_does_not_answer_is_a_failed_lookup_not_a_verdict()
    {
        // A UDP port nobody listens on: nothing can be concluded about the domain.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var resolver = new MailDnsResolver($"127.0.0.1:{port}", TimeSpan.FromMilliseconds(300));
        var lookup = await MailHostLookup.ResolveAsync(resolver, "example.test", CancellationToken.None);
        Assert.Equal(MailHostOutcome.LookupFailed, lookup.Outcome);
        Assert.Empty(lookup.Hosts);
        Assert.Contains("MX lookup of example.test", lookup.Problem);
    }

    [DnsmasqFact]
    public async Task Test_MailAddress_on_a_null_mx_domain_fails_and_probes_nothing()
    {
        var inspector = new MailAddressInspector(_zone.Resolver, new MailAddressCheckOptions { Probe = true, Timeout = TimeSpan.FromSeconds(2) });
        var report = await inspector.CheckAsync("ann@nullmx.test", CancellationToken.None);
        Assert.False(report.IsValid);
        Assert.Empty(report.MailHosts);
        Assert.Null(report.Probe);
        Assert.Contains(report.Findings, f => f.Check == "Domain" && f.Status == MailFindingStatus.Fail && f.Detail.Contains("null MX"));
        Assert.Contains(report.Findings, f => f.Check == "Probe" && f.Detail.Contains("not asked"));
    }

    [DnsmasqFact]
    public async Task Get_MailDnsRecord_judges_a_lone_null_mx_a_warning_and_a_mixed_one_a_failure()
    {
        var inspector = new MailDnsInspector(_zone.Resolver);
        var lone = await inspector.InspectAsync("nullmx.test", Array.Empty<string>(), CancellationToken.None);
        Assert.Contains(lone.Findings, f => f.Check == "MX" && f.Status == MailFindingStatus.Warning && f.Detail.Contains("null MX"));
        var mixed = await inspector.InspectAsync("mixed.test", Array.Empty<string>(), CancellationToken.None);
        Assert.Contains(mixed.Findings, f => f.Check == "MX" && f.Status == MailFindingStatus.Fail && f.Detail.Contains("RFC 7505"));
        var pref = await inspector.InspectAsync("pref.test", Array.Empty<string>(), CancellationToken.None);
        Assert.Equal(new[] { 10, 20 }, pref.Mx.Select(m => m.Preference));
    }
}
