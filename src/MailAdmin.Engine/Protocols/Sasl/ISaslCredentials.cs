using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Sasl;

/// <summary>What the mechanisms ask of the accounts. Answers are the account's normalised address, or null for "no".</summary>
public interface ISaslCredentials
{
    /// <summary>PLAIN, LOGIN, IMAP LOGIN, POP3 USER/PASS.</summary>
    Task<string?> VerifyPasswordAsync(string user, string password, CancellationToken cancellationToken);

    /// <summary>XOAUTH2 and OAUTHBEARER are offered.</summary>
    bool BearerEnabled { get; }

    Task<string?> VerifyBearerAsync(string user, string token, CancellationToken cancellationToken);

    /// <summary>SCRAM-SHA-256 is offered (the accounts keep its keys).</summary>
    bool ScramEnabled { get; }

    /// <summary>The keys of an enabled account, or null.</summary>
    Task<ScramLogin?> GetScramAsync(string user, CancellationToken cancellationToken);

    /// <summary>After a correct SCRAM proof: the account that logged in (and the store's chance to upgrade its hash).</summary>
    Task<string> ScramSucceededAsync(ScramLogin login, CancellationToken cancellationToken);
}
