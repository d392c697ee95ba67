using MailAdmin.Protocols.Imap;
using Xunit;
using static MailAdmin.Engine.Tests.Imap.FetchTestSupport;

namespace MailAdmin.Engine.Tests.Imap;

public class FetchRequestParseTests
{
    [Theory]
    [InlineData("FLAGS", "(FLAGS)", false, false)]
    [InlineData("uid", "(UID)", false, false)]
    [InlineData("(INTERNALDATE RFC822.SIZE)", "(INTERNALDATE RFC822.SIZE)", false, false)]
    [InlineData("ENVELOPE", "(ENVELOPE)", false, true)]
    [InlineData("(BODYSTRUCTURE BODY)", "(BODYSTRUCTURE BODY)", false, true)]
    [InlineData("RFC822", "(RFC822)", true, true)]
    [InlineData("RFC822.HEADER", "(RFC822.HEADER)", false, true)]
    [InlineData("RFC822.TEXT", "(RFC822.TEXT)", true, true)]
    [InlineData("ALL", "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)", false, true)]
    [InlineData("fast", "(FLAGS INTERNALDATE RFC822.SIZE)", false, false)]
    [InlineData("FULL", "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)", false, true)]
    [InlineData("BODY[]", "(BODY[])", true, true)]
    [InlineData("BODY.PEEK[]", "(BODY.PEEK[])", false, true)]
    [InlineData("body.peek[header]", "(BODY.PEEK[HEADER])", false, true)]
    [InlineData("BODY[TEXT]<0.2048>", "(BODY[TEXT]<0.2048>)", true, true)]
    [InlineData("BODY[1.2.3]", "(BODY[1.2.3])", true, true)]
    [InlineData("BODY[1.2.MIME]", "(BODY[1.2.MIME])", true, true)]
    [InlineData("BODY[4.TEXT]", "(BODY[4.TEXT])", true, true)]
    [InlineData("BODY[4.HEADER]", "(BODY[4.HEADER])", true, true)]
    [InlineData("(BODY.PEEK[HEADER.FIELDS (From To)]<0.100> FLAGS)", "(BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100> FLAGS)", false, true)]
    [InlineData("BODY[3.HEADER.FIELDS.NOT (Received)]", "(BODY[3.HEADER.FIELDS.NOT (RECEIVED)])", true, true)]
    public void Parses(string input, string expected, bool setsSeen, bool needsBody)
    {
        var request = FetchRequest.Parse(Tokens(input), false);
        Assert.Equal(expected, request.ToString());
        Assert.Equal(setsSeen, request.SetsSeen);
        Assert.Equal(needsBody, request.NeedsBody);
    }

    [Fact]
    public void Section_details()
    {
        var request = FetchRequest.Parse(Tokens("BODY.PEEK[1.2.HEADER.FIELDS (SUBJECT \"X-Odd Name\")]<10.20>"), true);
        var section = Assert.Single(request.Items).Section!;
        Assert.True(section.Peek);
        Assert.Equal(new uint[] { 1, 2 }, section.Part);
        Assert.Equal(SectionText.HeaderFields, section.Text);
        Assert.Equal(new[] { "SUBJECT", "X-ODD NAME" }, section.Fields);
        Assert.Equal(10u, section.PartialOffset);
        Assert.Equal(20u, section.PartialLength);
        Assert.Equal("BODY[1.2.HEADER.FIELDS (SUBJECT X-ODD NAME)]<10>", section.ResponseName);
        Assert.True(request.IsUid);
    }

    [Theory]
    [InlineData("FOO")]
    [InlineData("(FLAGS FOO)")]
    [InlineData("()")]
    [InlineData("(ALL)")]
    [InlineData("(FLAGS ALL)")]
    [InlineData("BODY[")]
    [InlineData("BODY[HEADER")]
    [InlineData("BODY[MIME]")]
    [InlineData("BODY[0]")]
    [InlineData("BODY[1.]")]
    [InlineData("BODY[1..2]")]
    [InlineData("BODY[1HEADER]")]
    [InlineData("BODY[HEADERS]")]
    [InlineData("BODY[TEXT.MIME]")]
    [InlineData("BODY[HEADER.FIELDS]")]
    [InlineData("BODY[HEADER.FIELDS ()]")]
    [InlineData("BODY[HEADER.FIELDS (FROM]")]
    [InlineData("BODY[HEADER.FIELDS(FROM)]")]
    [InlineData("BODY[]<0>")]
    [InlineData("BODY[]<0.0>")]
    [InlineData("BODY[]<a.1>")]
    [InlineData("BODY[]<1.2>x")]
    [InlineData("BODY[]x")]
    [InlineData("BODY.PEAK[]")]
    [InlineData("RFC822.PEEK")]
    [InlineData("BODY[]<99999999999.1>")]
    [InlineData("\"FLAGS\"")]
    public void Rejects(string input)
    {
        Assert.Throws<ImapParseException>(() => FetchRequest.Parse(Tokens(input), false));
    }

    [Fact]
    public void Rejects_more_than_one_argument()
    {
        Assert.Throws<ImapParseException>(() => FetchRequest.Parse(Tokens("FLAGS UID"), false));
        Assert.Throws<ImapParseException>(() => FetchRequest.Parse(Array.Empty<ImapToken>(), false));
    }
}
