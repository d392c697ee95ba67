using System;
using System.Linq;
using System.Threading;
using MailAdmin.Messages;
using MimeKit;
using MimeKit.Cryptography;

namespace MailAdmin.Security;

/// <summary>
/// Signs and/or encrypts a message with S/MIME. The header stays as it was (From, To,
/// Subject are not protected by S/MIME); the body becomes multipart/signed (detached
/// signature) or application/pkcs7-mime (opaque signature, encryption). Signing comes
/// before encrypting, so only a recipient can see who signed. Protect-MailMessage and
/// Send-SmtpMessage -Sign/-Encrypt both come here.
/// </summary>
public static class SmimeProtector
{
    /// <summary>The protected message; its bytes use CRLF line ends, ready to send.</summary>
    public static MailMessage Protect(MailMessage message, SmimeOptions options, CancellationToken cancellationToken = default)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        var copy = MimeCopies.Parse(message);
        Protect(copy, options, cancellationToken);
        return MimeCopies.ToMailMessage(copy, message.Origin);
    }

    /// <summary>Replaces the body of <paramref name="message"/> (a message the caller owns) by its protected form.</summary>
    internal static void Protect(MimeMessage message, SmimeOptions options, CancellationToken cancellationToken = default)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        if (options == null) throw new ArgumentNullException(nameof(options));
        if (!options.Sign && !options.Encrypt)
            throw new ArgumentException("Nothing to do: give a signing certificate, recipient certificates, or both.", nameof(options));
        if (options.SigningCertificate != null && !options.SigningCertificate.HasPrivateKey)
            throw new MailSecurityException(SecurityErrors.NoPrivateKey, $"The signing certificate '{options.SigningCertificate.Subject}' has no private key.");

        var body = message.Body ?? throw new ArgumentException("The message has no body to protect.", nameof(message));
        using var context = new InMemorySecureMimeContext();
        try
        {
            message.Body = ProtectEntity(context, body, options, cancellationToken);
        }
        catch (Exception ex) when (!(ex is MailSecurityException) && !(ex is OperationCanceledException))
        {
            throw new MailSecurityException(SecurityErrors.ProtectFailed, $"S/MIME protection failed: {ex.Message}", ex);
        }
    }

    private static MimeEntity ProtectEntity(SecureMimeContext context, MimeEntity body, SmimeOptions options, CancellationToken cancellationToken)
    {
        var content = body;
        if (options.Sign)
        {
            var signer = new CmsSigner(options.SigningCertificate!) { DigestAlgorithm = options.DigestAlgorithm };
            content = options.SignatureType == SmimeSignatureType.Detached
                ? (MimeEntity)MultipartSigned.Create(context, signer, content, cancellationToken)
                : ApplicationPkcs7Mime.Sign(context, signer, content, cancellationToken);
        }
        if (!options.Encrypt)
            return content;

        var recipients = new CmsRecipientCollection();
        var certificates = options.RecipientCertificates.ToList();
        if (options.EncryptForSigner && options.SigningCertificate != null)
            certificates.Add(options.SigningCertificate);
        foreach (var certificate in certificates.GroupBy(c => c.Thumbprint).Select(g => g.First()))
            recipients.Add(new CmsRecipient(certificate));
        return ApplicationPkcs7Mime.Encrypt(context, recipients, content, cancellationToken);
    }
}
