using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Protocols.Sasl;

/// <summary>
/// Logins for SMTP, IMAP and POP3 alike: which SASL mechanisms are offered, a <see cref="SaslExchange"/> per
/// AUTH/AUTHENTICATE, and the plain user/password commands (IMAP LOGIN, POP3 USER/PASS); all of them pass
/// the per-address <see cref="LoginPenalty"/>. One instance per server, shared by its sessions.
/// </summary>
public sealed class SaslAuthenticator
{
    public SaslAuthenticator(ISaslCredentials credentials, LoginPenalty? penalty = null)
    {
        Credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        Penalty = penalty ?? LoginPenalty.None;
    }

    public ISaslCredentials Credentials { get; }
    public LoginPenalty Penalty { get; }

    /// <summary>The mechanisms offered, strongest last (clients pick from their own preference list).</summary>
    public IReadOnlyList<string> Mechanisms
    {
        get
        {
            var list = new List<string> { SaslPlain.MechanismName, SaslLogin.MechanismName };
            if (Credentials.ScramEnabled) list.Add(SaslScramSha256.MechanismName);
            if (Credentials.BearerEnabled) { list.Add(SaslBearer.XOAuth2Name); list.Add(SaslBearer.OAuthBearerName); }
            return list;
        }
    }

    /// <summary>A mechanism's exchange, or null when it is not offered. Mechanism names are case-insensitive.</summary>
    public SaslExchange? Start(string mechanism, IPAddress? client)
    {
        SaslMechanism? m = (mechanism ?? "").ToUpperInvariant() switch
        {
            SaslPlain.MechanismName => new SaslPlain(Credentials),
            SaslLogin.MechanismName => new SaslLogin(Credentials),
            SaslScramSha256.MechanismName when Credentials.ScramEnabled => new SaslScramSha256(Credentials),
            SaslBearer.XOAuth2Name when Credentials.BearerEnabled => new SaslBearer(Credentials, oauthBearer: false),
            SaslBearer.OAuthBearerName when Credentials.BearerEnabled => new SaslBearer(Credentials, oauthBearer: true),
            _ => null,
        };
        return m == null ? null : new SaslExchange(m, Penalty, client);
    }

    /// <summary>IMAP LOGIN and POP3 USER/PASS: the account, or null. Throws when the store cannot answer.</summary>
    public async Task<string?> LoginAsync(IPAddress? client, string user, string password, CancellationToken cancellationToken)
    {
        using (await Penalty.EnterAsync(client, cancellationToken).ConfigureAwait(false))
        {
            var account = await Credentials.VerifyPasswordAsync(user, password, cancellationToken).ConfigureAwait(false);
            if (account != null) Penalty.Succeeded(client);
            else Penalty.Failed(client);
            return account;
        }
    }
}
