using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Sasl;

/// <summary>
/// SCRAM-SHA-256 (RFC 5802, RFC 7677), server side, from the stored StoredKey/ServerKey: the password never
/// reaches the server and the server does no PBKDF2 at all. Without channel binding: the GS2 flag must be "n"
/// or "y" ("p=" is refused, as SCRAM-SHA-256-PLUS is not offered). After a correct proof the server's
/// signature goes out as a last challenge, which the client answers with an empty response.
/// </summary>
public sealed class SaslScramSha256 : SaslMechanism
{
    public const string MechanismName = "SCRAM-SHA-256";
    private const int NonceBytes = 18;
    private static readonly byte[] MockKey = RandomBytes(32);

    private enum Stage { Start, ClientFirst, ClientFinal, Acknowledge, Done }

    private Stage _stage = Stage.Start;
    private string _gs2Header = "", _clientFirstBare = "", _serverFirst = "", _nonce = "";
    private ScramLogin? _login;
    private ScramCredential _credential = null!;
    private string? _account;

    public SaslScramSha256(ISaslCredentials credentials) : base(credentials) { }

    /// <summary>A fixed server nonce, for test vectors only.</summary>
    internal string? FixedServerNonce { get; set; }

    public override string Name => MechanismName;

    public override async Task<SaslStep> StepAsync(byte[]? response, CancellationToken cancellationToken)
    {
        switch (_stage)
        {
            case Stage.Start:
                _stage = Stage.ClientFirst;
                if (response == null) return SaslStep.Next(new byte[0]);
                return await ClientFirstAsync(response, cancellationToken).ConfigureAwait(false);
            case Stage.ClientFirst:
                if (response == null) return Fail();
                return await ClientFirstAsync(response, cancellationToken).ConfigureAwait(false);
            case Stage.ClientFinal:
                return response == null ? Fail() : await ClientFinalAsync(response, cancellationToken).ConfigureAwait(false);
            case Stage.Acknowledge:
                _stage = Stage.Done;
                return response != null && response.Length == 0 ? SaslStep.Success(_account!) : SaslStep.Fail(SaslFailure.Malformed);
            default:
                return Fail();
        }
    }

    private SaslStep Fail(SaslFailure failure = SaslFailure.Malformed)
    {
        _stage = Stage.Done;
        return SaslStep.Fail(failure);
    }

    // client-first-message = gs2-header client-first-message-bare
    // gs2-header = ("n" / "y" / "p=" cb-name) "," [ "a=" saslname ] ","
    // client-first-message-bare = [ "m=" ext "," ] "n=" saslname "," "r=" c-nonce [ "," extensions ]
    private async Task<SaslStep> ClientFirstAsync(byte[] response, CancellationToken cancellationToken)
    {
        var text = Utf8(response);
        if (text == null) return Fail();
        var first = text.IndexOf(',');
        var second = first < 0 ? -1 : text.IndexOf(',', first + 1);
        if (second < 0) return Fail();
        var flag = text.Substring(0, first);
        if (flag != "n" && flag != "y") return Fail();   // "p=...": channel binding asked, but not offered
        string? authzid = null;
        var authzField = text.Substring(first + 1, second - first - 1);
        if (authzField.Length > 0)
        {
            if (!authzField.StartsWith("a=", StringComparison.Ordinal)) return Fail();
            authzid = SaslNames.Decode(authzField.Substring(2));
            if (string.IsNullOrEmpty(authzid)) return Fail();
        }
        _gs2Header = text.Substring(0, second + 1);
        _clientFirstBare = text.Substring(second + 1);
        var fields = _clientFirstBare.Split(',');
        if (fields.Length < 2 || fields[0].StartsWith("m=", StringComparison.Ordinal)) return Fail();   // mandatory extensions: none known
        if (!fields[0].StartsWith("n=", StringComparison.Ordinal) || !fields[1].StartsWith("r=", StringComparison.Ordinal)) return Fail();
        var user = SaslNames.Decode(fields[0].Substring(2));
        var clientNonce = fields[1].Substring(2);
        if (string.IsNullOrEmpty(user) || !IsPrintableNonce(clientNonce)) return Fail();
        if (!SaslIdentity.MayActAs(authzid, user!)) return Fail(SaslFailure.Authorization);

        try { _login = await Credentials.GetScramAsync(user!, cancellationToken).ConfigureAwait(false); }
        catch (Exception ex) when (ex is not OperationCanceledException) { return Fail(SaslFailure.Unavailable); }
        // An unknown user gets a made-up salt (the same one every time) and fails at the proof, like a wrong password.
        _credential = _login?.Credential ?? Mock(user!);
        _nonce = clientNonce + (FixedServerNonce ?? Convert.ToBase64String(RandomBytes(NonceBytes)));
        _serverFirst = "r=" + _nonce + ",s=" + Convert.ToBase64String(_credential.Salt) + ",i=" + _credential.Iterations.ToString(CultureInfo.InvariantCulture);
        _stage = Stage.ClientFinal;
        return SaslStep.Next(Encoding.UTF8.GetBytes(_serverFirst));
    }

