using MailAdmin.Protocols.Imap;
using MailAdmin.Store;
using Xunit;
using static MailAdmin.Engine.Tests.Imap.FetchTestSupport;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>The pieces CONDSTORE, QRESYNC and keywords add: FETCH MODSEQ, SEARCH MODSEQ/KEYWORD, flag lists, VANISHED ranges.</summary>
public class ImapCondStoreParseTests
{
    private static ImapMessageContext Message(uint seq, uint uid, ulong modSeq, params string[] keywords)
        => new(seq, new StoredMessage(uid, "id" + uid, 10, DateTimeOffset.UnixEpoch, MessageFlags.Seen, false, MessageKeywords.Normalize(keywords), modSeq), () => Bytes("Subject: x\n\nbody\n"));

    [Fact]
    public void FetchModSeqNeedsNoBodyAndIsWrittenAsAList()
    {
        var request = FetchRequest.Parse(Tokens("(FLAGS MODSEQ)"), isUid: false);
        Assert.True(request.HasModSeq);
        Assert.False(request.NeedsBody);
        Assert.Equal("(FLAGS MODSEQ)", request.ToString());
        Assert.Equal("(FLAGS UID MODSEQ)", FetchRequest.Parse(Tokens("(FLAGS UID)"), false).WithModSeq().ToString());
        Assert.Equal("* 3 FETCH (FLAGS (\\Seen $Label1 Junk) MODSEQ (12345678901234))", Fetch(Message(3, 30, 12345678901234, "Junk", "$Label1"), "(FLAGS MODSEQ)").TrimEnd());
    }

    [Theory]
    [InlineData("MODSEQ 5", new uint[] { 2, 3 })]
    [InlineData("MODSEQ \"/flags/\\\\seen\" all 7", new uint[] { 3 })]
    [InlineData("KEYWORD junk", new uint[] { 1, 3 })]
    [InlineData("UNKEYWORD Junk", new uint[] { 2 })]
    [InlineData("KEYWORD \\Seen", new uint[] { 1, 2, 3 })]
    [InlineData("KEYWORD \\Recent", new uint[0])]
    [InlineData("NOT MODSEQ 5 KEYWORD $Label1", new uint[] { 1 })]
    public void SearchKeywordAndModSeq(string program, uint[] expected)
    {
        var mailbox = new[] { Message(1, 10, 2, "Junk", "$Label1"), Message(2, 20, 5), Message(3, 30, 9, "JUNK") };
        var query = SearchQuery.Parse(Tokens(program));
        var hits = mailbox.Where(m => query.Matches(m, new SearchContext(3, 30))).Select(m => m.SequenceNumber);
        Assert.Equal(expected, hits);
        Assert.Equal(program.Contains("MODSEQ"), query.UsesModSeq);
    }

    [Theory]
    [InlineData("MODSEQ")]
    [InlineData("MODSEQ x")]
    [InlineData("MODSEQ 99999999999999999999")]
    [InlineData("MODSEQ 9223372036854775808")]
    public void BadModSeqKeys(string program) => Assert.Throws<ImapParseException>(() => SearchQuery.Parse(Tokens(program)));

    [Fact]
    public void FlagListsSplitSystemFlagsAndKeywordsAndFormatBack()
    {
        var (flags, keywords) = ImapFlags.ParseWithKeywords(Tokens("(\\Seen $Forwarded \\Recent NonJunk $forwarded)"));
        Assert.Equal(MessageFlags.Seen, flags);
        Assert.Equal(new[] { "$Forwarded", "NonJunk" }, keywords);
        Assert.Equal("(\\Seen \\Recent $Forwarded NonJunk)", ImapFlags.Format(flags, keywords, recent: true));
        Assert.Equal("($Forwarded)", ImapFlags.Format(MessageFlags.None, new[] { "$Forwarded" }, recent: false));
    }

    [Theory]
    [InlineData(null, new uint[] { 2, 3, 7 }, 10u, "1,4:6,8:9")]
    [InlineData("1:*", new uint[0], 4u, "1:3")]
    [InlineData("2:3,6", new uint[] { 3 }, 10u, "2,6")]
    [InlineData("5:*", new uint[] { 1, 9 }, 10u, "5:8")]
    [InlineData("20:30", new uint[] { 1 }, 10u, "")]
    [InlineData(null, new uint[] { 1, 2 }, 3u, "")]
    [InlineData(null, new uint[0], 1u, "")]
    public void VanishedRanges(string? set, uint[] existing, uint uidNext, string expected)
    {
        var ranges = ImapVanished.Missing(set == null ? null : SequenceSet.Parse(set), existing, uidNext);
        Assert.Equal(expected, ImapVanished.Format(ranges));
    }
}
