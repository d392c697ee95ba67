using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;
using MimeKit;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// The HTTP side of a mail server: the subset of Mailpit's REST API (/api/v1/...) with Mailpit's
/// JSON field names, our extensions for the web page (/api/v1/mailboxes, /api/v1/events,
/// /view/{ID}.html) and the page's static files. Endpoints and differences: docs/web.md.
/// </summary>
internal sealed class MailpitApi : IDisposable
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

    // ---- one message

    private async Task<HttpResponse> MessageAsync(HttpRequest request, string rest, CancellationToken cancellationToken)
    {
        var slash = rest.IndexOf('/');
        var idText = slash < 0 ? rest : rest.Substring(0, slash);
        var sub = slash < 0 ? string.Empty : rest.Substring(slash + 1);
        var message = await ResolveAsync(idText, cancellationToken).ConfigureAwait(false);
        if (message == null) return HttpResponse.Error(404, "Message not found.");
        if (sub == "raw")
        {
            var raw = await ReadAsync(message, cancellationToken).ConfigureAwait(false);
            if (raw == null) return HttpResponse.Error(404, "Message not found.");
            var response = new HttpResponse(200, "text/plain; charset=utf-8", raw);
            if (request.QueryValue("dl") == "1") response.Headers["Content-Disposition"] = "attachment; filename=\"message.eml\"";
            return response;
        }
        if (sub == "headers")
        {
            var headers = await LoadAsync(message, cancellationToken).ConfigureAwait(false);
            if (headers == null) return HttpResponse.Error(404, "Message not found.");
            return Json(HeadersJson(headers));
        }
        if (sub.StartsWith("part/", StringComparison.Ordinal))
            return await PartAsync(message, sub.Substring(5), cancellationToken).ConfigureAwait(false);
        if (sub.Length > 0) return HttpResponse.Error(404, "Not found.");

        var mime = await LoadAsync(message, cancellationToken).ConfigureAwait(false);
        if (mime == null) return HttpResponse.Error(404, "Message not found.");
        // Mailpit marks a message read when a client fetches it.
        if (!message.Read)
            await _view.Store.SetFlagsAsync(message.Id.Account, message.Id.Folder, new[] { message.Id.Uid }, MessageFlags.Seen, FlagChange.Add, cancellationToken).ConfigureAwait(false);
        return Json(MessageJson(message, mime));
    }

    /// <summary>An ID, or "latest" (as Mailpit): the newest message of all mailboxes.</summary>
    private async Task<ApiMessageRef?> ResolveAsync(string idText, CancellationToken cancellationToken)
    {
        if (idText == "latest")
            return _view.ListNewestFirst(await _view.AccountsAsync(null, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        return ApiMessageId.TryParse(idText, out var id) ? _view.Find(id) : null;
    }

    private async Task<byte[]?> ReadAsync(ApiMessageRef message, CancellationToken cancellationToken)
    {
        try { return await _view.Store.ReadMessageAsync(message.Id.Account, message.Id.Folder, message.Id.Uid, cancellationToken).ConfigureAwait(false); }
        catch (MessageNotFoundException) { return null; }
    }

    private async Task<MimeMessage?> LoadAsync(ApiMessageRef message, CancellationToken cancellationToken)
    {
        var raw = await ReadAsync(message, cancellationToken).ConfigureAwait(false);
        if (raw == null) return null;
        using var stream = new System.IO.MemoryStream(raw);
        return MimeMessage.Load(stream, cancellationToken);
    }

    private static Dictionary<string, object?> MessageJson(ApiMessageRef message, MimeMessage mime)
    {
        var parts = MessageParts.Of(mime);
        var from = mime.From.Mailboxes.FirstOrDefault() ?? mime.Sender;
        return new Dictionary<string, object?>
        {
            ["ID"] = message.Id.ToString(),
            ["MessageID"] = mime.MessageId ?? string.Empty,
            ["From"] = new ApiAddress(from?.Name ?? string.Empty, from?.Address ?? string.Empty).ToJson(),
            ["To"] = ApiAddress.ToJson(ApiAddress.From(mime.To)),
            ["Cc"] = ApiAddress.ToJson(ApiAddress.From(mime.Cc)),
            ["Bcc"] = ApiAddress.ToJson(ApiAddress.From(mime.Bcc)),
            ["ReplyTo"] = ApiAddress.ToJson(ApiAddress.From(mime.ReplyTo)),
            ["ReturnPath"] = (mime.Headers[HeaderId.ReturnPath] ?? string.Empty).Trim().Trim('<', '>'),
            ["Subject"] = mime.Subject ?? string.Empty,
            // No Date header: the arrival time, as Mailpit does.
            ["Date"] = mime.Headers.Contains(HeaderId.Date) ? mime.Date : message.Stored.InternalDate,
            ["Tags"] = new List<object?>(),
            ["Text"] = mime.TextBody ?? string.Empty,
            ["HTML"] = mime.HtmlBody ?? string.Empty,
            ["Size"] = message.Stored.Size,
            ["Inline"] = parts.Inline.Select(p => (object?)p.ToJson()).ToList(),
            ["Attachments"] = parts.Attachments.Select(p => (object?)p.ToJson()).ToList(),
            ["Mailbox"] = message.Id.Account,
        };
    }

    /// <summary>Mailpit's headers answer: each field name with the list of its values, in message order.</summary>
    private static Dictionary<string, object?> HeadersJson(MimeMessage mime)
    {
        var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in mime.Headers)
        {
            if (!result.TryGetValue(header.Field, out var values)) result[header.Field] = values = new List<object?>();
            ((List<object?>)values!).Add(header.Value.Trim());
        }
        return result;
    }

    private async Task<HttpResponse> PartAsync(ApiMessageRef message, string partId, CancellationToken cancellationToken)
    {
        var mime = await LoadAsync(message, cancellationToken).ConfigureAwait(false);
        var part = mime == null ? null : MessageParts.Find(mime, partId);
        if (part == null) return HttpResponse.Error(404, "Part not found.");
        var type = part.Mime.ContentType;
        var contentType = type.Charset != null ? type.MimeType + "; charset=" + type.Charset : type.MimeType;
        var response = new HttpResponse(200, contentType, part.Content());
        var fileName = part.FileName.Length > 0 ? part.FileName : "part-" + partId;
        response.Headers["Content-Disposition"] = ContentDisposition(part.Mime.IsAttachment ? "attachment" : "inline", fileName);
        return response;
    }

    /// <summary>RFC 6266: an ASCII fallback name and the UTF-8 name as filename*.</summary>
    private static string ContentDisposition(string type, string fileName)
    {
        var ascii = new string(fileName.Select(c => c < 0x20 || c > 0x7e || c == '"' || c == '\\' ? '_' : c).ToArray());
        return $"{type}; filename=\"{ascii}\"; filename*=UTF-8''{Uri.EscapeDataString(fileName)}";
    }

    private async Task<HttpResponse> ViewAsync(string idText, CancellationToken cancellationToken)
    {
        var message = await ResolveAsync(idText, cancellationToken).ConfigureAwait(false);
        var mime = message == null ? null : await LoadAsync(message, cancellationToken).ConfigureAwait(false);
        if (mime == null) return HttpResponse.Error(404, "Message not found.");
        var html = mime.HtmlBody ?? "<pre>" + System.Net.WebUtility.HtmlEncode(mime.TextBody ?? string.Empty) + "</pre>";
        var response = new HttpResponse(200, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(HtmlSanitizer.Sanitize(html)));
        response.Headers["Content-Security-Policy"] = HtmlSanitizer.ContentSecurityPolicy;
        response.Headers["Cache-Control"] = "no-store";
        return response;
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

    // ---- live updates

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
                var uidValidity = _view.Store.GetFolderStatus(account, ApiMailStoreView.Folder).UidValidity;
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
        try { uidValidity = _view.Store.GetFolderStatus(e.Account, e.Folder).UidValidity; }
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
