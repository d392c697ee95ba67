namespace MailAdmin.Store;

/// <summary>The account exists but is disabled (SMTP 550 5.2.1).</summary>
public sealed class AccountDisabledException : MailStoreException
{
    public AccountDisabledException(string address) : base($"The mail account '{address}' is disabled.") { Address = address; }
    public string Address { get; }
}
