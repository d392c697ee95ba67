using System.Net;
using System.Text.RegularExpressions;

namespace MailAdmin.Hosting.Http;

/// <summary>The visible text of an HTML body, roughly: for snippets and search when a message has no text part.</summary>
internal static class HtmlText
{
    private static readonly Regex Hidden = new Regex(@"<(script|style|head)\b.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.Compiled);
    private static readonly Regex Tag = new Regex(@"<[^>]*>", RegexOptions.Compiled);

    public static string ToPlainText(string html)
    {
        if (html.Length == 0) return html;
        var text = Hidden.Replace(html, " ");
        text = Tag.Replace(text, " ");
        return WebUtility.HtmlDecode(text);
    }
}
