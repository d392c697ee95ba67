namespace MailAdmin.Store;

/// <summary>The message would take the account over its quota (SMTP 552 5.2.2, IMAP [OVERQUOTA]).</summary>
public sealed class QuotaExceededException : MailStoreException
{
    public QuotaExceededException(string address, long quota, long used, long size)
        : base($"The mailbox of '{address}' is full: {used} of {quota} bytes used, the message has {size} bytes.")
    {
        Address = address;
        Quota = quota;
        Used = used;
        Size = size;
    }

    public string Address { get; }
    public long Quota { get; }
    public long Used { get; }
    public long Size { get; }
}
