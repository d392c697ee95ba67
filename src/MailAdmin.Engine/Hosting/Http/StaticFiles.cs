using System;
using System.Collections.Generic;
using System.IO;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// The web page's files, compiled into the engine from Hosting/Http/Web (EmbeddedResource with the
/// logical name MailAdmin.Web.&lt;file&gt;): served from the module, no CDN, nothing on disk to lose.
/// </summary>
internal static class StaticFiles
{
    private const string Prefix = "MailAdmin.Web.";
    private static readonly Dictionary<string, byte[]> Files = Load();

    /// <summary>The file for a request path ("/" is index.html), or null.</summary>
    public static HttpResponse? Get(string path)
    {
        var name = path == "/" ? "index.html" : path.TrimStart('/');
        if (name.IndexOf('/') >= 0 || !Files.TryGetValue(name, out var bytes)) return null;
        var response = new HttpResponse(200, ContentType(name), bytes);
        response.Headers["Cache-Control"] = "no-cache";
        return response;
    }

    private static Dictionary<string, byte[]> Load()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var assembly = typeof(StaticFiles).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource.Substring(Prefix.Length)] = copy.ToArray();
        }
        return files;
    }

    private static string ContentType(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".json" => "application/json; charset=utf-8",
        _ => "application/octet-stream",
    };
}
