using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>Accounts kept in memory only (Start-MailServer -InMemory). Passwords are hashed all the same.</summary>
public sealed class InMemoryAccountStore : AccountStoreBase
{
    private readonly object gate = new object();
    private Dictionary<string, MailAccount> accounts = new Dictionary<string, MailAccount>(StringComparer.Ordinal);

    public InMemoryAccountStore(int iterations = PasswordHasher.DefaultIterations) : base(iterations) { }

    private protected override IReadOnlyDictionary<string, MailAccount> Snapshot()
    {
        lock (gate) return accounts;
    }

    private protected override Task<T> MutateAsync<T>(Func<Dictionary<string, MailAccount>, T> change, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            // Copy on write: snapshots handed out never change under a reader.
            var copy = new Dictionary<string, MailAccount>(accounts, StringComparer.Ordinal);
            var result = change(copy);
            accounts = copy;
            return Task.FromResult(result);
        }
    }
}
