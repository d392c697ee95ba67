using System.Text;
using MailAdmin.Hosting.Http;
using Xunit;

namespace MailAdmin.Engine.Tests.Http;

public class MailpitQueryTests
{
    private static MessageSummary Summary() =>
        MessageSummary.Parse(new MemoryStream(Encoding.ASCII.GetBytes(
            "From: Ann Smith <ann@example.com>\r\nTo: bob@example.com\r\nCc: carol@other.test\r\nSubject: Quarterly report\r\nMessage-ID: <abc@x>\r\n\r\nThe numbers are in.\r\n")), 100);

    [Theory]
    [InlineData("", true)]
    [InlineData("numbers", true)]
    [InlineData("NUMBERS quarterly", true)]
    [InlineData("numbers missing", false)]
    [InlineData("from:ann", true)]
    [InlineData("from:smith", true)]
    [InlineData("from:bob", false)]
    [InlineData("to:carol@other.test", true)]
    [InlineData("to:ann", false)]
    [InlineData("subject:report", true)]
    [InlineData("subject:\"quarterly report\"", true)]
    [InlineData("\"report quarterly\"", false)]
    [InlineData("-subject:report", false)]
    [InlineData("!from:bob", true)]
    [InlineData("message-id:abc@x", true)]
    [InlineData("is:unread", true)]
    [InlineData("is:read", false)]
    public void MatchesAsMailpitWould(string query, bool expected)
    {
        Assert.Equal(expected, MailpitQuery.Parse(query).Matches(Summary(), read: false));
    }

    [Fact]
    public void SummaryHasSnippetAndAddresses()
    {
        var summary = Summary();
        Assert.Equal("The numbers are in.", summary.Snippet);
        Assert.Equal("Ann Smith", summary.From!.Name);
        Assert.Equal("carol@other.test", Assert.Single(summary.Cc).Address);
        Assert.Equal("abc@x", summary.MessageId);
    }
}
