using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>The account rules shared by the file-backed <see cref="AccountStore"/> and the <see cref="InMemoryAccountStore"/>.</summary>
public abstract class AccountStoreBase : IAccountStore
{
    private readonly string dummyHash;
    private readonly VerifiedCredentialCache credentialCache = new VerifiedCredentialCache();

    private protected AccountStoreBase(int iterations)
    {
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations));
        Iterations = iterations;
        dummyHash = PasswordHasher.Hash(Guid.NewGuid().ToString("N"), iterations);
    }

    /// <summary>PBKDF2 iterations for new hashes (existing hashes keep theirs).</summary>
    public int Iterations { get; }

    /// <summary>
    /// How long a verified password is remembered (in memory, as a keyed hash) so that the next login with it
    /// skips PBKDF2; zero (the default) turns this off. Any change of the account ends it at once.
    /// </summary>
    public TimeSpan CredentialCacheTtl
    {
        get => credentialCache.Ttl;
        set
        {
            if (value < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(value), "The credential cache TTL cannot be negative.");
            credentialCache.Ttl = value;
            if (value == TimeSpan.Zero) credentialCache.Clear();
        }
    }

    /// <summary>Verified passwords held by the credential cache now (for tests and statistics).</summary>
    public int CachedCredentials => credentialCache.Count;

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
        credentialCache.Remove(normalized);
        var result = await MutateAsync(accounts =>
        {
            if (!accounts.TryGetValue(normalized, out var account)) throw new AccountNotFoundException(normalized);
            var changed = account.With(hash, update.Quota, update.Enabled);
            accounts[normalized] = changed;
            return changed;
        }, cancellationToken).ConfigureAwait(false);
        credentialCache.Remove(normalized);
        return result;
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
        credentialCache.Remove(normalized);
        if (removed is null) return false;
        if (AccountRemoved != null) await AccountRemoved(removed, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<MailAccount?> VerifyPasswordAsync(string address, string password, CancellationToken cancellationToken = default)
    {
        if (password is null) return null;
        var bytes = System.Text.Encoding.UTF8.GetBytes(password);
        try { return await VerifyAsync(address, bytes, cancellationToken).ConfigureAwait(false); }
        finally { Array.Clear(bytes, 0, bytes.Length); }
    }

    public async Task<MailAccount?> VerifyPasswordAsync(string address, SecureString password, CancellationToken cancellationToken = default)
    {
        if (password is null) return null;
        var bytes = SecretText.ToUtf8(password);
        try { return await VerifyAsync(address, bytes, cancellationToken).ConfigureAwait(false); }
        finally { Array.Clear(bytes, 0, bytes.Length); }
    }

    private async Task<MailAccount?> VerifyAsync(string address, byte[] password, CancellationToken cancellationToken)
    {
        var account = Find(address);
        if (account != null && account.Enabled && credentialCache.Contains(account.Address, account.PasswordHash, password))
            return account;
        // Hash even for an unknown account, so the answer time does not tell which addresses exist.
        var ok = await PasswordHasher.VerifyBoundedAsync(password, account?.PasswordHash ?? dummyHash, cancellationToken).ConfigureAwait(false);
        if (!ok || account == null || !account.Enabled) return null;
        account = PasswordHasher.IterationsOf(account.PasswordHash) != Iterations
            ? await RehashAsync(account, password, cancellationToken).ConfigureAwait(false)
            : await UpgradeHashAsync(account, cancellationToken).ConfigureAwait(false);
        credentialCache.Add(account.Address, account.PasswordHash, password);
        return account;
    }

    public Task<ScramLogin?> GetScramCredentialAsync(string address, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var account = Find(address);
        var credential = account != null && account.Enabled ? PasswordHasher.ToScram(account.PasswordHash) : null;
        return Task.FromResult(credential == null ? null : new ScramLogin(account!, credential));
    }

    public async Task<MailAccount> ScramLoginSucceededAsync(MailAccount account, CancellationToken cancellationToken = default)
    {
        if (account is null) throw new ArgumentNullException(nameof(account));
        return await UpgradeHashAsync(account, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// After a successful password login to an account whose hash has another iteration count than this store's
    /// (e.g. 210,000 from before SCRAM, which Cyrus SASL's SCRAM clients refuse): a new salt and hash at the
    /// store's count, in the current form. A failure to write is not the login's failure.
    /// </summary>
    private async Task<MailAccount> RehashAsync(MailAccount account, byte[] password, CancellationToken cancellationToken)
    {
        var rehashed = await PasswordHasher.HashBoundedAsync(password, Iterations, cancellationToken).ConfigureAwait(false);
        return await ReplaceHashAsync(account, rehashed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// After a successful login: an account still on the legacy hash form gets the current one (same salt and
    /// iterations, so nothing about the password changes). A failure to write is not the login's failure.
    /// </summary>
    private async Task<MailAccount> UpgradeHashAsync(MailAccount account, CancellationToken cancellationToken)
    {
        var upgraded = PasswordHasher.Upgrade(account.PasswordHash);
        return upgraded == null ? account : await ReplaceHashAsync(account, upgraded, cancellationToken).ConfigureAwait(false);
    }

    private async Task<MailAccount> ReplaceHashAsync(MailAccount account, string upgraded, CancellationToken cancellationToken)
    {
        try
        {
            return await MutateAsync(accounts =>
            {
                // Only when nobody changed the password meanwhile (then the caller keeps the hash it verified, which
                // no longer matches the account, so nothing is cached for the new password).
                if (!accounts.TryGetValue(account.Address, out var current) || current.PasswordHash != account.PasswordHash) return account;
                var changed = current.With(upgraded);
                accounts[account.Address] = changed;
                return changed;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MailStoreException || e is System.IO.IOException || e is UnauthorizedAccessException)
        {
            return account;
        }
    }

    private string HashSecure(SecureString password)
    {
        var bytes = SecretText.ToUtf8(password);
        try { return PasswordHasher.Hash(bytes, Iterations); }
        finally { Array.Clear(bytes, 0, bytes.Length); }
    }
}
