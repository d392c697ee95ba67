using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store
{
    /// <summary>The account rules shared by the file-backed <see cref="AccountStore"/> and the <see cref="InMemoryAccountStore"/>.</summary>
    public abstract class AccountStoreBase : IAccountStore
    {
        private readonly string dummyHash;

        private protected AccountStoreBase(int iterations)
        {
            if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations));
            Iterations = iterations;
            dummyHash = PasswordHasher.Hash(Guid.NewGuid().ToString("N"), iterations);
        }

        /// <summary>PBKDF2 iterations for new hashes (existing hashes keep theirs).</summary>
        public int Iterations { get; }

        /// <summary>Called after an account was added (the mail store creates its folders).</summary>
        internal Func<MailAccount, CancellationToken, Task>? AccountAdded { get; set; }

        /// <summary>Called after an account was removed (the mail store deletes its mail).</summary>
        internal Func<MailAccount, CancellationToken, Task>? AccountRemoved { get; set; }

        /// <summary>The current accounts by normalised address.</summary>
        private protected abstract IReadOnlyDictionary<string, MailAccount> Snapshot();

        /// <summary>Applies a change atomically (and durably, for a file) to the accounts.</summary>
        private protected abstract Task<T> MutateAsync<T>(Func<Dictionary<string, MailAccount>, T> change, CancellationToken cancellationToken);

        public Task<MailAccount> AddAsync(string address, string password, long? quota = null, bool enabled = true, CancellationToken cancellationToken = default)
        {
            if (password is null) throw new ArgumentNullException(nameof(password));
            var normalized = MailboxNames.NormalizeAddress(address);
            return AddCoreAsync(normalized, PasswordHasher.Hash(password, Iterations), quota, enabled, cancellationToken);
        }

        public Task<MailAccount> AddAsync(string address, SecureString password, long? quota = null, bool enabled = true, CancellationToken cancellationToken = default)
        {
            if (password is null) throw new ArgumentNullException(nameof(password));
            var normalized = MailboxNames.NormalizeAddress(address);
            return AddCoreAsync(normalized, HashSecure(password), quota, enabled, cancellationToken);
        }

        private async Task<MailAccount> AddCoreAsync(string address, string hash, long? quota, bool enabled, CancellationToken cancellationToken)
        {
            if (quota < 0) throw new ArgumentOutOfRangeException(nameof(quota), "A quota cannot be negative.");
            var account = new MailAccount(address, hash, quota, enabled, DateTimeOffset.UtcNow);
            await MutateAsync(accounts =>
            {
                if (accounts.ContainsKey(address)) throw new AccountExistsException(address);
                accounts[address] = account;
                return true;
            }, cancellationToken).ConfigureAwait(false);
            if (AccountAdded != null) await AccountAdded(account, cancellationToken).ConfigureAwait(false);
            return account;
        }

        public Task<MailAccount?> GetAsync(string address, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(Find(address));
        }

        /// <summary>The account, or null (also for an address that is not valid).</summary>
        internal MailAccount? Find(string address)
        {
            string normalized;
            try { normalized = MailboxNames.NormalizeAddress(address); }
            catch (InvalidAccountAddressException) { return null; }
            return Snapshot().TryGetValue(normalized, out var account) ? account : null;
        }

        public Task<IReadOnlyList<MailAccount>> ListAsync(CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            IReadOnlyList<MailAccount> list = Snapshot().Values.OrderBy(a => a.Address, StringComparer.Ordinal).ToList();
            return Task.FromResult(list);
        }

        public async Task<MailAccount> UpdateAsync(string address, AccountUpdate update, CancellationToken cancellationToken = default)
        {
            if (update is null) throw new ArgumentNullException(nameof(update));
            var normalized = MailboxNames.NormalizeAddress(address);
            if (update.Quota < 0) throw new ArgumentOutOfRangeException(nameof(update), "A quota cannot be negative.");
            string? hash = null;
            if (update.SecurePassword != null) hash = HashSecure(update.SecurePassword);
            else if (update.Password != null) hash = PasswordHasher.Hash(update.Password, Iterations);
            return await MutateAsync(accounts =>
            {
                if (!accounts.TryGetValue(normalized, out var account)) throw new AccountNotFoundException(normalized);
                var changed = account.With(hash, update.Quota, update.Enabled);
                accounts[normalized] = changed;
                return changed;
            }, cancellationToken).ConfigureAwait(false);
        }

        public async Task<bool> RemoveAsync(string address, CancellationToken cancellationToken = default)
        {
            string normalized;
            try { normalized = MailboxNames.NormalizeAddress(address); }
            catch (InvalidAccountAddressException) { return false; }
            var removed = await MutateAsync(accounts =>
            {
                if (!accounts.TryGetValue(normalized, out var account)) return null;
                accounts.Remove(normalized);
                return account;
            }, cancellationToken).ConfigureAwait(false);
            if (removed is null) return false;
            if (AccountRemoved != null) await AccountRemoved(removed, cancellationToken).ConfigureAwait(false);
            return true;
        }

        public Task<MailAccount?> VerifyPasswordAsync(string address, string password, CancellationToken cancellationToken = default)
        {
            if (password is null) return Task.FromResult<MailAccount?>(null);
            var bytes = System.Text.Encoding.UTF8.GetBytes(password);
            try { return Task.FromResult(Verify(address, bytes)); }
            finally { Array.Clear(bytes, 0, bytes.Length); }
        }

        public Task<MailAccount?> VerifyPasswordAsync(string address, SecureString password, CancellationToken cancellationToken = default)
        {
            if (password is null) return Task.FromResult<MailAccount?>(null);
            var bytes = SecretText.ToUtf8(password);
            try { return Task.FromResult(Verify(address, bytes)); }
            finally { Array.Clear(bytes, 0, bytes.Length); }
        }

        private MailAccount? Verify(string address, byte[] password)
        {
            var account = Find(address);
            // Hash even for an unknown account, so the answer time does not tell which addresses exist.
            var ok = PasswordHasher.Verify(password, account?.PasswordHash ?? dummyHash);
            return ok && account != null && account.Enabled ? account : null;
        }

        private string HashSecure(SecureString password)
        {
            var bytes = SecretText.ToUtf8(password);
            try { return PasswordHasher.Hash(bytes, Iterations); }
            finally { Array.Clear(bytes, 0, bytes.Length); }
        }
    }
}
