using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Sasl;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Smtp;

/// <summary>An <see cref="ISmtpBackend"/>'s checks as SASL credentials, for a session without a shared
/// <see cref="SaslAuthenticator"/>: PLAIN, LOGIN and (when enabled) XOAUTH2/OAUTHBEARER; no SCRAM, as a
/// backend answers only yes or no to a password.</summary>
internal sealed class SmtpBackendCredentials : ISaslCredentials
{
    private readonly ISmtpBackend _backend;

    public SmtpBackendCredentials(ISmtpBackend backend, bool bearerEnabled)
    {
        _backend = backend;
        BearerEnabled = bearerEnabled;
    }

    public bool BearerEnabled { get; }
    public bool ScramEnabled => false;

    public async Task<string?> VerifyPasswordAsync(string user, string password, CancellationToken cancellationToken)
        => await _backend.AuthenticateAsync(user, password, cancellationToken).ConfigureAwait(false) ? user : null;

    public async Task<string?> VerifyBearerAsync(string user, string token, CancellationToken cancellationToken)
        => await _backend.AuthenticateBearerAsync(user, token, cancellationToken).ConfigureAwait(false) ? user : null;

    public Task<ScramLogin?> GetScramAsync(string user, CancellationToken cancellationToken) => Task.FromResult<ScramLogin?>(null);

    public Task<string> ScramSucceededAsync(ScramLogin login, CancellationToken cancellationToken) => Task.FromResult(login.Account.Address);
}
