using System.Collections.Generic;
using MailAdmin.Messages;

namespace MailAdmin.Security;

/// <summary>A message with its S/MIME layers taken off: the content, and what the layers said.</summary>
public sealed class UnprotectResult
{
    public UnprotectResult(MailMessage message, IReadOnlyList<SignatureInfo> signatures, bool wasEncrypted, MailMessage original)
    {
        Message = message;
        Signatures = signatures;
        WasEncrypted = wasEncrypted;
        Original = original;
    }

    /// <summary>The decrypted, unwrapped message: the original header over the inner content.</summary>
    public MailMessage Message { get; }

    /// <summary>Every signature found, outermost layer first; empty when the message was not signed.</summary>
    public IReadOnlyList<SignatureInfo> Signatures { get; }

    public bool WasEncrypted { get; }

    public bool WasSigned => Signatures.Count > 0;

    /// <summary>True when signed and every signature is valid.</summary>
    public bool IsValid
    {
        get
        {
            if (Signatures.Count == 0) return false;
            foreach (var signature in Signatures)
                if (!signature.IsValid) return false;
            return true;
        }
    }

    /// <summary>The protected message as it was given.</summary>
    public MailMessage Original { get; }
}
