using System;
using System.Collections.Generic;

namespace MailAdmin.Hosting.Http;

/// <summary>One parsed HTTP/1.1 request: request line, headers and its Content-Length body.</summary>
internal sealed class HttpRequest
{
    public HttpRequest(string method, string target, string version, Dictionary<string, string> headers, byte[] body)
    {
        Method = method;
        Target = target;
        Version = version;
        Headers = headers;
        Body = body;
        var question = target.IndexOf('?');
        Path = Uri.UnescapeDataString(question < 0 ? target : target.Substring(0, question));
        Query = ParseQuery(question < 0 ? string.Empty : target.Substring(question + 1));
    }

    public string Method { get; }
    /// <summary>The request target as sent (path and query).</summary>
    public string Target { get; }
    public string Version { get; }
    /// <summary>The decoded path, without the query.</summary>
    public string Path { get; }
    public IReadOnlyDictionary<string, string> Query { get; }
    /// <summary>Header fields by name, case-insensitive; repeated fields joined with ", ".</summary>
    public Dictionary<string, string> Headers { get; }
    public byte[] Body { get; }

    /// <summary>HTTP/1.1 keeps the connection unless the client says close; HTTP/1.0 only with keep-alive.</summary>
    public bool KeepAlive
    {
        get
        {
            Headers.TryGetValue("Connection", out var connection);
            connection ??= string.Empty;
            if (Version == "HTTP/1.0") return connection.IndexOf("keep-alive", StringComparison.OrdinalIgnoreCase) >= 0;
            return connection.IndexOf("close", StringComparison.OrdinalIgnoreCase) < 0;
        }
    }

    public string? QueryValue(string name) => Query.TryGetValue(name, out var value) ? value : null;

    /// <summary>A non-negative integer query parameter, or <paramref name="fallback"/> when absent or not a number.</summary>
    public int QueryInt(string name, int fallback) =>
        int.TryParse(QueryValue(name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : fallback;

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.Split(new[] { '&' }, StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = Decode(equals < 0 ? pair : pair.Substring(0, equals));
            var value = equals < 0 ? string.Empty : Decode(pair.Substring(equals + 1));
            result[name] = value;
        }
        return result;
    }

    // Form encoding: '+' is a space in a query string.
    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