    // client-final-message = "c=" base64(gs2-header) "," "r=" nonce [ "," extensions ] "," "p=" base64(proof)
    private async Task<SaslStep> ClientFinalAsync(byte[] response, CancellationToken cancellationToken)
    {
        var text = Utf8(response);
        if (text == null) return Fail();
        var proofAt = text.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0) return Fail();
        var withoutProof = text.Substring(0, proofAt);
        var fields = withoutProof.Split(',');
        if (fields.Length < 2 || !fields[0].StartsWith("c=", StringComparison.Ordinal) || !fields[1].StartsWith("r=", StringComparison.Ordinal)) return Fail();
        byte[] binding, proof;
        try
        {
            binding = Convert.FromBase64String(fields[0].Substring(2));
            proof = Convert.FromBase64String(text.Substring(proofAt + 3));
        }
        catch (FormatException) { return Fail(); }
        if (Encoding.UTF8.GetString(binding) != _gs2Header) return Fail();   // the GS2 header must come back unchanged
        if (!FixedTime.AreEqual(fields[1].Substring(2), _nonce)) return Fail();
        if (proof.Length != 32) return Fail();

        var authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + _serverFirst + "," + withoutProof);
        var clientSignature = ScramCredential.Hmac(_credential.StoredKey, authMessage);
        var clientKey = new byte[proof.Length];
        for (int i = 0; i < proof.Length; i++) clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        byte[] storedKey;
        using (var sha = SHA256.Create()) storedKey = sha.ComputeHash(clientKey);
        if (_login == null || !FixedTime.AreEqual(storedKey, _credential.StoredKey)) return Fail(SaslFailure.Credentials);

        try { _account = await Credentials.ScramSucceededAsync(_login, cancellationToken).ConfigureAwait(false); }
        catch (Exception ex) when (ex is not OperationCanceledException) { return Fail(SaslFailure.Unavailable); }
        var serverSignature = ScramCredential.Hmac(_credential.ServerKey, authMessage);
        _stage = Stage.Acknowledge;
        return SaslStep.Next(Encoding.ASCII.GetBytes("v=" + Convert.ToBase64String(serverSignature)));
    }

    private static bool IsPrintableNonce(string nonce)
    {
        if (nonce.Length == 0) return false;
        foreach (var c in nonce) if (c < 0x21 || c > 0x7e || c == ',') return false;
        return true;
    }

    private static ScramCredential Mock(string user)
    {
        var seed = ScramCredential.Hmac(MockKey, Encoding.UTF8.GetBytes(user.Trim().ToLowerInvariant()));
        var salt = new byte[16];
        Buffer.BlockCopy(seed, 0, salt, 0, salt.Length);
        return new ScramCredential(salt, PasswordHasher.DefaultIterations, RandomBytes(32), RandomBytes(32));
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        using var rng = RandomNumberGenerator.Create();
        rng.GetBytes(bytes);
        return bytes;
    }
}
