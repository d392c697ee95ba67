using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;
using BcGenerator = Org.BouncyCastle.X509.X509V3CertificateGenerator;

namespace MailAdmin.Hosting;

/// <summary>
/// Server certificates: from a PFX, from PEM (certificate and key), or self-signed and
/// kept in the store root. BouncyCastle does the work because netstandard2.0 has neither
/// CertificateRequest nor PEM import; the result is always a PKCS#12-backed
/// X509Certificate2 with its private key, which SslStream accepts on every platform.
/// </summary>
public static class TlsCertificates
{
    public const string SelfSignedFileName = "mailadmin-tls.pfx";

    public static X509Certificate2 LoadPfx(string path, string? password) =>
        CheckHasKey(new X509Certificate2(File.ReadAllBytes(path), password, X509KeyStorageFlags.Exportable), path);

    /// <summary>Loads a certificate and its private key from PEM text in one file, or two.</summary>
    public static X509Certificate2 LoadPem(string certificatePath, string? keyPath = null)
    {
        var certificates = new List<BcCertificate>();
        AsymmetricKeyParameter? key = null;
        foreach (var path in keyPath == null ? new[] { certificatePath } : new[] { certificatePath, keyPath })
        {
            using var reader = new StreamReader(path);
            var pem = new PemReader(reader);
            object item;
            while ((item = pem.ReadObject()) != null)
            {
                switch (item)
                {
                    case BcCertificate certificate: certificates.Add(certificate); break;
                    case AsymmetricCipherKeyPair pair: key = pair.Private; break;
                    case AsymmetricKeyParameter parameter when parameter.IsPrivate: key = parameter; break;
                }
            }
        }
        if (certificates.Count == 0)
            throw new InvalidDataException($"No certificate found in '{certificatePath}'.");
        if (key == null)
            throw new InvalidDataException($"No private key found in '{keyPath ?? certificatePath}' (an encrypted key is not supported; use a PFX).");
        return ToX509Certificate2(certificates, key, certificatePath);
    }

    /// <summary>
    /// The self-signed certificate kept in <paramref name="storeRoot"/>, made on first use
    /// (RSA 2048, SHA-256, two years, names: the host name, localhost, 127.0.0.1, ::1).
    /// </summary>
    public static X509Certificate2 GetOrCreateSelfSigned(string storeRoot, string hostName)
    {
        var path = Path.Combine(storeRoot, SelfSignedFileName);
        if (File.Exists(path))
        {
            var existing = LoadPfx(path, null);
            if (existing.NotAfter > DateTime.Now.AddDays(7))
                return existing;
        }
        var bytes = CreateSelfSignedPfx(hostName);
        Directory.CreateDirectory(storeRoot);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        if (File.Exists(path)) File.Delete(path);
        File.Move(temp, path);
        return LoadPfx(path, null);
    }

    /// <summary>A self-signed certificate that lives only in memory (for -InMemory servers).</summary>
    public static X509Certificate2 CreateSelfSigned(string hostName) =>
        new X509Certificate2(CreateSelfSignedPfx(hostName), (string?)null, X509KeyStorageFlags.Exportable);

    /// <summary>
    /// A self-signed certificate with chosen names and validity: for tests and labs that need
    /// an expired or misnamed certificate on purpose.
    /// </summary>
    public static X509Certificate2 CreateSelfSigned(string[] dnsNames, DateTime notBefore, DateTime notAfter)
    {
        if (dnsNames == null || dnsNames.Length == 0) throw new ArgumentException("At least one name is required.", nameof(dnsNames));
        var pfx = CreateSelfSignedPfx(dnsNames[0], notBefore, notAfter, dnsNames, includeLoopback: false);
        return new X509Certificate2(pfx, (string?)null, X509KeyStorageFlags.Exportable);
    }

    private static byte[] CreateSelfSignedPfx(string hostName)
    {
        var names = new List<string> { hostName };
        if (!string.Equals(hostName, "localhost", StringComparison.OrdinalIgnoreCase)) names.Add("localhost");
        return CreateSelfSignedPfx(hostName, DateTime.UtcNow.AddDays(-1), DateTime.UtcNow.AddYears(2), names, includeLoopback: true);
    }

    private static byte[] CreateSelfSignedPfx(string hostName, DateTime notBefore, DateTime notAfter, IEnumerable<string> dnsNames, bool includeLoopback)
    {
        var random = new SecureRandom();
        var keys = new RsaKeyPairGenerator();
        keys.Init(new KeyGenerationParameters(random, 2048));
        var pair = keys.GenerateKeyPair();

        var name = new X509Name("CN=" + hostName + ", O=MailAdmin self-signed");
        var generator = new BcGenerator();
        generator.SetSerialNumber(new BigInteger(128, random));
        generator.SetIssuerDN(name);
        generator.SetSubjectDN(name);
        generator.SetNotBefore(notBefore.ToUniversalTime());
        generator.SetNotAfter(notAfter.ToUniversalTime());
        generator.SetPublicKey(pair.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth));
        var names = dnsNames.Select(n => new GeneralName(GeneralName.DnsName, n)).ToList();
        if (includeLoopback)
        {
            names.Add(new GeneralName(GeneralName.IPAddress, "127.0.0.1"));
            names.Add(new GeneralName(GeneralName.IPAddress, "::1"));
        }
        generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(names.ToArray()));
        var certificate = generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", pair.Private, random));
        return ToPfxBytes(new List<BcCertificate> { certificate }, pair.Private, random);
    }

    private static X509Certificate2 ToX509Certificate2(List<BcCertificate> chain, AsymmetricKeyParameter key, string source) =>
        CheckHasKey(new X509Certificate2(ToPfxBytes(chain, key, new SecureRandom()), (string?)null, X509KeyStorageFlags.Exportable), source);

    private static byte[] ToPfxBytes(List<BcCertificate> chain, AsymmetricKeyParameter key, SecureRandom random)
    {
        var store = new Pkcs12StoreBuilder().Build();
        var entries = chain.ConvertAll(c => new X509CertificateEntry(c)).ToArray();
        store.SetKeyEntry("mailadmin", new AsymmetricKeyEntry(key), entries);
        using var buffer = new MemoryStream();
        store.Save(buffer, new char[0], random);
        return buffer.ToArray();
    }

    private static X509Certificate2 CheckHasKey(X509Certificate2 certificate, string source)
    {
        if (!certificate.HasPrivateKey)
            throw new InvalidDataException($"The certificate from '{source}' has no private key; a server needs one.");
        return certificate;
    }
}
