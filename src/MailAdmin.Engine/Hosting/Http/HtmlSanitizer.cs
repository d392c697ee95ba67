using System.Text.RegularExpressions;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// Takes script out of a message's HTML: script/iframe/object/embed/base elements, on* event
/// attributes, javascript:/vbscript: URLs and meta refreshes. Regular expressions, not a full
/// HTML parser: the page shows the result in a sandboxed iframe and /view/ sends a CSP that
/// forbids script, so this is the second line, not the only one.
/// </summary>
internal static class HtmlSanitizer
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.Compiled;
    private static readonly Regex Elements = new Regex(@"<(script|iframe|frame|frameset|object|embed|applet|noscript|template)\b.*?(</\1\s*>|$)", Options);
    private static readonly Regex LoneTags = new Regex(@"</?(script|iframe|frame|frameset|object|embed|applet|base|link|meta)\b[^>]*>", Options);
    private static readonly Regex EventAttributes = new Regex(@"(?<=[\s/""'])on[a-z]+\s*=\s*(""[^""]*""|'[^']*'|[^\s>]+)", Options);
    private static readonly Regex ScriptUrls = new Regex(@"(?<=[\s/""'](href|src|action|formaction|xlink:href|background|data)\s*=\s*[""']?)\s*(javascript|vbscript|data\s*:\s*text/html)[^""'\s>]*", Options);

    public static string Sanitize(string html)
    {
        var text = Elements.Replace(html, string.Empty);
        text = LoneTags.Replace(text, string.Empty);
        text = EventAttributes.Replace(text, string.Empty);
        text = ScriptUrls.Replace(text, "about:blank");
        return text;
    }

    /// <summary>The Content-Security-Policy of /view/: no script at all, even if sanitising missed some.</summary>
    public const string ContentSecurityPolicy = "sandbox; default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'";
}
