using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using MailAdmin.Messages;
using MimeKit;
using MimeKit.Cryptography;

namespace MailAdmin.Security;

/// <summary>
/// Takes the S/MIME layers off a message (decrypts, verifies, decompresses; layers may
/// nest, e.g. signed then encrypted) and reports every signature. A signature that does
/// not hold is a result (IsValid false with a reason), not an exception; a message we
/// cannot decrypt is an exception (<see cref="SecurityErrors.DecryptFailed"/>).
/// </summary>
public static class SmimeUnprotector
{
    // Deep enough for any real message (sign+encrypt+compress, triple-wrapped), and a
    // bound for a message that nests layers to make us loop.
    private const int MaxLayers = 8;

    public static UnprotectResult Unprotect(MailMessage message, SmimeUnprotectOptions options, CancellationToken cancellationToken = default)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        if (options == null) throw new ArgumentNullException(nameof(options));
        var copy = MimeCopies.Parse(message);
        using var context = CreateContext(options);

        var signatures = new List<SignatureInfo>();
        bool encrypted = false;
        var entity = copy.Body;
        int layers = 0;
        for (; layers < MaxLayers; layers++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entity is MultipartSigned signed)
            {
                signatures.AddRange(SignatureVerdicts.Describe(signed.Verify(context, cancellationToken), options.SkipCertificateCheck));
                entity = signed[0];
            }
            else if (entity is ApplicationPkcs7Mime pkcs7 && pkcs7.SecureMimeType == SecureMimeType.EnvelopedData)
            {
                entity = Decrypt(context, pkcs7, options, cancellationToken);
                encrypted = true;
            }
            else if (entity is ApplicationPkcs7Mime opaque && opaque.SecureMimeType == SecureMimeType.SignedData)
            {
                var found = opaque.Verify(context, out var content, cancellationToken);
                signatures.AddRange(SignatureVerdicts.Describe(found, options.SkipCertificateCheck));
                entity = content;
            }
            else if (entity is ApplicationPkcs7Mime compressed && compressed.SecureMimeType == SecureMimeType.CompressedData)
            {
                entity = compressed.Decompress(context, cancellationToken);
            }
            else
            {
                break;
            }
        }
        if (layers == 0)
            throw new MailSecurityException(SecurityErrors.NotProtected, $"The message is neither signed nor encrypted with S/MIME (its body is {copy.Body?.ContentType.MimeType ?? "empty"}).");

        copy.Body = entity;
        return new UnprotectResult(MimeCopies.ToMailMessage(copy, message.Origin), signatures, encrypted, message);
    }

    private static MimeEntity Decrypt(SecureMimeContext context, ApplicationPkcs7Mime pkcs7, SmimeUnprotectOptions options, CancellationToken cancellationToken)
    {
        if (options.DecryptionCertificates.Count == 0)
            throw new MailSecurityException(SecurityErrors.DecryptFailed, "The message is encrypted; give the recipient's certificate with its private key to decrypt it.");
        try
        {
            return pkcs7.Decrypt(context, cancellationToken);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException))
        {
            // BouncyCastle says "A suitable private key could not be found" (a CmsException)
            // when no recipient of the message matches a key we hold.
            bool noKey = ex is PrivateKeyNotFoundException || ex is CertificateNotFoundException
                || ex.Message.IndexOf("private key could not be found", StringComparison.OrdinalIgnoreCase) >= 0;
            var reason = noKey ? "it was not encrypted for any of the given certificates" : ex.Message.TrimEnd('.');
            throw new MailSecurityException(SecurityErrors.DecryptFailed, $"Cannot decrypt the message: {reason}.", ex);
        }
    }

    private static InMemorySecureMimeContext CreateContext(SmimeUnprotectOptions options)
    {
        var context = new InMemorySecureMimeContext();
        foreach (var certificate in options.DecryptionCertificates)
            context.AddKey(certificate);
        foreach (var certificate in options.TrustedCertificates)
            context.AddTrusted(certificate);
        if (options.UseSystemRoots && !options.SkipCertificateCheck)
            foreach (var root in SystemRoots.Value)
                context.AddTrusted(root);
        return context;
    }

    // The system's root certificates, read once per process.
    private static readonly Lazy<List<X509Certificate2>> SystemRoots = new Lazy<List<X509Certificate2>>(() =>
    {
        var roots = new List<X509Certificate2>();
        foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
        {
            try
            {
                using var store = new X509Store(StoreName.Root, location);
                store.Open(OpenFlags.ReadOnly);
                foreach (var certificate in store.Certificates)
                    roots.Add(certificate);
            }
            catch (Exception)
            {
                // A store that cannot be opened (no such store on this platform) adds no roots.
            }
        }
        return roots;
    });
}
