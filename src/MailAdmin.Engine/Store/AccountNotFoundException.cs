namespace MailAdmin.Store;

/// <summary>No account has this address (SMTP 550 5.1.1).</summary>
public sealed class AccountNotFoundException : MailStoreException
{
    public AccountNotFoundException(string address) : base($"There is no mail account '{address}'.") { Address = address; }
    public string Address { get; }
}
