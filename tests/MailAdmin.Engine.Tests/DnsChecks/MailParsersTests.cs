using MailAdmin.Addresses;
using MailAdmin.DnsChecks;
using Xunit;

namespace MailAdmin.Engine.Tests.DnsChecks;

/// <summary>The pure parsers behind Get-MailDnsRecord and Test-MailAddress.</summary>
public class MailParsersTests
{
    [Fact]
    public void Spf_terms_qualifiers_and_own_lookups()
    {
        var spf = SpfRecord.Parse("v=spf1 ip4:192.0.2.0/24 a mx:mail.example.com/24 include:_spf.example.net ~ptr exists:%{i}.x.example -all redirect=other.example exp=explain.example");
        Assert.Empty(spf.Errors);
        Assert.Equal(new[] { "ip4", "a", "mx", "include", "ptr", "exists", "all", "redirect", "exp" }, spf.Mechanisms.Select(m => m.Name));
        Assert.Equal("mail.example.com/24", spf.Mechanisms[2].Value);
        Assert.Equal("SoftFail", spf.Mechanisms[4].Result);
        // a, mx, include, ptr, exists = 5; redirect does not count beside 'all' (RFC 7208 §6.1).
        Assert.Equal(5, spf.OwnLookupCount);
        Assert.Null(spf.Redirect);
    }

    [Theory]
    [InlineData("v=spf1 foo:bar -all", "unknown mechanism")]
    [InlineData("v=spf1 ip4:300.1.1.1 -all", "not an IPv4")]
    [InlineData("v=spf1 ip6:2001:db8::/129 -all", "prefix length")]
    [InlineData("v=spf1 redirect=a.example redirect=b.example", "more than once")]
    public void Spf_errors(string record, string expected) =>
        Assert.Contains(SpfRecord.Parse(record).Errors, e => e.Contains(expected));

    [Theory]
    [InlineData("v=spf1 -all", true)]
    [InlineData("v=spf1", true)]
    [InlineData("v=spf10 -all", false)]
    [InlineData("spf1 -all", false)]
    public void Spf_is_recognised_by_its_version(string text, bool expected) => Assert.Equal(expected, SpfRecord.IsSpf(text));

    [Fact]
    public void Dmarc_tags_and_defaults()
    {
        var d = DmarcRecord.Parse("v=DMARC1; p=reject; rua=mailto:a@example.com!10m, mailto:b@example.com; ruf=mailto:f@example.com; adkim=s");
        Assert.Empty(d.Errors);
        Assert.Equal("reject", d.Policy);
        Assert.Equal("reject", d.SubdomainPolicy);
        Assert.Equal(100, d.Pct);
        Assert.Equal(new[] { "mailto:a@example.com", "mailto:b@example.com" }, d.Rua);
        Assert.Equal(new[] { "mailto:f@example.com" }, d.Ruf);
        Assert.Equal("s", d.Adkim);
        Assert.Equal("r", d.Aspf);
    }

    [Theory]
    [InlineData("v=DMARC1; rua=mailto:a@example.com", "no p")]
    [InlineData("v=DMARC1; rua=mailto:a@example.com; p=none", "must follow")]
    [InlineData("v=DMARC1; p=block", "not one of")]
    [InlineData("v=DMARC1; p=none; pct=150", "pct=150")]
    [InlineData("v=DMARC1; p=none; p=reject", "more than once")]
    public void Dmarc_errors(string record, string expected) =>
        Assert.Contains(DmarcRecord.Parse(record).Errors, e => e.Contains(expected));

    [Theory]
    [InlineData("ann@example.com")]
    [InlineData("\"john..doe\"@example.com")]
    [InlineData("\"a\\\"b@c\"@example.com")]
    [InlineData("!#$%&'*+-/=?^_`{|}~@example.com")]
    [InlineData("user@[192.0.2.1]")]
    [InlineData("user@[IPv6:2001:db8::1]")]
    [InlineData("user@bücher.example")]
    [InlineData("用户@例子.广告")]
    public void Address_valid(string address) => Assert.True(MailAddressSyntax.Check(address).IsValid, MailAddressSyntax.Check(address).Error);

    [Theory]
    [InlineData("john..doe@example.com")]
    [InlineData("john.@example.com")]
    [InlineData("a b@example.com")]
    [InlineData("\"a\"b\"@example.com")]
    [InlineData("user@[192.0.2]")]
    [InlineData("user@[IPv6:zz::1]")]
    [InlineData("user@-example.com")]
    [InlineData("user@example..com")]
    [InlineData("user@")]
    public void Address_invalid(string address) => Assert.False(MailAddressSyntax.Check(address).IsValid);

    [Fact]
    public void Address_limits_and_parts()
    {
        Assert.False(MailAddressSyntax.Check(new string('a', 65) + "@example.com").IsValid);
        Assert.True(MailAddressSyntax.Check(new string('a', 64) + "@example.com").IsValid);
        var idn = MailAddressSyntax.Check("δοκιμή@bücher.example");
        Assert.True(idn.RequiresSmtpUtf8);
        Assert.Equal("xn--bcher-kva.example", idn.AsciiDomain);
        Assert.Equal("2001:db8::1", MailAddressSyntax.Check("u@[IPv6:2001:db8::1]").AddressLiteral!.ToString());
    }

    [Theory]
    [InlineData("127.0.0.1:5353", "127.0.0.1", 5353)]
    [InlineData("::1", "::1", 53)]
    [InlineData("[::1]:5353", "::1", 5353)]
    [InlineData("192.0.2.1", "192.0.2.1", 53)]
    public void Dns_server_forms(string text, string address, int port)
    {
        var endpoint = MailDnsResolver.ParseServer(text);
        Assert.Equal(address, endpoint.Address.ToString());
        Assert.Equal(port, endpoint.Port);
    }
}
