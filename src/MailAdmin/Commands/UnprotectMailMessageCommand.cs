using System.Linq;
using System.Management.Automation;
using System.Security;
using MailAdmin.Messages;
using MailAdmin.Security;

namespace MailAdmin.Commands;

/// <summary>
/// Unprotect-MailMessage: decrypts and verifies S/MIME messages. A signature that does not
/// hold is reported in the result (IsValid, Reason), not as an error.
/// </summary>
[Cmdlet(VerbsSecurity.Unprotect, "MailMessage", DefaultParameterSetName = MessageSet)]
[OutputType(typeof(UnprotectResult))]
public sealed class UnprotectMailMessageCommand : MessageInputCmdlet
{
    private SmimeUnprotectOptions? _options;

    /// <summary>Certificates with private keys to decrypt with (X509Certificate2, PFX or PEM path, Windows thumbprint).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Certificate { get; set; }

    [Parameter]
    public SecureString? CertificatePassword { get; set; }

    /// <summary>Certificates whose signatures are trusted, besides the system's root certificates.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? TrustedCertificate { get; set; }

    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    protected override void BeginProcessing()
    {
        try
        {
            _options = new SmimeUnprotectOptions
            {
                DecryptionCertificates = (Certificate ?? new object[0]).Select(c => SecurityCmdletInputs.WithKey(this, c, CertificatePassword)).ToList(),
                TrustedCertificates = (TrustedCertificate ?? new object[0]).Select(c => SecurityCmdletInputs.Public(this, c)).ToList(),
                SkipCertificateCheck = SkipCertificateCheck,
            };
        }
        catch (MailSecurityException ex)
        {
            ThrowTerminating(ex, ex.ErrorId, SecurityCmdletInputs.Category(ex.ErrorId), null);
        }
    }

    protected override void ProcessMessage(MailMessage message)
    {
        try
        {
            WriteObject(SmimeUnprotector.Unprotect(message, _options!, CancellationToken));
        }
        catch (MailSecurityException ex)
        {
            WriteError(ex, ex.ErrorId, SecurityCmdletInputs.Category(ex.ErrorId), message);
        }
        catch (MessageFormatException ex)
        {
            WriteError(ex, "MessageFormatInvalid", ErrorCategory.InvalidData, message);
        }
    }
}
