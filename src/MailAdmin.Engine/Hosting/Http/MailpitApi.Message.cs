using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;
using MimeKit;

namespace MailAdmin.Hosting.Http;

/// <summary>One message: its JSON, raw source, headers, parts, and the sanitised HTML view.</summary>
internal sealed partial class MailpitApi
{
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
}
