using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Sasl;

/// <summary>The accounts of a mail store as SASL credentials; bearer tokens (a lab stand-in for an OAuth provider) by account address.</summary>
public sealed class StoreCredentials : ISaslCredentials
{
    private readonly IAccountStore _accounts;
    private readonly Dictionary<string, string>? _bearerTokens;

    public StoreCredentials(IAccountStore accounts, IDictionary<string, string>? bearerTokens = null)
    {
        _accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        if (bearerTokens != null && bearerTokens.Count > 0)
            _bearerTokens = new Dictionary<string, string>(bearerTokens, StringComparer.OrdinalIgnoreCase);
    }

    public bool BearerEnabled => _bearerTokens != null;
    public bool ScramEnabled => true;

    public async Task<string?> VerifyPasswordAsync(string user, string password, CancellationToken cancellationToken)
    {
        try { return (await _accounts.VerifyPasswordAsync(user, password, cancellationToken).ConfigureAwait(false))?.Address; }
        catch (InvalidAccountAddressException) { return null; }
    }

    public async Task<string?> VerifyBearerAsync(string user, string token, CancellationToken cancellationToken)
    {
        if (_bearerTokens == null || !_bearerTokens.TryGetValue(user.Trim(), out var expected) || !FixedTime.AreEqual(expected, token)) return null;
        try
        {
            var account = await _accounts.GetAsync(user, cancellationToken).ConfigureAwait(false);
            return account != null && account.Enabled ? account.Address : null;
        }
        catch (InvalidAccountAddressException) { return null; }
    }

    public async Task<ScramLogin?> GetScramAsync(string user, CancellationToken cancellationToken)
    {
        try { return await _accounts.GetScramCredentialAsync(user, cancellationToken).ConfigureAwait(false); }
        catch (InvalidAccountAddressException) { return null; }
    }

    public async Task<string> ScramSucceededAsync(ScramLogin login, CancellationToken cancellationToken)
        => (await _accounts.ScramLoginSucceededAsync(login.Account, cancellationToken).ConfigureAwait(false)).Address;
}
