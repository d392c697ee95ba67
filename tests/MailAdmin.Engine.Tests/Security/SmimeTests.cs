using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailAdmin.Messages;
using MailAdmin.Security;
using Xunit;

namespace MailAdmin.Engine.Tests.Security;

public sealed class SmimeTests
{
    private static readonly X509Certificate2 Ann = TestCertificates.Create("ann@example.com");
    private static readonly X509Certificate2 Bob = TestCertificates.Create("bob@example.com");

    private static SmimeUnprotectOptions TrustAnn(params X509Certificate2[] keys) => new()
    {
        TrustedCertificates = { TestCertificates.PublicOnly(Ann) },
        DecryptionCertificates = keys.ToList(),
    };

    [Theory]
    [InlineData(SmimeSignatureType.Detached, "multipart/signed")]
    [InlineData(SmimeSignatureType.Opaque, "application/pkcs7-mime")]
    public void Signed_message_verifies_against_the_trusted_signer(SmimeSignatureType type, string mimeType)
    {
        var signed = SmimeProtector.Protect(TestCertificates.Message(), new SmimeOptions { SigningCertificate = Ann, SignatureType = type });
        Assert.Equal(mimeType, signed.MimeMessage.Body!.ContentType.MimeType);
        Assert.Equal("numbers", signed.Subject);

        var result = SmimeUnprotector.Unprotect(signed, TrustAnn());
        var signature = Assert.Single(result.Signatures);
        Assert.True(signature.IsValid, signature.Reason);
        Assert.Equal("ann@example.com", signature.Signer);
        Assert.Equal(Ann.Thumbprint, signature.Certificate!.Thumbprint);
        Assert.False(result.WasEncrypted);
        Assert.Contains("quarterly numbers", TestCertificates.Text(result.Message));
        Assert.Equal("numbers", result.Message.Subject);
    }

    [Fact]
    public void Signer_that_is_not_trusted_is_reported_as_such_and_skip_check_accepts_the_match()
    {
        var signed = SmimeProtector.Protect(TestCertificates.Message(), new SmimeOptions { SigningCertificate = Ann });

        var untrusted = Assert.Single(SmimeUnprotector.Unprotect(signed, new SmimeUnprotectOptions { UseSystemRoots = false }).Signatures);
        Assert.False(untrusted.IsValid);
        Assert.Contains("not trusted", untrusted.Reason);

        var matchOnly = Assert.Single(SmimeUnprotector.Unprotect(signed, new SmimeUnprotectOptions { SkipCertificateCheck = true }).Signatures);
        Assert.True(matchOnly.IsValid, matchOnly.Reason);
    }

    [Theory]
    [InlineData(SmimeSignatureType.Detached)]
    [InlineData(SmimeSignatureType.Opaque)]
    public void Tampered_content_fails_with_a_reason_that_says_it_was_changed(SmimeSignatureType type)
    {
        var signed = SmimeProtector.Protect(TestCertificates.Message(), new SmimeOptions { SigningCertificate = Ann, SignatureType = type });
        var copy = signed.MimeMessage; // parse, then change the signed text
        var text = Encoding.ASCII.GetString(signed.GetBytes());
        string tampered;
        if (type == SmimeSignatureType.Detached)
        {
            tampered = text.Replace("quarterly numbers", "quarterly NUMBERS");
        }
        else
        {
            // The content sits inside the base64 CMS blob: flip one byte of the decoded DER near its middle.
            var part = (MimeKit.MimePart)copy.Body!;
            using var decoded = new MemoryStream();
            part.Content!.DecodeTo(decoded);
            var der = decoded.ToArray();
            var at = Encoding.ASCII.GetString(der).IndexOf("quarterly", StringComparison.Ordinal);
            Assert.True(at > 0);
            der[at] ^= 0x20;
            var header = text.Substring(0, text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4);
            tampered = header + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks) + "\r\n";
        }
        Assert.NotEqual(text, tampered);

        var result = SmimeUnprotector.Unprotect(MailMessage.FromBytes(Encoding.ASCII.GetBytes(tampered)), TrustAnn());
        var signature = Assert.Single(result.Signatures);
        Assert.False(signature.IsValid);
        Assert.Contains("changed after it was signed", signature.Reason);
    }

    [Fact]
    public void Encrypted_message_decrypts_only_with_the_recipient_key()
    {
        var encrypted = SmimeProtector.Protect(TestCertificates.Message(), new SmimeOptions { RecipientCertificates = { TestCertificates.PublicOnly(Bob) } });
        Assert.Equal("application/pkcs7-mime", encrypted.MimeMessage.Body!.ContentType.MimeType);
        Assert.DoesNotContain("quarterly", Encoding.ASCII.GetString(encrypted.GetBytes()));

        var result = SmimeUnprotector.Unprotect(encrypted, new SmimeUnprotectOptions { DecryptionCertificates = { Bob } });
        Assert.True(result.WasEncrypted);
        Assert.Empty(result.Signatures);
        Assert.Contains("quarterly numbers", TestCertificates.Text(result.Message));

        var wrongKey = Assert.Throws<MailSecurityException>(() => SmimeUnprotector.Unprotect(encrypted, new SmimeUnprotectOptions { DecryptionCertificates = { Ann } }));
        Assert.Equal(SecurityErrors.DecryptFailed, wrongKey.ErrorId);
        var noKey = Assert.Throws<MailSecurityException>(() => SmimeUnprotector.Unprotect(encrypted, new SmimeUnprotectOptions()));
        Assert.Equal(SecurityErrors.DecryptFailed, noKey.ErrorId);
    }

    [Theory]
    [InlineData(SmimeSignatureType.Detached)]
    [InlineData(SmimeSignatureType.Opaque)]
    public void Signed_and_encrypted_message_decrypts_and_verifies(SmimeSignatureType type)
    {
        var options = new SmimeOptions { SigningCertificate = Ann, SignatureType = type, RecipientCertificates = { TestCertificates.PublicOnly(Bob) } };
        var both = SmimeProtector.Protect(TestCertificates.Message(), options);

        var result = SmimeUnprotector.Unprotect(both, TrustAnn(Bob));
        Assert.True(result.WasEncrypted);
        Assert.True(result.IsValid, string.Join("; ", result.Signatures));
        Assert.Contains("quarterly numbers", TestCertificates.Text(result.Message));
    }

    [Fact]
    public void Plain_message_is_not_protected()
    {
        var error = Assert.Throws<MailSecurityException>(() => SmimeUnprotector.Unprotect(TestCertificates.Message(), new SmimeUnprotectOptions()));
        Assert.Equal(SecurityErrors.NotProtected, error.ErrorId);
    }

    [Fact]
    public void Protect_needs_a_private_key_to_sign()
    {
        var error = Assert.Throws<MailSecurityException>(() =>
            SmimeProtector.Protect(TestCertificates.Message(), new SmimeOptions { SigningCertificate = TestCertificates.PublicOnly(Ann) }));
        Assert.Equal(SecurityErrors.NoPrivateKey, error.ErrorId);
    }
}
