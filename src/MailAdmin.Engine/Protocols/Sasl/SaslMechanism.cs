using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Protocols.Sasl;

/// <summary>
/// A server-side SASL mechanism as a state machine: decoded client responses in, a challenge or the outcome out.
/// No I/O and no protocol framing (base64, "+ ", "334 ") of its own; the accounts are asked through <see cref="ISaslCredentials"/>.
/// One instance serves one exchange.
/// </summary>
public abstract class SaslMechanism
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    protected SaslMechanism(ISaslCredentials credentials) => Credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));

    protected ISaslCredentials Credentials { get; }

    public abstract string Name { get; }

    /// <summary>The next step. <paramref name="response"/> is null only for the first call when the client sent no initial response.</summary>
    public abstract Task<SaslStep> StepAsync(byte[]? response, CancellationToken cancellationToken);

    /// <summary>Strict UTF-8, or null for invalid bytes.</summary>
    protected static string? Utf8(byte[] bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { return null; }
    }

    protected async Task<SaslStep> OutcomeAsync(Task<string?> verification)
    {
        string? account;
        try { account = await verification.ConfigureAwait(false); }
        catch (Exception ex) when (ex is not OperationCanceledException) { return SaslStep.Fail(SaslFailure.Unavailable); }
        return account != null ? SaslStep.Success(account) : SaslStep.Fail(SaslFailure.Credentials);
    }
}
