using System;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

public static class MailStoreExtensions
{
    /// <summary>
    /// Waits for the first delivery that matches <paramref name="predicate"/> (any account, any folder).
    /// Returns null when <paramref name="timeout"/> passes (<see cref="Timeout.InfiniteTimeSpan"/> waits for ever);
    /// throws <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    public static async Task<MessageDeliveredEventArgs?> WaitForDeliveryAsync(this IMailStore store, Func<MessageDeliveredEventArgs, bool>? predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (store is null) throw new ArgumentNullException(nameof(store));
        var found = new TaskCompletionSource<MessageDeliveredEventArgs?>(TaskCreationOptions.RunContinuationsAsynchronously);
        EventHandler<MessageDeliveredEventArgs> handler = (_, e) =>
        {
            try
            {
                if (predicate is null || predicate(e)) found.TrySetResult(e);
            }
            catch (Exception ex)
            {
                found.TrySetException(ex);
            }
        };
        store.MessageDelivered += handler;
        try
        {
            return await WaitAsync(found, timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            store.MessageDelivered -= handler;
        }
    }

    /// <summary>
    /// Waits for a message in one folder of one account that matches <paramref name="predicate"/>
    /// (null: any). With <paramref name="includeExisting"/>, a message already there counts (the oldest
    /// matching one is returned); there is no gap between looking and listening. Returns null on timeout.
    /// </summary>
    public static async Task<StoredMessage?> WaitForMessageAsync(this IMailStore store, string account, string folder, Func<StoredMessage, bool>? predicate, TimeSpan timeout, CancellationToken cancellationToken = default, bool includeExisting = true)
    {
        if (store is null) throw new ArgumentNullException(nameof(store));
        var address = MailboxNames.NormalizeAddress(account);
        var folderName = MailboxNames.NormalizeFolder(folder);
        var found = new TaskCompletionSource<StoredMessage?>(TaskCreationOptions.RunContinuationsAsynchronously);
        EventHandler<MessageDeliveredEventArgs> handler = (_, e) =>
        {
            if (e.Account != address || e.Folder != folderName) return;
            try
            {
                if (predicate is null || predicate(e.Message)) found.TrySetResult(e.Message);
            }
            catch (Exception ex)
            {
                found.TrySetException(ex);
            }
        };
        // Listen first, then look: a delivery between the two is caught by the handler.
        store.MessageDelivered += handler;
        try
        {
            if (includeExisting)
            {
                foreach (var m in store.ListMessages(address, folderName))
                {
                    if (predicate is null || predicate(m))
                    {
                        found.TrySetResult(m);
                        break;
                    }
                }
            }
            return await WaitAsync(found, timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            store.MessageDelivered -= handler;
        }
    }

    private static async Task<T?> WaitAsync<T>(TaskCompletionSource<T?> found, TimeSpan timeout, CancellationToken cancellationToken) where T : class
    {
        if (found.Task.IsCompleted) return await found.Task.ConfigureAwait(false);
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var delay = Task.Delay(timeout, cts.Token);
            var first = await Task.WhenAny(found.Task, delay).ConfigureAwait(false);
            cts.Cancel();
            if (first == found.Task) return await found.Task.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }
    }
}
