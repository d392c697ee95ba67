using System;
using System.Collections.Generic;
using System.Threading;
using MailAdmin.Messages;
using MimeKit;
using MimeKit.Cryptography;

namespace MailAdmin.Security;

/// <summary>
/// Verifies every DKIM-Signature of a message with MimeKit's verifier and explains each
/// verdict: no signature, an unreadable one, a key that cannot be found, an expired
/// signature, a changed body (bh= no longer matches) or a changed signed header field.
/// </summary>
public static class DkimVerification
{
    public static IReadOnlyList<DkimVerificationResult> Verify(MailMessage message, IDkimPublicKeyLocator locator, CancellationToken cancellationToken = default)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        if (locator == null) throw new ArgumentNullException(nameof(locator));
        var raw = message.GetBytes();
        var parsed = MessageParser.Parse(raw);
        var verifier = new DkimVerifier(locator);
        var results = new List<DkimVerificationResult>();
        foreach (var header in parsed.Headers)
        {
            if (header.Id != HeaderId.DkimSignature) continue;
            cancellationToken.ThrowIfCancellationRequested();
            results.Add(VerifyOne(verifier, message, parsed, raw, header, cancellationToken));
        }
        if (results.Count == 0)
            results.Add(new DkimVerificationResult(false, null, null, "The message has no DKIM-Signature header field.", null, message));
        return results;
    }

    private static DkimVerificationResult VerifyOne(DkimVerifier verifier, MailMessage message, MimeMessage parsed, byte[] raw, Header header, CancellationToken cancellationToken)
    {
        var tags = new DkimSignatureTags(header.Value);
        DkimVerificationResult Result(bool valid, string reason) => new DkimVerificationResult(valid, tags.Domain, tags.Selector, reason, header.Value, message);

        bool valid;
        try
        {
            valid = verifier.Verify(MimeCopies.Wire, parsed, header, cancellationToken);
        }
        catch (DkimKeyLookupException ex)
        {
            return Result(false, ex.Message);
        }
        catch (FormatException ex)
        {
            return Result(false, $"The DKIM-Signature is malformed: {ex.Message}");
        }
        catch (NotSupportedException ex)
        {
            return Result(false, $"The DKIM-Signature uses something not supported: {ex.Message}");
        }

        if (tags.Expires is DateTimeOffset expires && expires < DateTimeOffset.UtcNow)
            return Result(false, $"The signature expired at {expires:u} (x=).");
        if (valid)
            return Result(true, "The signature matches the body and the signed header fields.");
        if (tags["a"] is string a && a.Equals("rsa-sha1", StringComparison.OrdinalIgnoreCase))
            return Result(false, "The signature uses rsa-sha1, which is no longer accepted (RFC 8301).");
        return DkimBodyHash.Matches(raw, tags) switch
        {
            false => Result(false, "The body hash does not match: the body was changed after signing."),
            true => Result(false, "The body is intact but the signature does not match: a signed header field was changed, or the key is not the signer's."),
            _ => Result(false, "The signature does not match the message."),
        };
    }
}
