using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Protocols.Sasl;

/// <summary>PLAIN (RFC 4616): one message, [authzid] NUL authcid NUL passwd.</summary>
public sealed class SaslPlain : SaslMechanism
{
    public const string MechanismName = "PLAIN";

    public SaslPlain(ISaslCredentials credentials) : base(credentials) { }

    public override string Name => MechanismName;

    public override Task<SaslStep> StepAsync(byte[]? response, CancellationToken cancellationToken)
    {
        if (response == null) return Task.FromResult(SaslStep.Next(new byte[0]));   // RFC 4616 §2: an empty challenge
        var text = Utf8(response);
        var parts = text?.Split('\0');
        if (parts == null || parts.Length != 3 || parts[1].Length == 0) return Task.FromResult(SaslStep.Fail(SaslFailure.Malformed));
        if (!SaslIdentity.MayActAs(parts[0], parts[1])) return Task.FromResult(SaslStep.Fail(SaslFailure.Authorization));
        return OutcomeAsync(Credentials.VerifyPasswordAsync(parts[1], parts[2], cancellationToken));
    }
}
