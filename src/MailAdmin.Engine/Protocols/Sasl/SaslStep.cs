using System;

namespace MailAdmin.Protocols.Sasl;

/// <summary>Why an exchange failed; each protocol turns it into its own reply.</summary>
public enum SaslFailure
{
    None,
    /// <summary>The response is not base64.</summary>
    BadBase64,
    /// <summary>The decoded response breaks the mechanism's grammar (or a SCRAM check: nonce, channel binding).</summary>
    Malformed,
    /// <summary>The client sent "*".</summary>
    Cancelled,
    /// <summary>Wrong user name, password, token or proof.</summary>
    Credentials,
    /// <summary>Valid credentials, but the client asked to act as another user.</summary>
    Authorization,
    /// <summary>The account store could not answer (a temporary failure).</summary>
    Unavailable,
}

/// <summary>One step of a SASL exchange: a challenge to send, or the end (an account, or a failure).</summary>
public sealed class SaslStep
{
    private SaslStep(byte[]? challenge, string? account, SaslFailure failure)
    {
        Challenge = challenge;
        Account = account;
        Failure = failure;
    }

    /// <summary>Bytes to send (base64-encoded by the protocol) before reading the next response; null once the exchange is over.</summary>
    public byte[]? Challenge { get; }
    /// <summary>The authenticated account (normalised address) on success.</summary>
    public string? Account { get; }
    public SaslFailure Failure { get; }

    public bool IsChallenge => Challenge != null;
    public bool Succeeded => Account != null;
    public bool Failed => Failure != SaslFailure.None;
    public string ChallengeBase64 => Challenge == null ? "" : Convert.ToBase64String(Challenge);

    public static SaslStep Next(byte[] challenge) => new(challenge ?? throw new ArgumentNullException(nameof(challenge)), null, SaslFailure.None);
    public static SaslStep Success(string account) => new(null, account ?? throw new ArgumentNullException(nameof(account)), SaslFailure.None);
    public static SaslStep Fail(SaslFailure failure) => new(null, null, failure == SaslFailure.None ? SaslFailure.Credentials : failure);
}
