using System;
using System.Collections.Generic;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>
/// Mail accounts. Addresses are case-insensitive and stored lower-case. Passwords are kept only as salted
/// PBKDF2-HMAC-SHA256 hashes, in SCRAM-SHA-256's StoredKey/ServerKey form (<see cref="PasswordHasher"/>). Adding an account through a mail store also creates its folders
/// (INBOX, Sent, Drafts, Trash, Junk); removing it deletes its mail.
/// </summary>
public interface IAccountStore
{
    Task<MailAccount> AddAsync(string address, string password, long? quota = null, bool enabled = true, CancellationToken cancellationToken = default);
    Task<MailAccount> AddAsync(string address, SecureString password, long? quota = null, bool enabled = true, CancellationToken cancellationToken = default);

    /// <summary>The account, or null.</summary>
    Task<MailAccount?> GetAsync(string address, CancellationToken cancellationToken = default);

    /// <summary>All accounts, ordered by address.</summary>
    Task<IReadOnlyList<MailAccount>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Applies the non-null parts of <paramref name="update"/>. Throws <see cref="AccountNotFoundException"/>.</summary>
    Task<MailAccount> UpdateAsync(string address, AccountUpdate update, CancellationToken cancellationToken = default);

    /// <summary>Removes the account; false if there was none.</summary>
    Task<bool> RemoveAsync(string address, CancellationToken cancellationToken = default);

    /// <summary>The account when it exists, is enabled and the password is right; otherwise null.</summary>
    Task<MailAccount?> VerifyPasswordAsync(string address, string password, CancellationToken cancellationToken = default);
    Task<MailAccount?> VerifyPasswordAsync(string address, SecureString password, CancellationToken cancellationToken = default);

    /// <summary>The SCRAM-SHA-256 keys of an enabled account, or null (no such account, disabled, or a hash without them).</summary>
    Task<ScramLogin?> GetScramCredentialAsync(string address, CancellationToken cancellationToken = default);

    /// <summary>Called after a successful SCRAM login: moves a legacy hash to the current form. Returns the account as stored now.</summary>
    Task<MailAccount> ScramLoginSucceededAsync(MailAccount account, CancellationToken cancellationToken = default);

    /// <summary>How long a verified password is remembered in memory (a keyed hash, dropped by any change of the account); zero = off.</summary>
    TimeSpan CredentialCacheTtl { get; set; }
}
