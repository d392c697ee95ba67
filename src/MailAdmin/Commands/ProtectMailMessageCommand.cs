using System.Management.Automation;
using System.Security;
using MailAdmin.Messages;
using MailAdmin.Security;

namespace MailAdmin.Commands;

/// <summary>Protect-MailMessage: signs and/or encrypts messages with S/MIME; yields the protected messages.</summary>
[Cmdlet(VerbsSecurity.Protect, "MailMessage", DefaultParameterSetName = MessageSet)]
[OutputType(typeof(MailMessage))]
public sealed class ProtectMailMessageCommand : MessageInputCmdlet
{
    private SmimeOptions? _options;

    [Parameter]
    public SwitchParameter Sign { get; set; }

    [Parameter]
    public SwitchParameter Encrypt { get; set; }

    /// <summary>The signer: an X509Certificate2 with its key, a PFX or PEM path, or (Windows) a thumbprint.</summary>
    [Parameter]
    [ValidateNotNull]
    public object? Certificate { get; set; }

    [Parameter]
    public SecureString? CertificatePassword { get; set; }

    /// <summary>The recipients: X509Certificate2 objects or paths to PEM/DER certificate files.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? RecipientCertificate { get; set; }

    [Parameter]
    public SmimeSignatureType SignatureType { get; set; } = SmimeSignatureType.Detached;

    protected override void BeginProcessing() =>
        _options = SmimeCmdletOptions.Build(this, Sign, Encrypt, Certificate, CertificatePassword, RecipientCertificate, SignatureType);

    protected override void ProcessMessage(MailMessage message)
    {
        try
        {
            WriteObject(SmimeProtector.Protect(message, _options!, CancellationToken));
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
