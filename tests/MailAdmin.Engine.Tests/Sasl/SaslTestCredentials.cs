using System.Security.Cryptography;
using System.Text;
using MailAdmin.Protocols.Sasl;
using MailAdmin.Store;

namespace MailAdmin.Engine.Tests.Sasl;

/// <summary>Accounts for mechanism tests: an InMemoryAccountStore behind <see cref="StoreCredentials"/>, plus a legacy-hash entry built from a chosen salt.</summary>
internal static class SaslTestCredentials
{
    /// <summary>The stored form of RFC 7677 §3's example: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations — written as the legacy PBKDF2 hash, which must serve SCRAM unchanged.</summary>
    public static string Rfc7677LegacyHash()
    {
        var salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes("pencil"), salt, 4096, HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256$4096${Convert.ToBase64String(salt)}${Convert.ToBase64String(salted)}";
    }

    public static async Task<InMemoryAccountStore> StoreAsync(params (string User, string Password)[] accounts)
    {
        var store = new InMemoryAccountStore(4096);
        foreach (var (user, password) in accounts) await store.AddAsync(user, password);
        return store;
    }
}

/// <summary>One fixed credential, for the RFC 7677 vector.</summary>
internal sealed class FixedScramCredentials : ISaslCredentials
{
    private readonly string _user;
    private readonly ScramLogin _login;
    public FixedScramCredentials(string user, ScramLogin login) { _user = user; _login = login; }
    public bool BearerEnabled => false;
    public bool ScramEnabled => true;
    public int Successes { get; private set; }
    public Task<string?> VerifyPasswordAsync(string user, string password, CancellationToken ct) => Task.FromResult<string?>(null);
    public Task<string?> VerifyBearerAsync(string user, string token, CancellationToken ct) => Task.FromResult<string?>(null);
    public Task<ScramLogin?> GetScramAsync(string user, CancellationToken ct) => Task.FromResult(user == _user ? _login : null);
    public Task<string> ScramSucceededAsync(ScramLogin login, CancellationToken ct) { Successes++; return Task.FromResult(_user); }
}
