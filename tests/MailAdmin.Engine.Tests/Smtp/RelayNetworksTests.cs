using System.Net;
using MailAdmin.Protocols.Smtp;
using Xunit;

namespace MailAdmin.Engine.Tests.Smtp;

public class RelayNetworksTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.200.3.4", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.0.2.0/24", "192.0.2.255", true)]
    [InlineData("192.0.2.0/24", "192.0.3.0", false)]
    [InlineData("192.0.2.128/25", "192.0.2.127", false)]
    [InlineData("192.0.2.128/25", "192.0.2.200", true)]
    [InlineData("10.1.2.3/8", "10.9.9.9", true)]          // host bits ignored
    [InlineData("127.0.0.5", "127.0.0.5", true)]          // a single address
    [InlineData("127.0.0.5", "127.0.0.6", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("::1/128", "::1", true)]
    [InlineData("::1", "::2", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]   // IPv4-mapped client on a dual-stack socket
    [InlineData("::ffff:10.0.0.0/104", "10.1.2.3", true)] // a mapped network means its IPv4 block
    [InlineData("10.0.0.0/8", "::a01:203", false)]        // IPv4-compatible is not mapped
    [InlineData("::/0", "10.0.0.1", false)]               // families do not mix
    public void Contains(string network, string client, bool expected)
        => Assert.Equal(expected, SmtpRelayNetworks.Parse(new[] { network }).Contains(IPAddress.Parse(client)));

    [Fact]
    public void SeveralNetworksAndNone()
    {
        var n = SmtpRelayNetworks.Parse(new[] { " 192.0.2.0/24 ", "::1/128" });
        Assert.Equal(2, n.Count);
        Assert.True(n.Contains(IPAddress.Parse("192.0.2.7")));
        Assert.True(n.Contains(IPAddress.IPv6Loopback));
        Assert.False(n.Contains(IPAddress.Loopback));
        Assert.False(n.Contains(null));
        Assert.False(SmtpRelayNetworks.Parse(null).Contains(IPAddress.Loopback));
        Assert.False(SmtpRelayNetworks.None.Contains(IPAddress.Loopback));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.0/33")]
    [InlineData("::/129")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/8/9")]
    [InlineData("10/8")]
    [InlineData("mail.example.com")]
    [InlineData("300.1.1.1")]
    public void InvalidEntriesAreRefusedByName(string entry)
    {
        var ex = Assert.Throws<ArgumentException>(() => SmtpRelayNetworks.Parse(new[] { "127.0.0.1", entry }));
        Assert.Contains("'" + entry + "'", ex.Message);
        Assert.Contains("CIDR", ex.Message);
    }
}
