using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkix;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.X509;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace MailAdmin.Security;

/// <summary>
/// An S/MIME context that knows exactly the certificates it is given and nothing else: no
/// database, no files, no network. Keys are used to decrypt; trust anchors decide whether a
/// signer's chain is trusted. MimeKit's own TemporarySecureMimeContext would also do, but
/// it trusts every certificate imported into it, so a signature would "validate" against
/// the very certificate it carries.
/// </summary>
internal sealed class InMemorySecureMimeContext : BouncyCastleSecureMimeContext
{
    private readonly List<(X509Certificate Certificate, AsymmetricKeyParameter Key)> _keys = new List<(X509Certificate, AsymmetricKeyParameter)>();
    private readonly HashSet<TrustAnchor> _anchors = new HashSet<TrustAnchor>();
    private readonly List<X509Certificate> _certificates = new List<X509Certificate>();

    /// <summary>A certificate with its private key: used to decrypt (and, as a known certificate, to build chains).</summary>
    public void AddKey(X509Certificate2 certificate)
    {
        var bc = certificate.AsBouncyCastleCertificate();
        var key = certificate.GetPrivateKeyAsAsymmetricKeyParameter()
            ?? throw new MailSecurityException(SecurityErrors.NoPrivateKey, $"The certificate '{certificate.Subject}' has no usable private key.");
        _keys.Add((bc, key));
        _certificates.Add(bc);
    }

    /// <summary>A certificate whose signatures (and those of the certificates it issued) are trusted.</summary>
    public void AddTrusted(X509Certificate2 certificate)
    {
        var bc = certificate.AsBouncyCastleCertificate();
        _anchors.Add(new TrustAnchor(bc, null));
        _certificates.Add(bc);
    }

    protected override X509Certificate? GetCertificate(ISelector<X509Certificate> selector) =>
        _certificates.FirstOrDefault(c => selector == null || selector.Match(c));

    protected override AsymmetricKeyParameter? GetPrivateKey(ISelector<X509Certificate> selector) =>
        _keys.Where(k => selector == null || selector.Match(k.Certificate)).Select(k => k.Key).FirstOrDefault();

    protected override ISet<TrustAnchor> GetTrustedAnchors() => new HashSet<TrustAnchor>(_anchors);

    protected override IStore<X509Certificate> GetIntermediateCertificates() => CollectionUtilities.CreateStore(_certificates);

    protected override IStore<X509Crl> GetCertificateRevocationLists() => CollectionUtilities.CreateStore(new List<X509Crl>());

    // Revocation is not checked (CheckCertificateRevocation stays false), so no CRL is ever due.
    protected override DateTime GetNextCertificateRevocationListUpdate(X509Name issuer) => DateTime.MaxValue;

    // Signers and recipients are always given as certificates, never looked up by address.
    protected override CmsRecipient GetCmsRecipient(MailboxAddress mailbox) =>
        throw new CertificateNotFoundException(mailbox, "Recipients are given as certificates.");

    protected override CmsSigner GetCmsSigner(MailboxAddress mailbox, DigestAlgorithm digestAlgo) =>
        throw new CertificateNotFoundException(mailbox, "Signers are given as certificates.");

    // Nothing is remembered between messages, so the capabilities a signer announces are not kept.
    protected override void UpdateSecureMimeCapabilities(X509Certificate certificate, EncryptionAlgorithm[] algorithms, DateTime timestamp) { }

    // Certificates a signed message carries are not imported: they must not become trusted.
    public override void Import(Stream stream, string password, CancellationToken cancellationToken = default) { }

    public override System.Threading.Tasks.Task ImportAsync(Stream stream, string password, CancellationToken cancellationToken = default) =>
        System.Threading.Tasks.Task.CompletedTask;

    public override bool CanSign(MailboxAddress signer, CancellationToken cancellationToken = default) => false;

    public override bool CanEncrypt(MailboxAddress mailbox, CancellationToken cancellationToken = default) => false;

    public override void Import(X509Certificate certificate, CancellationToken cancellationToken = default) { }

    public override void Import(X509Crl crl, CancellationToken cancellationToken = default) { }
}
