using System;
using System.Linq;
using MailAdmin.Messages;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace MailAdmin.Security;

/// <summary>
/// Adds a DKIM-Signature header field to a message. The signature is computed over the
/// message as it will be sent (CRLF line ends), and the returned message's bytes are
/// exactly those: nothing re-serialises it afterwards, so what is verified is what was signed.
/// </summary>
public static class DkimSignerService
{
    public static MailMessage Sign(MailMessage message, DkimSignOptions options)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        if (options == null) throw new ArgumentNullException(nameof(options));
        var copy = MimeCopies.Parse(message);
        Sign(copy, options);
        return MimeCopies.ToMailMessage(copy, message.Origin);
    }

    /// <summary>Prepends the DKIM-Signature to <paramref name="message"/>; write it with <see cref="MimeCopies.Wire"/>-like CRLF options.</summary>
    internal static void Sign(MimeMessage message, DkimSignOptions options)
    {
        var algorithm = options.PrivateKey is Ed25519PrivateKeyParameters ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256;
        var signer = new DkimSigner(options.PrivateKey, options.Domain, options.Selector, algorithm)
        {
            HeaderCanonicalizationAlgorithm = options.HeaderCanonicalization,
            BodyCanonicalizationAlgorithm = options.BodyCanonicalization,
            AgentOrUserIdentifier = options.Identity,
        };
        // Only fields the message has: listing an absent field would forbid adding it later,
        // which is a choice the caller makes by naming it, not a default.
        var present = options.Headers.Where(h => message.Headers.Contains(h)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (!present.Any(h => h.Equals("From", StringComparison.OrdinalIgnoreCase)))
            throw new MailSecurityException(SecurityErrors.DkimSignFailed, "A DKIM signature must sign the From field, and the message has none or it is not in the header list.");
        try
        {
            signer.Sign(MimeCopies.Wire, message, present);
        }
        catch (Exception ex) when (!(ex is MailSecurityException))
        {
            throw new MailSecurityException(SecurityErrors.DkimSignFailed, $"DKIM signing failed: {ex.Message}", ex);
        }
    }
}
