using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Protocols.Sasl;

/// <summary>
/// OAuth 2.0 bearer tokens: Google's and Microsoft's XOAUTH2 ("user=" u ^A "auth=Bearer " t ^A ^A) and OAUTHBEARER
/// (RFC 7628: a GS2 header naming the user with "a=", then ^A-separated key=value pairs, "auth=Bearer " t among them).
/// A refused OAUTHBEARER token is answered, as RFC 7628 §3.2.2 asks, with a JSON error challenge that the
/// client acknowledges with a lone ^A before the failure.
/// </summary>
public sealed class SaslBearer : SaslMechanism
{
    public const string XOAuth2Name = "XOAUTH2";
    public const string OAuthBearerName = "OAUTHBEARER";
    private static readonly byte[] InvalidToken = Encoding.ASCII.GetBytes("{\"status\":\"invalid_token\"}");
    private readonly bool _oauthBearer;
    private bool _errorSent;

    public SaslBearer(ISaslCredentials credentials, bool oauthBearer) : base(credentials) => _oauthBearer = oauthBearer;

    public override string Name => _oauthBearer ? OAuthBearerName : XOAuth2Name;

    public override async Task<SaslStep> StepAsync(byte[]? response, CancellationToken cancellationToken)
    {
        if (response == null) return SaslStep.Next(new byte[0]);
        if (_errorSent) return SaslStep.Fail(SaslFailure.Credentials);   // the client's ^A (or anything): the end
        var text = Utf8(response);
        if (text == null) return SaslStep.Fail(SaslFailure.Malformed);
        string? user, token;
        if (_oauthBearer)
        {
            if (!TryParseOAuthBearer(text, out user, out token)) return SaslStep.Fail(SaslFailure.Malformed);
        }
        else if (!TryParseXOAuth2(text, out user, out token)) return SaslStep.Fail(SaslFailure.Malformed);
        var outcome = await OutcomeAsync(Credentials.VerifyBearerAsync(user!, token!, cancellationToken)).ConfigureAwait(false);
        if (_oauthBearer && outcome.Failure == SaslFailure.Credentials)
        {
            _errorSent = true;
            return SaslStep.Next(InvalidToken);
        }
        return outcome;
    }

    private static bool TryParseXOAuth2(string text, out string? user, out string? token)
    {
        user = null; token = null;
        foreach (var field in text.Split('\x01'))
        {
            if (field.StartsWith("user=", StringComparison.Ordinal)) user = field.Substring(5);
            else if (field.StartsWith("auth=Bearer ", StringComparison.OrdinalIgnoreCase)) token = field.Substring(12);
        }
        return !string.IsNullOrEmpty(user) && token != null;
    }

    // gs2-header ^A *(kvpair ^A) ^A, gs2-header = "n,a=" user "," (no channel binding: "y" is accepted too).
    private static bool TryParseOAuthBearer(string text, out string? user, out string? token)
    {
        user = null; token = null;
        int split = text.IndexOf('\x01');
        if (split < 0 || !text.EndsWith("\x01\x01", StringComparison.Ordinal)) return false;
        var header = text.Substring(0, split).Split(',');
        if (header.Length != 3 || header[2].Length != 0 || (header[0] != "n" && header[0] != "y")) return false;
        if (!header[1].StartsWith("a=", StringComparison.Ordinal)) return false;   // we need the user: no account is bound to a token
        user = SaslNames.Decode(header[1].Substring(2));
        if (string.IsNullOrEmpty(user)) return false;
        foreach (var pair in text.Substring(split + 1).Split('\x01'))
            if (pair.StartsWith("auth=", StringComparison.Ordinal))
            {
                var value = pair.Substring(5);
                if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
                token = value.Substring(7);
            }
        return !string.IsNullOrEmpty(token);
    }
}
