using System.Collections.Generic;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store
{
    /// <summary>
    /// Mail accounts. Addresses are case-insensitive and stored lower-case. Passwords are kept only as salted
    /// PBKDF2-HMAC-SHA256 hashes. Adding an account through a mail store also creates its folders
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
    }
}
