using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailAdmin.Messages;

namespace MailAdmin.Engine.Tests.Security;

/// <summary>Self-signed S/MIME certificates and small messages, made fresh for each test class.</summary>
internal static class TestCertificates
{
    public static X509Certificate2 Create(string email)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={email}, E={email}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress(email);
        request.CertificateExtensions.Add(san.Build());
        using var made = request.CreateSelfSigned(DateTimeOffset.Now.AddDays(-1), DateTimeOffset.Now.AddDays(30));
        // Round-trip through PFX so the key is exportable, as the module's loaders make it.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
    }

    public static X509Certificate2 PublicOnly(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadCertificate(certificate.RawData);

    public static MailMessage Message(string body = "The quarterly numbers are attached.\r\nSecond line.\r\n") =>
        MailMessage.FromBytes(Encoding.ASCII.GetBytes(
            "From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: numbers\r\n" +
            "Message-ID: <n1@example.com>\r\nDate: Mon, 5 Jan 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + body));

    public static string Text(MailMessage message) => message.MimeMessage.TextBody ?? "";
}
