using System.Collections.Concurrent;
using MailAdmin.Store;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// Parsed summaries by account, folder, UIDVALIDITY and UID, so that listing the newest 50 of
/// 10,000 messages or searching them parses no message twice. A message's bytes never change
/// under its UID, so entries never go stale; expunged ones are removed (<see cref="Remove"/>),
/// and past <see cref="MaxBytes"/> (estimated: the strings kept, two bytes a character, plus
/// <see cref="EntryOverhead"/>) the cache is emptied and fills again.
/// </summary>
internal sealed class MessageSummaryCache
{
    private const long MaxBytes = 128L * 1024 * 1024;
    private const int EntryOverhead = 512;
    private long _bytes;
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
        if (System.Threading.Interlocked.Add(ref _bytes, summary.EstimatedBytes + EntryOverhead) > MaxBytes)
        {
            _entries.Clear();
            System.Threading.Interlocked.Exchange(ref _bytes, summary.EstimatedBytes + EntryOverhead);
        }
        _entries[key] = summary;
        return summary;
    }

    public void Remove(ApiMessageId id)
    {
        if (_entries.TryRemove((id.Account, id.Folder, id.UidValidity, id.Uid), out var summary))
            System.Threading.Interlocked.Add(ref _bytes, -(summary.EstimatedBytes + EntryOverhead));
    }
}
