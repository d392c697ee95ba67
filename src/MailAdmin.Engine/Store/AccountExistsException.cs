namespace MailAdmin.Store;

public sealed class AccountExistsException : MailStoreException
{
    public AccountExistsException(string address) : base($"The mail account '{address}' already exists.") { Address = address; }
    public string Address { get; }
}
