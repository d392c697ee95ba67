using System;
using System.Net;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// Against DNS rebinding: a web page on evil.example can point its own name at 127.0.0.1 and read
/// a loopback server through the visitor's browser, but the browser then sends Host: evil.example.
/// Without a password the server answers only requests addressed to an IP literal or localhost.
/// </summary>
internal static class LocalHostNames
{
    public static bool Allows(HttpRequest request)
    {
        // HTTP/1.0 clients may omit Host; a browser never does.
        if (!request.Headers.TryGetValue("Host", out var host) || host.Length == 0) return true;
        var name = host;
        if (name.StartsWith("[", StringComparison.Ordinal))
        {
            var close = name.IndexOf(']');
            name = close < 0 ? name : name.Substring(1, close - 1);
        }
        else
        {
            var colon = name.LastIndexOf(':');
            if (colon >= 0) name = name.Substring(0, colon);
        }
        name = name.TrimEnd('.');
        return IPAddress.TryParse(name, out _)
            || name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }
}
