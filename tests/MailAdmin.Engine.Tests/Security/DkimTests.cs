using System.Net;
using System.Security.Cryptography;
using System.Text;
using MailAdmin.Messages;
using MailAdmin.Security;
using MimeKit.Cryptography;
using Xunit;

namespace MailAdmin.Engine.Tests.Security;

public sealed class DkimTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mailadmin-dkim-").FullName;
    private readonly string _privatePath;
    private readonly string _publicPath;

    public DkimTests()
    {
        using var rsa = RSA.Create(2048);
        _privatePath = Path.Combine(_root, "dkim.key");
        _publicPath = Path.Combine(_root, "dkim.pub");
        File.WriteAllText(_privatePath, rsa.ExportRSAPrivateKeyPem());
        File.WriteAllText(_publicPath, rsa.ExportSubjectPublicKeyInfoPem());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private MailMessage Signed(MailMessage? message = null, Action<DkimSignOptions>? configure = null)
    {
        var options = new DkimSignOptions("example.com", "sel", DkimKeys.ReadPrivateKey(_privatePath));
        configure?.Invoke(options);
        return DkimSignerService.Sign(message ?? TestCertificates.Message(), options);
    }

    private DkimVerificationResult VerifyOne(MailMessage message) =>
        Assert.Single(DkimVerification.Verify(message, new FixedDkimKeyLocator(DkimKeys.ReadPublicKey(_publicPath))));

    private static MailMessage Edit(MailMessage message, string from, string to)
    {
        var text = Encoding.ASCII.GetString(message.GetBytes());
        Assert.Contains(from, text);
        return MailMessage.FromBytes(Encoding.ASCII.GetBytes(text.Replace(from, to)));
    }

    [Fact]
    public void Signed_message_verifies_and_names_domain_and_selector()
    {
        var signed = Signed();
        var text = Encoding.ASCII.GetString(signed.GetBytes());
        Assert.StartsWith("DKIM-Signature:", text);
        Assert.Contains("c=relaxed/relaxed", text);
        Assert.DoesNotContain("\n", text.Replace("\r\n", ""));                      // every line end is CRLF

        var result = VerifyOne(signed);
        Assert.True(result.IsValid, result.Reason);
        Assert.Equal("example.com", result.Domain);
        Assert.Equal("sel", result.Selector);
    }

    [Fact]
    public void Changed_body_and_changed_header_fail_with_different_reasons()
    {
        var signed = Signed();
        var body = VerifyOne(Edit(signed, "quarterly numbers", "quarterly NUMBERS"));
        Assert.False(body.IsValid);
        Assert.Contains("body was changed", body.Reason);

        var header = VerifyOne(Edit(signed, "Subject: numbers", "Subject: numbers!"));
        Assert.False(header.IsValid);
        Assert.Contains("header field was changed", header.Reason);
    }

    [Fact]
    public void Relaxed_body_survives_trailing_whitespace_and_simple_does_not()
    {
        var relaxed = Signed();
        Assert.True(VerifyOne(Edit(relaxed, "Second line.\r\n", "Second line.   \r\n\r\n\r\n")).IsValid);

        var simple = Signed(configure: o => { o.BodyCanonicalization = DkimCanonicalizationAlgorithm.Simple; o.HeaderCanonicalization = DkimCanonicalizationAlgorithm.Simple; });
        Assert.Contains("c=simple/simple", Encoding.ASCII.GetString(simple.GetBytes()));
        Assert.True(VerifyOne(simple).IsValid);
        var changed = VerifyOne(Edit(simple, "Second line.\r\n", "Second line.   \r\n"));
        Assert.False(changed.IsValid);
        Assert.Contains("body was changed", changed.Reason);
    }

    [Fact]
    public void The_cmdlets_way_in_our_own_types_signs_and_verifies()
    {
        // Add-/Test-DkimSignature name no MimeKit or BouncyCastle type (they load apart on PowerShell 7).
        var options = DkimSignOptions.Create("example.com", "sel", DkimKey.ReadPrivate(_privatePath), "simple/relaxed", null, "@example.com");
        Assert.Equal(DkimCanonicalizationAlgorithm.Simple, options.HeaderCanonicalization);
        Assert.Equal(DkimCanonicalizationAlgorithm.Relaxed, options.BodyCanonicalization);
        Assert.Equal(DkimSignOptions.DefaultHeaders, options.Headers);
        var signed = DkimSignerService.Sign(TestCertificates.Message(), options);
        var text = Encoding.ASCII.GetString(signed.GetBytes());
        Assert.Contains("c=simple/relaxed", text);
        Assert.Contains("i=@example.com", text);
        var result = Assert.Single(DkimKeySource.FromKey(DkimKey.ReadPublic(_publicPath)).Verify(signed));
        Assert.True(result.IsValid, result.Reason);
        Assert.False(DkimKey.ReadPublic(_publicPath).IsPrivate);
    }

    [Fact]
    public void Unsigned_message_and_wrong_key_are_reported_not_thrown()
    {
        var none = VerifyOne(TestCertificates.Message());
        Assert.False(none.IsValid);
        Assert.Contains("no DKIM-Signature", none.Reason);

        using var other = RSA.Create(2048);
        var otherPath = Path.Combine(_root, "other.pub");
        File.WriteAllText(otherPath, other.ExportSubjectPublicKeyInfoPem());
        var wrong = Assert.Single(DkimVerification.Verify(Signed(), new FixedDkimKeyLocator(DkimKeys.ReadPublicKey(otherPath))));
        Assert.False(wrong.IsValid);
        Assert.Contains("key is not the signer's", wrong.Reason);
    }

    [Fact]
    public void Public_key_reads_from_a_txt_record_file_and_from_the_private_key()
    {
        var signed = Signed();
        var spki = File.ReadAllText(_publicPath).Split('\n').Where(l => !l.StartsWith("-----")).Select(l => l.Trim());
        var txtPath = Path.Combine(_root, "record.txt");
        File.WriteAllText(txtPath, "v=DKIM1; k=rsa; p=" + string.Concat(spki));
        Assert.True(Assert.Single(DkimVerification.Verify(signed, new FixedDkimKeyLocator(DkimKeys.ReadPublicKey(txtPath)))).IsValid);
        Assert.True(Assert.Single(DkimVerification.Verify(signed, new FixedDkimKeyLocator(DkimKeys.ReadPublicKey(_privatePath)))).IsValid);

        File.WriteAllText(txtPath, "v=DKIM1; k=rsa; p=");
        Assert.Throws<DkimKeyLookupException>(() => DkimKeys.ReadPublicKey(txtPath));
    }

    [Fact]
    public void Missing_or_unreadable_key_files_have_their_own_error_ids()
    {
        Assert.Equal(SecurityErrors.DkimKeyNotFound, Assert.Throws<MailSecurityException>(() => DkimKeys.ReadPrivateKey(Path.Combine(_root, "absent.pem"))).ErrorId);
        Assert.Equal(SecurityErrors.DkimKeyInvalid, Assert.Throws<MailSecurityException>(() => DkimKeys.ReadPrivateKey(_publicPath)).ErrorId);
    }

    [Fact]
    public void Only_header_fields_present_are_signed_and_From_is_required()
    {
        var signed = Signed(configure: o => o.Headers = new List<string> { "From", "Subject", "X-Absent" });
        var field = signed.MimeMessage.Headers[MimeKit.HeaderId.DkimSignature]!;
        Assert.Matches(@"h=from:subject;", field.Replace(" ", "").Replace("\t", "").Replace("\r\n", "").ToLowerInvariant());

        var error = Assert.Throws<MailSecurityException>(() => Signed(configure: o => o.Headers = new List<string> { "Subject" }));
        Assert.Equal(SecurityErrors.DkimSignFailed, error.ErrorId);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", 53)]
    [InlineData("127.0.0.1:5353", "127.0.0.1", 5353)]
    [InlineData("[::1]:5300", "::1", 5300)]
    [InlineData("::1", "::1", 53)]
    public void Dns_server_parses_address_and_port(string text, string address, int port)
    {
        var endpoint = MailAdmin.DnsChecks.MailDnsResolver.ParseServer(text);
        Assert.Equal(IPAddress.Parse(address), endpoint.Address);
        Assert.Equal(port, endpoint.Port);
    }
}
