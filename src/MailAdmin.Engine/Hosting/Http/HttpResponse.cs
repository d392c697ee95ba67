using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// What a handler answers: a status, header fields and either a body in memory or, for an event
/// stream, a writer that keeps the connection until it returns (the connection then closes).
/// </summary>
internal sealed class HttpResponse
{
    public HttpResponse(int status, string contentType, byte[] body)
    {
        Status = status;
        Body = body;
        Headers["Content-Type"] = contentType;
    }

    public int Status { get; }
    public byte[] Body { get; }
    public Dictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    /// <summary>Set for a streamed answer (server-sent events): writes until the client leaves or the server stops.</summary>
    public Func<Stream, CancellationToken, Task>? Stream { get; set; }

    public static HttpResponse Json(string json, int status = 200) =>
        new HttpResponse(status, "application/json; charset=utf-8", Encoding.UTF8.GetBytes(json));

    public static HttpResponse Text(string text, int status = 200) =>
        new HttpResponse(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));

    public static HttpResponse Error(int status, string message) => Text(message + "\n", status);

    public static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Status " + status,
    };

    /// <summary>Writes the status line, the header fields and (unless <paramref name="head"/>) the body.</summary>
    public async Task WriteAsync(Stream stream, bool keepAlive, bool head, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        text.Append("HTTP/1.1 ").Append(Status).Append(' ').Append(ReasonPhrase(Status)).Append("\r\n");
        foreach (var header in Headers)
            text.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        if (Stream == null)
            text.Append("Content-Length: ").Append(Body.Length).Append("\r\n");
        text.Append("X-Content-Type-Options: nosniff\r\n");
        text.Append("Connection: ").Append(keepAlive && Stream == null ? "keep-alive" : "close").Append("\r\n\r\n");
        var headBytes = Encoding.UTF8.GetBytes(text.ToString());
        await stream.WriteAsync(headBytes, 0, headBytes.Length, cancellationToken).ConfigureAwait(false);
        if (!head && Stream == null && Body.Length > 0)
            await stream.WriteAsync(Body, 0, Body.Length, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (!head && Stream != null)
            await Stream(stream, cancellationToken).ConfigureAwait(false);
    }
}
