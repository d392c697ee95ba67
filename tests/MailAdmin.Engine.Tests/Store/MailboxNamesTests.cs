using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

public sealed class MailboxNamesTests
{
    [Theory]
    [InlineData("alice@example.com", "alice@example.com")]
    [InlineData("Alice.Smith+tag@Example.COM", "alice.smith+tag@example.com")]
    [InlineData("../x@y", "%2E.%2Fx@y")]
    [InlineData(".@x", "%2E@x")]
    [InlineData("%2e@x", "%252e@x")]
    [InlineData("a/b\\c:d@x", "a%2Fb%5Cc%3Ad@x")]
    [InlineData("jörg@bücher.de", "j%C3%B6rg@b%C3%BCcher.de")]
    public void Account_directory_names_are_one_safe_segment(string address, string expected)
    {
        var dir = MailboxNames.AccountDirectoryName(MailboxNames.NormalizeAddress(address));
        Assert.Equal(expected, dir);
        Assert.NotEqual(".", dir);
        Assert.NotEqual("..", dir);
        Assert.False(Path.IsPathRooted(dir));
        Assert.Equal(dir, Path.GetFileName(dir));
    }

    [Theory]
    [InlineData("inbox", "INBOX")]
    [InlineData("InBoX", "INBOX")]
    [InlineData("Sent", "Sent")]
    [InlineData("Lists.dotnet", "Lists.dotnet")]
    [InlineData("INBOX.Sub", "INBOX.Sub")]
    [InlineData("Ümlaut & Co", "Ümlaut & Co")]
    public void Folder_names_normalise(string name, string expected)
    {
        Assert.Equal(expected, MailboxNames.NormalizeFolder(name));
    }
}
