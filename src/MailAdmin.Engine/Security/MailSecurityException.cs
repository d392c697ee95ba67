using System;

namespace MailAdmin.Security;

/// <summary>
/// A signing, encryption or key problem the user can act on (a missing key, a certificate
/// that cannot be used, a message we hold no key for). <see cref="ErrorId"/> is the stable
/// id the cmdlets give the ErrorRecord, e.g. "SmimeDecryptFailed" or "DkimKeyNotFound".
/// A signature that does not verify is not an exception: it is a result with a reason.
/// </summary>
public sealed class MailSecurityException : Exception
{
    public MailSecurityException(string errorId, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
    }

    public string ErrorId { get; }
}

/// <summary>The error ids, in one place so cmdlets, docs and tests agree.</summary>
public static class SecurityErrors
{
    public const string CertificateNotFound = "SmimeCertificateNotFound";
    public const string CertificateInvalid = "SmimeCertificateInvalid";
    public const string NoPrivateKey = "SmimeNoPrivateKey";
    public const string ProtectFailed = "SmimeProtectFailed";
    public const string DecryptFailed = "SmimeDecryptFailed";
    public const string NotProtected = "SmimeNotProtected";
    public const string DkimKeyNotFound = "DkimKeyNotFound";
    public const string DkimKeyInvalid = "DkimKeyInvalid";
    public const string DkimSignFailed = "DkimSignFailed";
}
