using MailAdmin.Hosting.Http;
using Xunit;

namespace MailAdmin.Engine.Tests.Http;

public class HtmlSanitizerTests
{
    [Theory]
    [InlineData("<p>a</p><script>alert(1)</script><p>b</p>", "<p>a</p><p>b</p>")]
    [InlineData("<SCRIPT src=x></SCRIPT>ok", "ok")]
    [InlineData("<img src=x onerror=\"alert(1)\">", "<img src=x >")]
    [InlineData("<body onload='go()'>x</body>", "<body >x</body>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>", "<a href=\"about:blank\">x</a>")]
    [InlineData("<a href=' JavaScript:alert(1)'>x</a>", "<a href='about:blank'>x</a>")]
    [InlineData("<iframe src=x></iframe>y", "y")]
    [InlineData("<base href=http://evil/><p>z</p>", "<p>z</p>")]
    [InlineData("a<script>never closed", "a")]
    public void ScriptIsRemoved(string html, string expected)
    {
        Assert.Equal(expected, HtmlSanitizer.Sanitize(html));
    }

    [Fact]
    public void OrdinaryHtmlIsKept()
    {
        const string html = "<p style=\"color:red\">Hi <b>there</b> <a href=\"https://example.com/online\">link</a> <img src=\"cid:logo\"></p>";
        Assert.Equal(html, HtmlSanitizer.Sanitize(html));
    }
}
