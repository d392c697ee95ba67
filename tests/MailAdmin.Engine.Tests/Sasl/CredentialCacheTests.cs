using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Sasl;

public sealed class CredentialCacheTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mailadmin-authcache-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { try { Directory.Delete(_root, true); } catch (IOException) { } }

    [Fact]
    public async Task Verified_password_is_remembered_until_the_account_changes()
    {
        var store = new AccountStore(_root, 1000) { CredentialCacheTtl = TimeSpan.FromMinutes(5) };
        await store.AddAsync("ann@example.com", "pw");
        Assert.NotNull(await store.VerifyPasswordAsync("ann@example.com", "pw"));
        Assert.Equal(1, store.CachedCredentials);
        Assert.NotNull(await store.VerifyPasswordAsync("ANN@example.com", "pw"));   // a hit
        Assert.Null(await store.VerifyPasswordAsync("ann@example.com", "pw2"));      // a wrong password is never a hit

        // Set-MailAccount in this process drops the entry at once.
        await store.UpdateAsync("ann@example.com", new AccountUpdate { Password = "new" });
        Assert.Equal(0, store.CachedCredentials);
        Assert.Null(await store.VerifyPasswordAsync("ann@example.com", "pw"));
        Assert.NotNull(await store.VerifyPasswordAsync("ann@example.com", "new"));

        // Another process (another store object on the same file) changes the password: the old one stops at once.
        var other = new AccountStore(_root, 1000);
        await other.UpdateAsync("ann@example.com", new AccountUpdate { Password = "third" });
        Assert.Null(await store.VerifyPasswordAsync("ann@example.com", "new"));
        Assert.NotNull(await store.VerifyPasswordAsync("ann@example.com", "third"));

        // ... disables it, or removes it.
        await other.UpdateAsync("ann@example.com", new AccountUpdate { Enabled = false });
        Assert.Null(await store.VerifyPasswordAsync("ann@example.com", "third"));
        await other.UpdateAsync("ann@example.com", new AccountUpdate { Enabled = true });
        Assert.NotNull(await store.VerifyPasswordAsync("ann@example.com", "third"));
        await other.RemoveAsync("ann@example.com");
        Assert.Null(await store.VerifyPasswordAsync("ann@example.com", "third"));
    }

    [Fact]
    public async Task A_hit_costs_no_pbkdf2_and_the_ttl_ends_it()
    {
        var store = new InMemoryAccountStore(300_000) { CredentialCacheTtl = TimeSpan.FromMilliseconds(800) };
        await store.AddAsync("ann@example.com", "pw");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.NotNull(await store.VerifyPasswordAsync("ann@example.com", "pw"));
        var slow = watch.Elapsed;
        watch.Restart();
        for (int i = 0; i < 20; i++) Assert.NotNull(await store.VerifyPasswordAsync("ann@example.com", "pw"));
        var fast = watch.Elapsed;
        // Twenty hits take less time than one PBKDF2 run of 300 000 iterations.
        Assert.True(fast < slow, $"20 cached checks {fast.TotalMilliseconds:0} ms vs one hash {slow.TotalMilliseconds:0} ms");
        await Task.Delay(900);
        Assert.False(store.CachedCredentials == 1 && await HitAsync(store), "the entry outlived its TTL");
    }

    private static async Task<bool> HitAsync(InMemoryAccountStore store)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await store.VerifyPasswordAsync("ann@example.com", "pw");
        return watch.ElapsedMilliseconds < 5;
    }

    [Fact]
    public async Task Wrong_passwords_never_run_more_hashes_at_once_than_there_are_cores()
    {
        var store = new InMemoryAccountStore(20_000);
        await store.AddAsync("ann@example.com", "pw");
        // Enough pool threads that, without the bound, every attempt would hash at once.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), io);
        try
        {
            var attempts = Enumerable.Range(0, 4 * PasswordHasher.MaxConcurrentHashes + 4)
                .Select(i => Task.Run(() => store.VerifyPasswordAsync("ann@example.com", "wrong" + i)));
            Assert.All(await Task.WhenAll(attempts), Assert.Null);
        }
        finally { ThreadPool.SetMinThreads(workers, io); }
        Assert.InRange(PasswordHasher.PeakConcurrentHashes, 1, Math.Max(1, Environment.ProcessorCount));   // one per core
    }

    [Fact]
    public async Task Zero_ttl_turns_the_cache_off()
    {
        var store = new InMemoryAccountStore(1000);
        await store.AddAsync("ann@example.com", "pw");
        Assert.NotNull(await store.VerifyPasswordAsync("ann@example.com", "pw"));
        Assert.Equal(0, store.CachedCredentials);
        Assert.Throws<ArgumentOutOfRangeException>(() => store.CredentialCacheTtl = TimeSpan.FromSeconds(-1));
    }

    [Fact]
    public async Task Legacy_hash_moves_to_the_scram_form_on_the_next_login()
    {
        Directory.CreateDirectory(_root);
        var legacy = SaslTestCredentials.Rfc7677LegacyHash();
        File.WriteAllText(Path.Combine(_root, AccountStore.FileName),
            "{ \"version\": 1, \"accounts\": [ { \"address\": \"ann@example.com\", \"passwordHash\": \"" + legacy + "\", \"quota\": null, \"enabled\": true, \"created\": \"2026-01-01T00:00:00Z\" } ] }");
        var store = new AccountStore(_root, 4096);
        Assert.Null(await store.VerifyPasswordAsync("ann@example.com", "wrong"));
        Assert.Contains("pbkdf2-sha256$", File.ReadAllText(Path.Combine(_root, AccountStore.FileName)));
        Assert.NotNull(await store.VerifyPasswordAsync("ann@example.com", "pencil"));
        var text = File.ReadAllText(Path.Combine(_root, AccountStore.FileName));
        Assert.DoesNotContain("pbkdf2-sha256$", text);
        Assert.Contains("scram-sha-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$", text);
        Assert.NotNull(await new AccountStore(_root, 4096).VerifyPasswordAsync("ann@example.com", "pencil"));

        // A store with another iteration count (e.g. hashes from before SCRAM, at 210 000, which Cyrus SASL's
        // SCRAM clients refuse) re-hashes at its own count, with a new salt, at the next password login.
        Assert.NotNull(await new AccountStore(_root, 1000).VerifyPasswordAsync("ann@example.com", "pencil"));
        text = File.ReadAllText(Path.Combine(_root, AccountStore.FileName));
        Assert.Contains("scram-sha-256$1000$", text);
        Assert.DoesNotContain("W22ZaJ0SNY7soEsUEjb6gQ==", text);
        Assert.NotNull(await new AccountStore(_root, 1000).VerifyPasswordAsync("ann@example.com", "pencil"));
    }
}
