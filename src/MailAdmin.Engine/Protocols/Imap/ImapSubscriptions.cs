using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// SUBSCRIBE/LSUB state, per account, kept by the store (<see cref="IMailStore.GetSubscriptions"/>, a file per account
/// in a Maildir store) and cached here for the sessions of a server, which share one lock per account.
/// </summary>
public sealed class ImapSubscriptions
{
    private readonly ConcurrentDictionary<string, HashSet<string>> _byAccount = new(StringComparer.OrdinalIgnoreCase);

    private HashSet<string> Load(IMailStore store, string account)
        => _byAccount.GetOrAdd(account, _ => new HashSet<string>(store.GetSubscriptions(account), StringComparer.Ordinal));

    public IReadOnlyList<string> Get(IMailStore store, string account)
    {
        var set = Load(store, account);
        lock (set) return set.OrderBy(s => s, StringComparer.Ordinal).ToList();
    }

    /// <summary>Changes the account's subscriptions and writes them to the store (only when something changed).</summary>
    public void Change(IMailStore store, string account, Action<HashSet<string>> change)
    {
        var set = Load(store, account);
        lock (set)
        {
            var before = new HashSet<string>(set, StringComparer.Ordinal);
            change(set);
            if (set.SetEquals(before)) return;
            try { store.SetSubscriptions(account, set); }
            catch
            {
                // Not written: the cache must not claim otherwise.
                set.Clear();
                set.UnionWith(before);
                throw;
            }
        }
    }
}
