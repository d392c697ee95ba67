using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using MimeKit.Cryptography;

namespace MailAdmin.Security;

/// <summary>How a signature is attached to the content.</summary>
public enum SmimeSignatureType
{
    /// <summary>multipart/signed: the content stays readable by mail programs without S/MIME.</summary>
    Detached,
    /// <summary>application/pkcs7-mime; smime-type=signed-data: the content is inside the signature.</summary>
    Opaque,
}

/// <summary>What <see cref="SmimeProtector"/> does to a message: sign, encrypt, or both (sign first).</summary>
public sealed class SmimeOptions
{
    /// <summary>The signer's certificate with its private key; null means do not sign.</summary>
    public X509Certificate2? SigningCertificate { get; set; }

    /// <summary>The recipients' certificates; empty means do not encrypt.</summary>
    public IList<X509Certificate2> RecipientCertificates { get; set; } = new List<X509Certificate2>();

    public SmimeSignatureType SignatureType { get; set; } = SmimeSignatureType.Detached;

    public DigestAlgorithm DigestAlgorithm { get; set; } = DigestAlgorithm.Sha256;

    /// <summary>
    /// Also encrypt for the signer, so the sender can read what they sent. Off by default:
    /// the caller decides who can read the message.
    /// </summary>
    public bool EncryptForSigner { get; set; }

    public bool Sign => SigningCertificate != null;

    public bool Encrypt => RecipientCertificates.Count > 0;
}

/// <summary>What <see cref="SmimeUnprotector"/> may use: keys to decrypt and certificates to trust.</summary>
public sealed class SmimeUnprotectOptions
{
    /// <summary>Certificates with private keys; the one the message was encrypted for decrypts it.</summary>
    public IList<X509Certificate2> DecryptionCertificates { get; set; } = new List<X509Certificate2>();

    /// <summary>Trust anchors for signers (a self-signed signer's own certificate, or its CA).</summary>
    public IList<X509Certificate2> TrustedCertificates { get; set; } = new List<X509Certificate2>();

    /// <summary>Also trust the system's root certificate store.</summary>
    public bool UseSystemRoots { get; set; } = true;

    /// <summary>Only check that signatures match the content; do not ask whether the signer is trusted.</summary>
    public bool SkipCertificateCheck { get; set; }
}
