using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// The HTTP side of a mail server: the subset of Mailpit's REST API (/api/v1/...) with Mailpit's
/// JSON field names, our extensions for the web page (/api/v1/mailboxes, /api/v1/events,
/// /view/{ID}.html) and the page's static files. Endpoints and differences: docs/web.md.
/// </summary>
internal sealed partial class MailpitApi : IDisposable
{
    private const int DefaultLimit = 50;
    private readonly ApiMailStoreView _view;
    private readonly MessageSummaryCache _summaries;
    private readonly ServerEvents _events = new ServerEvents();
    private readonly DateTimeOffset _started = DateTimeOffset.Now;
    private readonly CancellationTokenSource _closing = new CancellationTokenSource();

    public MailpitApi(IMailStore store)
    {
        _view = new ApiMailStoreView(store);
        _summaries = new MessageSummaryCache(store);
        store.MessageDelivered += OnMessageDelivered;
        store.FolderChanged += OnFolderChanged;
        _ = Task.Run(() => WarmUpAsync(_closing.Token));
    }

    public void Dispose()
    {
        _closing.Cancel();
        _view.Store.MessageDelivered -= OnMessageDelivered;
        _view.Store.FolderChanged -= OnFolderChanged;
    }

    public async Task<HttpResponse> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var path = request.Path;
        var method = request.Method == "HEAD" ? "GET" : request.Method;
        switch (path)
        {
            case "/api/v1/messages":
                return method switch
                {
                    "GET" => await ListAsync(request, query: null, cancellationToken).ConfigureAwait(false),
                    "DELETE" => await DeleteAsync(request, cancellationToken).ConfigureAwait(false),
                    "PUT" => await SetReadAsync(request, cancellationToken).ConfigureAwait(false),
                    _ => NotAllowed("GET, HEAD, DELETE, PUT"),
                };
            case "/api/v1/search":
                return method switch
                {
                    "GET" => await ListAsync(request, MailpitQuery.Parse(request.QueryValue("query") ?? string.Empty), cancellationToken).ConfigureAwait(false),
                    "DELETE" => await DeleteMatchingAsync(request, cancellationToken).ConfigureAwait(false),
                    _ => NotAllowed("GET, HEAD, DELETE"),
                };
            case "/api/v1/info":
                return method == "GET" ? await InfoAsync(cancellationToken).ConfigureAwait(false) : NotAllowed("GET, HEAD");
            case "/api/v1/mailboxes":
                return method == "GET" ? await MailboxesAsync(cancellationToken).ConfigureAwait(false) : NotAllowed("GET, HEAD");
            case "/api/v1/events":
                return method == "GET" ? _events.Open() : NotAllowed("GET, HEAD");
        }
        if (path.StartsWith("/api/v1/message/", StringComparison.Ordinal))
            return method == "GET" ? await MessageAsync(request, path.Substring("/api/v1/message/".Length), cancellationToken).ConfigureAwait(false) : NotAllowed("GET, HEAD");
        if (path.StartsWith("/view/", StringComparison.Ordinal) && path.EndsWith(".html", StringComparison.Ordinal))
            return method == "GET" ? await ViewAsync(path.Substring(6, path.Length - 11), cancellationToken).ConfigureAwait(false) : NotAllowed("GET, HEAD");
        if (StaticFiles.Get(path) is HttpResponse file)
            return method == "GET" ? file : NotAllowed("GET, HEAD");
        return HttpResponse.Error(404, "Not found.");
    }

    private static HttpResponse NotAllowed(string allow)
    {
        var response = HttpResponse.Error(405, "Method not allowed.");
        response.Headers["Allow"] = allow;
        return response;
    }

    private static HttpResponse Json(object value)
    {
        var response = HttpResponse.Json(MiniJson.Serialize(value));
        response.Headers["Cache-Control"] = "no-store";
        return response;
    }

    // ---- list and search

    private async Task<HttpResponse> ListAsync(HttpRequest request, MailpitQuery? query, CancellationToken cancellationToken)
    {
        var start = request.QueryInt("start", 0);
        var limit = request.QueryInt("limit", DefaultLimit);
        var accounts = await _view.AccountsAsync(request.QueryValue("mailbox"), cancellationToken).ConfigureAwait(false);
        var all = _view.ListNewestFirst(accounts);
        var unread = all.Count(m => !m.Read);
        IReadOnlyList<ApiMessageRef> matching = all;
        if (query != null)
            matching = all.Where(m => _summaries.Get(m.Id, m.Stored.Size) is MessageSummary s && query.Matches(s, m.Read)).ToList();
        var page = new List<object?>();
        foreach (var message in matching.Skip(start))
        {
            if (page.Count >= limit) break;
            if (_summaries.Get(message.Id, message.Stored.Size) is MessageSummary summary)
                page.Add(SummaryJson(message, summary));
        }
        return Json(new Dictionary<string, object?>
        {
            ["total"] = all.Count,
            ["unread"] = unread,
            ["count"] = page.Count,
            ["messages_count"] = matching.Count,
            ["messages_unread"] = query == null ? unread : matching.Count(m => !m.Read),
            ["start"] = start,
            ["tags"] = new List<object?>(),
            ["messages"] = page,
        });
    }

    private static Dictionary<string, object?> SummaryJson(ApiMessageRef message, MessageSummary summary) => new Dictionary<string, object?>
    {
        ["ID"] = message.Id.ToString(),
        ["MessageID"] = summary.MessageId,
        ["Read"] = message.Read,
        ["From"] = (summary.From ?? new ApiAddress(string.Empty, string.Empty)).ToJson(),
        ["To"] = ApiAddress.ToJson(summary.To),
        ["Cc"] = ApiAddress.ToJson(summary.Cc),
        ["Bcc"] = ApiAddress.ToJson(summary.Bcc),
        ["ReplyTo"] = ApiAddress.ToJson(summary.ReplyTo),
        ["Subject"] = summary.Subject,
        ["Created"] = message.Stored.InternalDate,
        ["Tags"] = new List<object?>(),
        ["Size"] = message.Stored.Size,
        ["Attachments"] = summary.Attachments,
        ["Snippet"] = summary.Snippet,
        ["Mailbox"] = message.Id.Account,
    };

    // ---- delete and mark read

    private async Task<HttpResponse> DeleteAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var ids = ReadIds(request, out _);
        if (ids == null)
        {
            var accounts = await _view.AccountsAsync(request.QueryValue("mailbox"), cancellationToken).ConfigureAwait(false);
            foreach (var account in accounts)
            {
                var uids = SafeList(account).Select(m => m.Uid).ToList();
                if (uids.Count > 0)
                    await _view.Store.DeleteMessagesAsync(account, ApiMailStoreView.Folder, uids, cancellationToken).ConfigureAwait(false);
            }
            _events.Publish("clear", "{}");
            return HttpResponse.Text("ok");
        }
        foreach (var group in ids.GroupBy(i => (i.Account, i.Folder)))
        {
            var uids = group.Where(i => _view.Find(i) != null).Select(i => i.Uid).ToList();
            if (uids.Count > 0)
                await _view.Store.DeleteMessagesAsync(group.Key.Account, group.Key.Folder, uids, cancellationToken).ConfigureAwait(false);
        }
        return HttpResponse.Text("ok");
    }

    /// <summary>DELETE /api/v1/search?query=: deletes what the search finds (Mailpit has it too).</summary>
    private async Task<HttpResponse> DeleteMatchingAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var text = request.QueryValue("query");
        if (string.IsNullOrWhiteSpace(text)) throw new HttpStatusException(400, "A query is required.");
        var query = MailpitQuery.Parse(text!);
        var accounts = await _view.AccountsAsync(request.QueryValue("mailbox"), cancellationToken).ConfigureAwait(false);
        var matching = _view.ListNewestFirst(accounts).Where(m => _summaries.Get(m.Id, m.Stored.Size) is MessageSummary s && query.Matches(s, m.Read));
        foreach (var group in matching.GroupBy(m => (m.Id.Account, m.Id.Folder)))
            await _view.Store.DeleteMessagesAsync(group.Key.Account, group.Key.Folder, group.Select(m => m.Id.Uid).ToList(), cancellationToken).ConfigureAwait(false);
        return HttpResponse.Text("ok");
    }

    private async Task<HttpResponse> SetReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var ids = ReadIds(request, out var body);
        var read = !(body != null && body.TryGetValue("Read", out var value) && value is bool b && !b);
        IEnumerable<ApiMessageId> targets = ids ?? _view.ListNewestFirst(await _view.AccountsAsync(null, cancellationToken).ConfigureAwait(false)).Select(m => m.Id);
        foreach (var group in targets.GroupBy(i => (i.Account, i.Folder)))
        {
            await _view.Store.SetFlagsAsync(group.Key.Account, group.Key.Folder, group.Select(i => i.Uid), MessageFlags.Seen,
                read ? FlagChange.Add : FlagChange.Remove, cancellationToken).ConfigureAwait(false);
        }
        return HttpResponse.Text("ok");
    }

    /// <summary>The IDs of a {"IDs": [...]} body; null when there is no body or no IDs (meaning: all).</summary>
    private static List<ApiMessageId>? ReadIds(HttpRequest request, out Dictionary<string, object?>? body)
    {
        body = null;
        if (request.Body.Length == 0) return null;
        try { body = MiniJson.Parse(Encoding.UTF8.GetString(request.Body)) as Dictionary<string, object?>; }
        catch (FormatException ex) { throw new HttpStatusException(400, "The body is not JSON: " + ex.Message); }
        if (body == null || !body.TryGetValue("IDs", out var value) || !(value is List<object?> list) || list.Count == 0) return null;
        var ids = new List<ApiMessageId>();
        foreach (var item in list)
        {
            if (!(item is string text) || !ApiMessageId.TryParse(text, out var id))
                throw new HttpStatusException(400, "IDs holds an ID that is not one of ours: " + item);
            ids.Add(id);
        }
        return ids;
    }

    private IReadOnlyList<StoredMessage> SafeList(string account)
    {
        try { return _view.Store.ListMessages(account, ApiMailStoreView.Folder); }
        catch (Exception ex) when (ex is AccountNotFoundException || ex is FolderNotFoundException) { return Array.Empty<StoredMessage>(); }
    }

    // ---- info and mailboxes

    private async Task<HttpResponse> InfoAsync(CancellationToken cancellationToken)
    {
        var all = _view.ListNewestFirst(await _view.AccountsAsync(null, cancellationToken).ConfigureAwait(false));
        return Json(new Dictionary<string, object?>
        {
            ["Version"] = "MailAdmin " + typeof(MailpitApi).Assembly.GetName().Version,
            ["LatestVersion"] = string.Empty,
            ["Database"] = string.Empty,
            ["DatabaseSize"] = all.Sum(m => m.Stored.Size),
            ["Messages"] = all.Count,
            ["Unread"] = all.Count(m => !m.Read),
            ["Tags"] = new Dictionary<string, object?>(),
            ["RuntimeStats"] = new Dictionary<string, object?>
            {
                ["Uptime"] = (long)(DateTimeOffset.Now - _started).TotalSeconds,
                ["Memory"] = GC.GetTotalMemory(false),
            },
        });
    }

    private async Task<HttpResponse> MailboxesAsync(CancellationToken cancellationToken)
    {
        var result = new List<object?>();
        foreach (var account in await _view.AccountsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            var messages = SafeList(account);
            result.Add(new Dictionary<string, object?>
            {
                ["Account"] = account,
                ["Messages"] = messages.Count,
                ["Unread"] = messages.Count(m => (m.Flags & MessageFlags.Seen) == 0),
            });
        }
        return Json(result);
    }

}
