using System.Management.Automation;
using MailAdmin.Messages;
using MailAdmin.Security;

namespace MailAdmin.Commands;

/// <summary>Add-DkimSignature: yields each message with a DKIM-Signature header field added.</summary>
[Cmdlet(VerbsCommon.Add, "DkimSignature", DefaultParameterSetName = MessageSet)]
[OutputType(typeof(MailMessage))]
public sealed class AddDkimSignatureCommand : MessageInputCmdlet
{
    private DkimKey? _key;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Domain { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Selector { get; set; } = "";

    /// <summary>A PEM file holding the RSA (or Ed25519) private key.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string PrivateKeyPath { get; set; } = "";

    /// <summary>The header fields to sign; the defaults of DkimSignOptions.DefaultHeaders when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Header { get; set; }

    /// <summary>header/body canonicalization, as in the c= tag.</summary>
    [Parameter]
    [ValidateSet("relaxed/relaxed", "relaxed/simple", "simple/relaxed", "simple/simple", IgnoreCase = true)]
    public string Canonicalization { get; set; } = "relaxed/relaxed";

    /// <summary>The agent or user identifier (i=), e.g. user@example.com or @sub.example.com.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Identity { get; set; }

    protected override void BeginProcessing()
    {
        try
        {
            _key = DkimKey.ReadPrivate(SecurityCmdletInputs.Path(this, PrivateKeyPath));
        }
        catch (MailSecurityException ex)
        {
            ThrowTerminating(ex, ex.ErrorId, SecurityCmdletInputs.Category(ex.ErrorId), PrivateKeyPath);
        }
    }

    protected override void ProcessMessage(MailMessage message)
    {
        var options = DkimSignOptions.Create(Domain, Selector, _key!, Canonicalization, Header, Identity);
        try
        {
            WriteObject(DkimSignerService.Sign(message, options));
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
