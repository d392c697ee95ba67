using System;
using System.Collections.Generic;

namespace MailAdmin.Protocols.Pop3;

/// <summary>RFC 1939 §8 exclusive-access locks: one POP3 session per account at a time, within one
/// server (the store has no cross-process maildrop lock). A second session gets -ERR [IN-USE].</summary>
public sealed class Pop3MailboxLocks
{
    private readonly Dictionary<string, object> _owners = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Takes the lock for <paramref name="account"/>; false when another owner holds it.</summary>
    public bool TryAcquire(string account, object owner)
    {
        lock (_owners)
        {
            if (_owners.TryGetValue(account, out var current)) return ReferenceEquals(current, owner);
            _owners[account] = owner;
            return true;
        }
    }

    /// <summary>Releases the lock if <paramref name="owner"/> holds it.</summary>
    public void Release(string account, object owner)
    {
        lock (_owners)
        {
            if (_owners.TryGetValue(account, out var current) && ReferenceEquals(current, owner)) _owners.Remove(account);
        }
    }

    public bool IsLocked(string account)
    {
        lock (_owners) return _owners.ContainsKey(account);
    }
}
