using System;
using System.Linq;
using System.Management.Automation;
using System.Security;
using MailAdmin.Security;

namespace MailAdmin.Commands;

/// <summary>
/// Builds <see cref="SmimeOptions"/> from the -Sign/-Encrypt/-Certificate/-CertificatePassword/
/// -RecipientCertificate/-SignatureType parameters, so Protect-MailMessage and
/// Send-SmtpMessage read them the same way. Problems terminate the calling cmdlet with a
/// stable error id (SmimeNothingToDo, SmimeCertificateMissing, or the loader's id).
/// </summary>
internal static class SmimeCmdletOptions
{
    public static SmimeOptions Build(MailAdminCmdlet cmdlet, bool sign, bool encrypt, object? certificate, SecureString? password,
        object[]? recipients, SmimeSignatureType signatureType)
    {
        if (!sign && !encrypt)
            Fail(cmdlet, new ArgumentException("Say what to do: -Sign, -Encrypt, or both."), "SmimeNothingToDo", ErrorCategory.InvalidArgument);
        if (sign && certificate == null)
            Fail(cmdlet, new ArgumentException("-Sign needs -Certificate: the signer's certificate with its private key."), "SmimeCertificateMissing", ErrorCategory.InvalidArgument);
        if (encrypt && (recipients == null || recipients.Length == 0))
            Fail(cmdlet, new ArgumentException("-Encrypt needs -RecipientCertificate: the certificates of those who may read the message."), "SmimeCertificateMissing", ErrorCategory.InvalidArgument);
        var options = new SmimeOptions { SignatureType = signatureType };
        try
        {
            if (sign)
                options.SigningCertificate = SecurityCmdletInputs.WithKey(cmdlet, certificate!, password);
            if (encrypt)
                options.RecipientCertificates = recipients!.Select(c => SecurityCmdletInputs.Public(cmdlet, c)).ToList();
        }
        catch (MailSecurityException ex)
        {
            Fail(cmdlet, ex, ex.ErrorId, SecurityCmdletInputs.Category(ex.ErrorId));
        }
        return options;
    }

    private static void Fail(PSCmdlet cmdlet, Exception exception, string errorId, ErrorCategory category) =>
        cmdlet.ThrowTerminatingError(new ErrorRecord(exception, errorId, category, null));
}
