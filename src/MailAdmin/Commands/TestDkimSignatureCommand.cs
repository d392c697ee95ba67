using System;
using System.Management.Automation;
using MailAdmin.Messages;
using MailAdmin.Security;

namespace MailAdmin.Commands;

/// <summary>
/// Test-DkimSignature: verifies each DKIM-Signature of messages, with the key from DNS or
/// from a file. One result per signature (one saying "no signature" for an unsigned
/// message); a signature that fails is a result with a reason, not an error.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DkimSignature", DefaultParameterSetName = MessageSet)]
[OutputType(typeof(DkimVerificationResult))]
public sealed class TestDkimSignatureCommand : MessageInputCmdlet
{
    private DkimKeySource? _keys;

    /// <summary>The DNS server to ask for the key record (address or name, optional :port); the system's resolvers when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DnsServer { get; set; }

    /// <summary>Verify with this key instead of DNS: a PEM public key, a private key, or a file holding the TXT record.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PublicKeyPath { get; set; }

    protected override void BeginProcessing()
    {
        if (DnsServer != null && PublicKeyPath != null)
            ThrowTerminating(new ArgumentException("Give -DnsServer or -PublicKeyPath, not both."), "DkimKeySourceConflict", ErrorCategory.InvalidArgument, null);
        try
        {
            _keys = PublicKeyPath != null
                ? DkimKeySource.FromKey(DkimKey.ReadPublic(SecurityCmdletInputs.Path(this, PublicKeyPath)))
                : DkimKeySource.FromDns(DnsServer == null ? null : MailAdmin.DnsChecks.MailDnsResolver.ParseServer(DnsServer));
        }
        catch (MailSecurityException ex)
        {
            ThrowTerminating(ex, ex.ErrorId, SecurityCmdletInputs.Category(ex.ErrorId), PublicKeyPath);
        }
        catch (Exception ex) when (ex is FormatException || ex is DkimKeyLookupException || ex is System.Net.Sockets.SocketException)
        {
            ThrowTerminating(ex, PublicKeyPath != null ? SecurityErrors.DkimKeyInvalid : "DnsServerInvalid", ErrorCategory.InvalidArgument, PublicKeyPath ?? DnsServer);
        }
    }

    protected override void ProcessMessage(MailMessage message)
    {
        try
        {
            foreach (var result in _keys!.Verify(message, CancellationToken))
                WriteObject(result);
        }
        catch (MessageFormatException ex)
        {
            WriteError(ex, "MessageFormatInvalid", ErrorCategory.InvalidData, message);
        }
    }
}
