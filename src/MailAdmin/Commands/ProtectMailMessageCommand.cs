using System;
using System.Linq;
using System.Management.Automation;
using System.Security;
using MailAdmin.Messages;
using MailAdmin.Security;

namespace MailAdmin.Commands
{
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

        protected override void BeginProcessing()
        {
            if (!Sign && !Encrypt)
                ThrowTerminating(new ArgumentException("Say what to do: -Sign, -Encrypt, or both."), "SmimeNothingToDo", ErrorCategory.InvalidArgument, null);
            if (Sign && Certificate == null)
                ThrowTerminating(new ArgumentException("-Sign needs -Certificate: the signer's certificate with its private key."), "SmimeCertificateMissing", ErrorCategory.InvalidArgument, null);
            if (Encrypt && (RecipientCertificate == null || RecipientCertificate.Length == 0))
                ThrowTerminating(new ArgumentException("-Encrypt needs -RecipientCertificate: the certificates of those who may read the message."), "SmimeCertificateMissing", ErrorCategory.InvalidArgument, null);
            try
            {
                _options = new SmimeOptions
                {
                    SigningCertificate = Sign ? SecurityCmdletInputs.WithKey(this, Certificate!, CertificatePassword) : null,
                    RecipientCertificates = Encrypt ? RecipientCertificate!.Select(c => SecurityCmdletInputs.Public(this, c)).ToList() : new System.Collections.Generic.List<System.Security.Cryptography.X509Certificates.X509Certificate2>(),
                    SignatureType = SignatureType,
                };
            }
            catch (MailAdmin.Security.SecurityException ex)
            {
                ThrowTerminating(ex, ex.ErrorId, SecurityCmdletInputs.Category(ex.ErrorId), Certificate);
            }
        }

        protected override void ProcessMessage(MailMessage message)
        {
            try
            {
                WriteObject(SmimeProtector.Protect(message, _options!, CancellationToken));
            }
            catch (MailAdmin.Security.SecurityException ex)
            {
                WriteError(ex, ex.ErrorId, SecurityCmdletInputs.Category(ex.ErrorId), message);
            }
            catch (MessageFormatException ex)
            {
                WriteError(ex, "MessageFormatInvalid", ErrorCategory.InvalidData, message);
            }
        }
    }
}
