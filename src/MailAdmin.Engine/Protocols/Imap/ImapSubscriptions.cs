using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// SUBSCRIBE/LSUB state, per account, kept by the store (<see cref="IMailStore.GetSubscriptions"/>, a small file per
/// account in a Maildir store) and read from it each time, so an account removed and added again, or a change made
/// by another process, is never hidden behind a copy here. The sessions of a server share one lock per account so
/// that two SUBSCRIBEs at once do not lose one another's change.
/// </summary>
public sealed class ImapSubscriptions
{
    private readonly ConcurrentDictionary<string, object> _locks = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string> Get(IMailStore store, string account) => store.GetSubscriptions(account);

    /// <summary>Changes the account's subscriptions and writes them to the store (only when something changed).</summary>
    public void Change(IMailStore store, string account, Action<HashSet<string>> change)
    {
        lock (_locks.GetOrAdd(account, _ => new object()))
        {
            var set = new HashSet<string>(store.GetSubscriptions(account), StringComparer.Ordinal);
            var before = new HashSet<string>(set, StringComparer.Ordinal);
            change(set);
            if (!set.SetEquals(before)) store.SetSubscriptions(account, set);
        }
    }
}
