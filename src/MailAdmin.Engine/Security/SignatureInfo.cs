using System;
using System.Security.Cryptography.X509Certificates;

namespace MailAdmin.Security;

/// <summary>One signature of an S/MIME message and whether it holds.</summary>
public sealed class SignatureInfo
{
    public SignatureInfo(string signer, X509Certificate2? certificate, DateTime? signedAt, bool isValid, string reason)
    {
        Signer = signer;
        Certificate = certificate;
        SignedAt = signedAt;
        IsValid = isValid;
        Reason = reason;
    }

    /// <summary>The signer: the certificate's e-mail address, else its subject.</summary>
    public string Signer { get; }

    /// <summary>The signer's certificate, when the signature carries it or it is known.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>The signing time the signer claims (the signingTime attribute), if any.</summary>
    public DateTime? SignedAt { get; }

    /// <summary>True when the signature matches the content and the signer is trusted (or the trust check was skipped).</summary>
    public bool IsValid { get; }

    /// <summary>Why the signature is or is not valid, in words.</summary>
    public string Reason { get; }

    public override string ToString() => $"{Signer}: {(IsValid ? "valid" : "INVALID")} ({Reason})";
}
