using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Protocols.Sasl;

/// <summary>LOGIN (draft-murchison-sasl-login): "Username:" then "Password:", each answered with the bare value.
/// An initial response is taken as the user name.</summary>
public sealed class SaslLogin : SaslMechanism
{
    public const string MechanismName = "LOGIN";
    private static readonly byte[] UsernamePrompt = Encoding.ASCII.GetBytes("Username:");
    private static readonly byte[] PasswordPrompt = Encoding.ASCII.GetBytes("Password:");
    private string? _user;

    public SaslLogin(ISaslCredentials credentials) : base(credentials) { }

    public override string Name => MechanismName;

    public override Task<SaslStep> StepAsync(byte[]? response, CancellationToken cancellationToken)
    {
        if (response == null) return Task.FromResult(SaslStep.Next(UsernamePrompt));
        var text = Utf8(response);
        if (text == null) return Task.FromResult(SaslStep.Fail(SaslFailure.Malformed));
        if (_user == null)
        {
            if (text.Length == 0) return Task.FromResult(SaslStep.Fail(SaslFailure.Malformed));
            _user = text;
            return Task.FromResult(SaslStep.Next(PasswordPrompt));
        }
        return OutcomeAsync(Credentials.VerifyPasswordAsync(_user, text, cancellationToken));
    }
}
