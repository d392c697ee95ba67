using System.Security;

namespace MailAdmin.Store;

/// <summary>The changes for <see cref="IAccountStore.UpdateAsync"/>; null members stay unchanged.</summary>
public sealed class AccountUpdate
{
    public string? Password { get; set; }
    public SecureString? SecurePassword { get; set; }
    /// <summary>New quota in bytes; 0 removes the quota.</summary>
    public long? Quota { get; set; }
    public bool? Enabled { get; set; }
}
