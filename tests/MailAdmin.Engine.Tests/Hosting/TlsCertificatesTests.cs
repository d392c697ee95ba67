using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailAdmin.Hosting;
using Xunit;

namespace MailAdmin.Engine.Tests.Hosting;

public sealed class TlsCertificatesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mailadmin-tls-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Self_signed_certificate_is_made_once_and_then_reused()
    {
        var first = TlsCertificates.GetOrCreateSelfSigned(_root, "mail.test");
        var second = TlsCertificates.GetOrCreateSelfSigned(_root, "mail.test");
        Assert.True(first.HasPrivateKey);
        Assert.Equal(first.Thumbprint, second.Thumbprint);
        Assert.True(first.NotAfter > DateTime.Now.AddYears(1));
        var san = first.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("mail.test", san.EnumerateDnsNames());
        Assert.Contains(System.Net.IPAddress.Loopback, san.EnumerateIPAddresses());
        Assert.True(File.Exists(Path.Combine(_root, TlsCertificates.SelfSignedFileName)));
    }

    [Fact]
    public void Pem_certificate_and_pkcs8_key_made_by_dotnet_load_with_their_key()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=pem.test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var made = request.CreateSelfSigned(DateTimeOffset.Now.AddDays(-1), DateTimeOffset.Now.AddDays(30));
        var certPath = Path.Combine(_root, "cert.pem");
        var keyPath = Path.Combine(_root, "key.pem");
        File.WriteAllText(certPath, made.ExportCertificatePem());
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(_root, "both.pem"), made.ExportCertificatePem() + "\n" + rsa.ExportRSAPrivateKeyPem());

        var fromTwo = TlsCertificates.LoadPem(certPath, keyPath);
        var fromOne = TlsCertificates.LoadPem(Path.Combine(_root, "both.pem"));
        Assert.Equal(made.Thumbprint, fromTwo.Thumbprint);
        Assert.Equal(made.Thumbprint, fromOne.Thumbprint);
        Assert.True(fromTwo.HasPrivateKey);
        // The key really is the certificate's: sign with the loaded key, verify with the original.
        var data = new byte[] { 1, 2, 3 };
        var signature = fromOne.GetRSAPrivateKey()!.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.True(rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Pem_without_a_key_is_refused_clearly()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=nokey.test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var made = request.CreateSelfSigned(DateTimeOffset.Now, DateTimeOffset.Now.AddDays(1));
        var path = Path.Combine(_root, "nokey.pem");
        File.WriteAllText(path, made.ExportCertificatePem());
        var error = Assert.Throws<InvalidDataException>(() => TlsCertificates.LoadPem(path));
        Assert.Contains("private key", error.Message);
    }
}
