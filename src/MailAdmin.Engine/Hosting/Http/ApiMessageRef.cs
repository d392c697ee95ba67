using MailAdmin.Store;

namespace MailAdmin.Hosting.Http;

/// <summary>A message as the API lists it: its ID and the store's metadata (size, date, flags) now.</summary>
internal sealed class ApiMessageRef
{
    public ApiMessageRef(ApiMessageId id, StoredMessage stored)
    {
        Id = id;
        Stored = stored;
    }

    public ApiMessageId Id { get; }
    public StoredMessage Stored { get; }
    public bool Read => (Stored.Flags & MessageFlags.Seen) != 0;
}
