using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Hosting.Http;

/// <summary>Keeping up with the store: summaries made ahead of time, and the event stream's news.</summary>
internal sealed partial class MailpitApi
{
    /// <summary>
    /// Summarises the messages already in the store, newest first, in the background: a store of
    /// 10,000 messages takes about a second to parse, and the first search should not pay for it.
    /// (Mail that arrives later is summarised on delivery.)
    /// </summary>
    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        try
        {
            var accounts = await _view.AccountsAsync(null, cancellationToken).ConfigureAwait(false);
            foreach (var message in _view.ListNewestFirst(accounts))
            {
                if (cancellationToken.IsCancellationRequested) return;
                _summaries.Get(message.Id, message.Stored.Size);
            }
        }
        catch (Exception ex) when (ex is MailStoreException || ex is ObjectDisposedException || ex is OperationCanceledException || ex is System.IO.IOException || ex is FormatException)
        {
            // The server stopped, or a message went away meanwhile: searches summarise what is missing.
        }
    }

    internal ServerEvents Events => _events;

    private void OnMessageDelivered(object? sender, MessageDeliveredEventArgs e)
    {
        if (!string.Equals(e.Folder, ApiMailStoreView.Folder, StringComparison.OrdinalIgnoreCase)) return;
        _view.RecordArrival(e.Account, ApiMailStoreView.Folder, e.Message.Uid);
        // The delivering thread must not wait for parsing: summarise (and warm the cache) on the pool.
        var account = e.Account;
        var stored = e.Message;
        _ = Task.Run(() =>
        {
            try
            {
                var uidValidity = _view.UidValidityOf(account);
                var message = new ApiMessageRef(new ApiMessageId(account, ApiMailStoreView.Folder, uidValidity, stored.Uid), stored);
                if (_summaries.Get(message.Id, stored.Size) is MessageSummary summary)
                    _events.Publish("new", MiniJson.Serialize(SummaryJson(message, summary)));
            }
            catch (Exception ex) when (ex is MailStoreException || ex is System.IO.IOException || ex is FormatException)
            {
                // Gone again, or the store closed: nothing to announce.
            }
        });
    }

    private void OnFolderChanged(object? sender, FolderChangedEventArgs e)
    {
        if (e.Kind != FolderChangeKind.Expunged || !string.Equals(e.Folder, ApiMailStoreView.Folder, StringComparison.OrdinalIgnoreCase)) return;
        uint uidValidity;
        try { uidValidity = _view.UidValidityOf(e.Account); }
        catch (MailStoreException) { return; }
        var ids = new List<object?>();
        foreach (var uid in e.Uids)
        {
            var id = new ApiMessageId(e.Account, ApiMailStoreView.Folder, uidValidity, uid);
            _summaries.Remove(id);
            _view.ForgetArrival(e.Account, ApiMailStoreView.Folder, uid);
            ids.Add(id.ToString());
        }
        _events.Publish("delete", MiniJson.Serialize(new Dictionary<string, object?> { ["IDs"] = ids }));
    }
}
