using MailAdmin.Messages;

namespace MailAdmin.Security;

/// <summary>The verdict on one DKIM-Signature of a message.</summary>
public sealed class DkimVerificationResult
{
    public DkimVerificationResult(bool isValid, string? domain, string? selector, string reason, string? headerValue, MailMessage? message = null)
    {
        IsValid = isValid;
        Domain = domain;
        Selector = selector;
        Reason = reason;
        Signature = headerValue;
        Message = message;
    }

    public bool IsValid { get; }

    /// <summary>The signing domain (d=).</summary>
    public string? Domain { get; }

    /// <summary>The selector (s=).</summary>
    public string? Selector { get; }

    public string Reason { get; }

    /// <summary>The DKIM-Signature field's value.</summary>
    public string? Signature { get; }

    /// <summary>The message the signature belongs to.</summary>
    public MailMessage? Message { get; }

    public override string ToString() => $"{Domain}/{Selector}: {(IsValid ? "valid" : "INVALID")} ({Reason})";
}
