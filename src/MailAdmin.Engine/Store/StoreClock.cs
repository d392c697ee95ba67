using System;

namespace MailAdmin.Store;

internal static class StoreClock
{
    /// <summary>Internal dates are kept in whole seconds, UTC: what IMAP INTERNALDATE carries and every file system can store.</summary>
    internal static DateTimeOffset ToStoredDate(DateTimeOffset date)
        => new DateTimeOffset(date.UtcTicks - date.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
