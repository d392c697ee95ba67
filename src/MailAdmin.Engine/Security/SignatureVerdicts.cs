using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using MimeKit.Cryptography;

namespace MailAdmin.Security;

/// <summary>
/// Judges each signature in two steps, so the reason says which one failed: does the
/// signature match the content (was the message changed?), then is the signer's
/// certificate trusted (does it chain to a trusted certificate, and is it in date?).
/// </summary>
internal static class SignatureVerdicts
{
    public static IEnumerable<SignatureInfo> Describe(DigitalSignatureCollection signatures, bool skipCertificateCheck)
    {
        foreach (var signature in signatures)
            yield return Describe(signature, skipCertificateCheck);
    }

    private static SignatureInfo Describe(IDigitalSignature signature, bool skipCertificateCheck)
    {
        var bcCertificate = (signature.SignerCertificate as SecureMimeDigitalCertificate)?.Certificate;
        var certificate = bcCertificate == null ? null : new X509Certificate2(bcCertificate.GetEncoded());
        var signer = SignerName(signature.SignerCertificate, certificate);
        DateTime? signedAt = signature.CreationDate == default ? (DateTime?)null : signature.CreationDate;

        if (certificate == null)
            return new SignatureInfo(signer, null, signedAt, false, "The signer's certificate is neither in the signature nor among the given certificates, so the signature cannot be checked.");

        if (!Holds(() => signature is SecureMimeDigitalSignature smime ? smime.Verify(true) : signature.Verify(), out var mismatch))
            return new SignatureInfo(signer, certificate, signedAt, false,
                "The signature does not match the content: the message was changed after it was signed" + Detail(mismatch));

        if (skipCertificateCheck)
            return new SignatureInfo(signer, certificate, signedAt, true, "The signature matches the content; the signer's certificate was not checked (-SkipCertificateCheck).");

        if (!Holds(() => signature.Verify(), out var untrusted))
            return new SignatureInfo(signer, certificate, signedAt, false,
                "The signature matches the content, but the signer's certificate is not trusted" + Detail(untrusted));

        return new SignatureInfo(signer, certificate, signedAt, true, "The signature matches the content and the signer's certificate is trusted.");
    }

    private static bool Holds(Func<bool> verify, out Exception? failure)
    {
        failure = null;
        try
        {
            return verify();
        }
        catch (DigitalSignatureVerifyException ex)
        {
            failure = ex;
            return false;
        }
    }

    private static string Detail(Exception? failure) =>
        failure == null ? "." : $" ({failure.InnerException?.Message ?? failure.Message}).";

    private static string SignerName(IDigitalCertificate? digital, X509Certificate2? certificate)
    {
        // The address the certificate is for (E= or the rfc822Name), else its common name.
        var email = digital?.Email;
        if (!string.IsNullOrEmpty(email)) return email!;
        if (certificate == null) return "(unknown signer)";
        foreach (var type in new[] { X509NameType.EmailName, X509NameType.SimpleName })
        {
            var name = certificate.GetNameInfo(type, forIssuer: false);
            if (!string.IsNullOrEmpty(name)) return name;
        }
        return certificate.Subject;
    }
}
