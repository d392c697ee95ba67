using MailAdmin.Protocols.Imap;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>RFC 5256 §2.1 base subject extraction, case by case.</summary>
public class BaseSubjectTests
{
    [Theory]
    [InlineData("Hello", "Hello", false)]
    [InlineData("Re: Hello", "Hello", true)]
    [InlineData("RE:Hello", "Hello", true)]
    [InlineData("Fwd: Re: FW: hello", "hello", true)]
    [InlineData("re [2]: hello", "hello", true)]
    [InlineData("[list] Re: [other] fwd: hello", "hello", true)]
    [InlineData("hello (fwd)", "hello", true)]
    [InlineData("hello (FWD)  (fwd)  ", "hello", true)]
    [InlineData("[list] hello", "hello", false)]
    [InlineData("[only a blob]", "[only a blob]", false)]
    [InlineData("[fwd: hello]", "hello", true)]
    [InlineData("Re: [Fwd: [fwd: re: [fwd: deep]]]", "deep", true)]
    [InlineData("Ad: Re: x", "Ad: Re: x", false)]
    [InlineData("Reply to this", "Reply to this", false)]
    [InlineData("  tabs\tand   spaces  ", "tabs and spaces", false)]
    [InlineData("", "", false)]
    [InlineData("Re:", "", true)]
    public void Extracts(string subject, string expected, bool replyOrForward)
    {
        Assert.Equal(expected, BaseSubject.Extract(subject, out var isReply));
        Assert.Equal(replyOrForward, isReply);
    }

    [Fact]
    public void ComparesAsciiCaseInsensitivelyWithLettersAsUpperCase()
    {
        Assert.Equal(0, BaseSubject.CompareAsciiCaseInsensitive("abc", "ABC"));
        // i;ascii-casemap compares upper case: '_' (0x5F) sorts after 'Z', '[' (0x5B) too.
        Assert.True(BaseSubject.CompareAsciiCaseInsensitive("z", "_") < 0);
        Assert.True(BaseSubject.CompareAsciiCaseInsensitive("z", "[x]") < 0);
        Assert.True(BaseSubject.CompareAsciiCaseInsensitive("", "a") < 0);
    }

    [Theory]
    [InlineData("<a@x> <b@x>", "a@x|b@x")]
    [InlineData("<a@x>\t(comment <c@x>) < b @x >", "a@x|b@x")]
    [InlineData("garbage <> <d@x", "")]
    [InlineData("", "")]
    public void ReadsMessageIdsLeniently(string field, string expected) =>
        Assert.Equal(expected, string.Join("|", ThreadBuilder.MessageIds(field)));
}
