using System.Collections.Concurrent;
using MailAdmin.Store;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// Parsed summaries by account, folder, UIDVALIDITY and UID, so that listing the newest 50 of
/// 10,000 messages or searching them parses no message twice. A message's bytes never change
/// under its UID, so entries never go stale; expunged ones are removed (<see cref="Remove"/>),
/// and past <see cref="MaxEntries"/> the cache is emptied and fills again.
/// </summary>
internal sealed class MessageSummaryCache
{
    private const int MaxEntries = 200_000;
    private readonly IMailStore _store;
    private readonly ConcurrentDictionary<(string, string, uint, uint), MessageSummary> _entries =
        new ConcurrentDictionary<(string, string, uint, uint), MessageSummary>();

    public MessageSummaryCache(IMailStore store) => _store = store;

    /// <summary>The summary of the message, parsed now if not cached; null when it is gone.</summary>
    public MessageSummary? Get(ApiMessageId id, long size)
    {
        var key = (id.Account, id.Folder, id.UidValidity, id.Uid);
        if (_entries.TryGetValue(key, out var summary)) return summary;
        try
        {
            using var stream = _store.OpenMessage(id.Account, id.Folder, id.Uid);
            summary = MessageSummary.Parse(stream, size);
        }
        catch (MessageNotFoundException) { return null; }
        catch (FolderNotFoundException) { return null; }
        catch (AccountNotFoundException) { return null; }
        if (_entries.Count >= MaxEntries) _entries.Clear();
        _entries[key] = summary;
        return summary;
    }

    public void Remove(ApiMessageId id) => _entries.TryRemove((id.Account, id.Folder, id.UidValidity, id.Uid), out _);
}
