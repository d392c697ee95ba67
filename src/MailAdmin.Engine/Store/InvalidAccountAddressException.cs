namespace MailAdmin.Store;

/// <summary>An account address that is not local@domain, is too long, or has control characters or white space.</summary>
public sealed class InvalidAccountAddressException : MailStoreException
{
    public InvalidAccountAddressException(string address, string reason) : base($"'{address}' is not a valid account address: {reason}.")
    {
        Address = address;
    }

    public string Address { get; }
}
