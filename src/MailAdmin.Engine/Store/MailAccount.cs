using System;

namespace MailAdmin.Store;

/// <summary>A mail account. Immutable: updates return a new instance.</summary>
public sealed class MailAccount
{
    internal MailAccount(string address, string passwordHash, long? quota, bool enabled, DateTimeOffset created)
    {
        Address = address;
        PasswordHash = passwordHash;
        Quota = quota is > 0 ? quota : null;
        Enabled = enabled;
        Created = created;
    }

    /// <summary>The normalised (lower-case, trimmed) address.</summary>
    public string Address { get; }

    /// <summary>Quota in bytes, or null for none.</summary>
    public long? Quota { get; }

    public bool Enabled { get; }

    public DateTimeOffset Created { get; }

    /// <summary>"scram-sha-256$iterations$salt$StoredKey$ServerKey" (or the legacy "pbkdf2-sha256$…"); never the password. Internal so it is not shown by accident.</summary>
    internal string PasswordHash { get; }

    internal MailAccount With(string? passwordHash = null, long? quota = null, bool? enabled = null)
        => new MailAccount(Address, passwordHash ?? PasswordHash, quota.HasValue ? quota : Quota, enabled ?? Enabled, Created);

    public override string ToString() => Address;
}
