using System;

namespace MailAdmin.Store;

/// <summary>Base of the store's own errors: the request was refused, the store is fine.</summary>
public class MailStoreException : Exception
{
    public MailStoreException(string message, Exception? inner = null) : base(message, inner) { }
}
