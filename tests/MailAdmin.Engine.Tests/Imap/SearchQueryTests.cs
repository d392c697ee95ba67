using MailAdmin.Protocols.Imap;
using MailAdmin.Store;
using Xunit;
using static MailAdmin.Engine.Tests.Imap.FetchTestSupport;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>SEARCH over a small mailbox made of the corpus: every RFC 3501 key.</summary>
public class SearchQueryTests
{
    private static readonly TimeSpan Cet = TimeSpan.FromHours(1);

    // seq: message, uid, flags, recent, internal date
    private static readonly ImapMessageContext[] Mailbox =
    {
        Context(FetchCorpus.Plain, 1, 10, MessageFlags.Seen | MessageFlags.Answered, false, new DateTimeOffset(2024, 1, 1, 23, 30, 0, Cet)),
        Context(FetchCorpus.Alternative, 2, 20, MessageFlags.Flagged, true, new DateTimeOffset(2024, 1, 2, 10, 0, 0, Cet)),
        Context(FetchCorpus.Mixed, 3, 30, MessageFlags.Deleted | MessageFlags.Seen, false, new DateTimeOffset(2024, 1, 3, 0, 0, 0, Cet)),
        Context(FetchCorpus.Forwarded, 4, 40, MessageFlags.Draft, false, new DateTimeOffset(2024, 1, 4, 12, 0, 0, Cet)),
        Context(FetchCorpus.EightBit, 5, 50, MessageFlags.None, true, new DateTimeOffset(2024, 1, 5, 9, 0, 0, Cet)),
        Context(FetchCorpus.Groups, 6, 60, MessageFlags.Seen, false, new DateTimeOffset(2024, 1, 6, 9, 0, 0, Cet)),
        Context(FetchCorpus.QuotedPrintableLatin1, 7, 70, MessageFlags.Seen, false, new DateTimeOffset(2024, 1, 7, 9, 0, 0, Cet)),
        Context(FetchCorpus.BrokenNoBoundary, 8, 80, MessageFlags.Seen, false, new DateTimeOffset(2024, 1, 8, 9, 0, 0, Cet)),
    };

    private static readonly SearchContext Ctx = new SearchContext(8, 80);

    private static uint[] Search(string program)
    {
        var query = SearchQuery.Parse(Tokens(program));
        return Mailbox.Where(m => query.Matches(m, Ctx)).Select(m => m.SequenceNumber).ToArray();
    }

    [Theory]
    [InlineData("ALL", new uint[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    [InlineData("ANSWERED", new uint[] { 1 })]
    [InlineData("UNANSWERED", new uint[] { 2, 3, 4, 5, 6, 7, 8 })]
    [InlineData("DELETED", new uint[] { 3 })]
    [InlineData("UNDELETED", new uint[] { 1, 2, 4, 5, 6, 7, 8 })]
    [InlineData("DRAFT", new uint[] { 4 })]
    [InlineData("UNDRAFT", new uint[] { 1, 2, 3, 5, 6, 7, 8 })]
    [InlineData("FLAGGED", new uint[] { 2 })]
    [InlineData("UNFLAGGED", new uint[] { 1, 3, 4, 5, 6, 7, 8 })]
    [InlineData("SEEN", new uint[] { 1, 3, 6, 7, 8 })]
    [InlineData("UNSEEN", new uint[] { 2, 4, 5 })]
    [InlineData("RECENT", new uint[] { 2, 5 })]
    [InlineData("OLD", new uint[] { 1, 3, 4, 6, 7, 8 })]
    [InlineData("NEW", new uint[] { 2, 5 })]
    [InlineData("KEYWORD $Important", new uint[0])]
    [InlineData("UNKEYWORD $Important", new uint[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    public void Flag_keys(string program, uint[] expected) => Assert.Equal(expected, Search(program));

    [Theory]
    [InlineData("FROM alice", new uint[] { 1 })]
    [InlineData("FROM \"JÖRG\"", new uint[] { 2 })]
    [InlineData("FROM müller", new uint[] { 2 })]
    [InlineData("FROM André", new uint[] { 7 })]
    [InlineData("FROM ümit", new uint[] { 5 })]
    [InlineData("TO bob", new uint[] { 1 })]
    [InlineData("TO team@example.com", new uint[] { 2, 5 })]
    [InlineData("TO undisclosed", new uint[] { 6 })]
    [InlineData("CC \"doe, john\"", new uint[] { 1 })]
    [InlineData("CC ben", new uint[] { 6 })]
    [InlineData("BCC audit", new uint[] { 3 })]
    [InlineData("SUBJECT grüße", new uint[] { 2, 5 })]
    [InlineData("SUBJECT CAFÉ", new uint[] { 7 })]
    [InlineData("SUBJECT hello", new uint[] { 1, 4 })]
    [InlineData("HEADER Message-ID <1234@example.com>", new uint[] { 1 })]
    [InlineData("HEADER In-Reply-To \"\"", new uint[] { 4 })]
    [InlineData("HEADER x-missing \"\"", new uint[0])]
    [InlineData("HEADER MIME-Version 1.0", new uint[] { 2, 3, 4 })]
    public void Header_keys_match_decoded_text(string program, uint[] expected) => Assert.Equal(expected, Search(program));

    [Theory]
    [InlineData("BODY \"this is a TEST\"", new uint[] { 1 })]
    [InlineData("BODY \"grüße aus berlin\"", new uint[] { 2 })]
    [InlineData("BODY köln", new uint[] { 5 })]
    [InlineData("BODY \"café crème\"", new uint[] { 7 })]
    [InlineData("BODY swordfish", new uint[] { 4 })]
    [InlineData("BODY lost", new uint[] { 8 })]
    [InlineData("BODY Hello", new uint[] { 4 })] // the forwarded message's header is body text of message 4
    [InlineData("BODY \"Report attached\"", new uint[0])]
    [InlineData("TEXT hello", new uint[] { 1, 4 })]
    [InlineData("TEXT \"report.\"", new uint[] { 3 })]
    [InlineData("TEXT newsletter", new uint[] { 6 })]
    [InlineData("BODY \"\"", new uint[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    public void Text_keys_search_decoded_bodies(string program, uint[] expected) => Assert.Equal(expected, Search(program));

    [Fact]
    public void Body_search_sees_decoded_base64_not_raw()
    {
        var message = "Subject: b64\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nU2Now7ZuZXMgV2V0dGVy\r\n"; // "Schönes Wetter"
        var ctx = Context(System.Text.Encoding.ASCII.GetBytes(message));
        var context = new SearchContext(1, 101);
        Assert.True(SearchQuery.Parse(Tokens("BODY \"SCHÖNES wetter\"")).Matches(ctx, context));
        Assert.False(SearchQuery.Parse(Tokens("BODY U2Now7Zu")).Matches(ctx, context));
    }

    [Theory]
    [InlineData("BEFORE 3-Jan-2024", new uint[] { 1, 2 })]
    [InlineData("ON 03-Jan-2024", new uint[] { 3 })]
    [InlineData("ON \"1-Jan-2024\"", new uint[] { 1 })]
    [InlineData("SINCE 7-jan-2024", new uint[] { 7, 8 })]
    [InlineData("SENTBEFORE 1-Jan-2000", new uint[] { 1 })]
    [InlineData("SENTON 4-Jan-2024", new uint[] { 4 })]
    [InlineData("SENTON 7-Feb-1994", new uint[] { 1 })]
    [InlineData("SENTSINCE 5-Jan-2024", new uint[] { 5, 7 })]
    [InlineData("NOT SENTSINCE 1-Jan-1990", new uint[] { 6, 8 })]
    public void Date_keys_compare_dates_only(string program, uint[] expected) => Assert.Equal(expected, Search(program));

    [Fact]
    public void Size_keys()
    {
        var sizes = Mailbox.Select(m => m.Stored.Size).ToArray();
        long pivot = sizes[0];
        Assert.Equal(Mailbox.Where(m => m.Stored.Size > pivot).Select(m => m.SequenceNumber), Search("LARGER " + pivot));
        Assert.Equal(Mailbox.Where(m => m.Stored.Size < pivot).Select(m => m.SequenceNumber), Search("SMALLER " + pivot));
        Assert.Empty(Search("LARGER 100000000"));
    }

    [Theory]
    [InlineData("2,4:5", new uint[] { 2, 4, 5 })]
    [InlineData("7:*", new uint[] { 7, 8 })]
    [InlineData("*", new uint[] { 8 })]
    [InlineData("UID 30:50", new uint[] { 3, 4, 5 })]
    [InlineData("UID 75:*", new uint[] { 8 })]
    [InlineData("UID 1000:*", new uint[] { 8 })]
    [InlineData("UID 15", new uint[0])]
    public void Sequence_and_uid_sets(string program, uint[] expected) => Assert.Equal(expected, Search(program));

    [Theory]
    [InlineData("SEEN FROM alice", new uint[] { 1 })]
    [InlineData("OR FLAGGED DRAFT", new uint[] { 2, 4 })]
    [InlineData("OR OR FLAGGED DRAFT DELETED", new uint[] { 2, 3, 4 })]
    [InlineData("NOT SEEN", new uint[] { 2, 4, 5 })]
    [InlineData("NOT NOT SEEN", new uint[] { 1, 3, 6, 7, 8 })]
    [InlineData("(SEEN UNDELETED) 1:6", new uint[] { 1, 6 })]
    [InlineData("OR (FROM bob TO alice) (SUBJECT café)", new uint[] { 4, 7 })]
    [InlineData("NOT (OR SEEN RECENT)", new uint[] { 4 })]
    [InlineData("CHARSET UTF-8 SUBJECT grüße", new uint[] { 2, 5 })]
    [InlineData("charset us-ascii SEEN", new uint[] { 1, 3, 6, 7, 8 })]
    [InlineData("((((ALL))))", new uint[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    public void Combinations(string program, uint[] expected) => Assert.Equal(expected, Search(program));

    [Fact]
    public void Literal_strings_are_accepted()
    {
        var tokens = new List<ImapToken> { ImapToken.Atom("CHARSET"), ImapToken.Atom("UTF-8"), ImapToken.Atom("SUBJECT"), ImapToken.Literal(System.Text.Encoding.UTF8.GetBytes("GRÜSSE")) };
        var query = SearchQuery.Parse(tokens);
        Assert.Equal("UTF-8", query.Charset);
        Assert.DoesNotContain(Mailbox, m => query.Matches(m, Ctx));
        var q2 = SearchQuery.Parse(new List<ImapToken> { ImapToken.Atom("BODY"), ImapToken.Literal(System.Text.Encoding.UTF8.GetBytes("Köln")) });
        Assert.Equal(new uint[] { 5 }, Mailbox.Where(m => q2.Matches(m, Ctx)).Select(m => m.SequenceNumber));
    }

    [Fact]
    public void Unknown_charset_gives_badcharset()
    {
        var e = Assert.Throws<ImapParseException>(() => SearchQuery.Parse(Tokens("CHARSET ISO-8859-1 SUBJECT x")));
        Assert.Equal("BADCHARSET (UTF-8 US-ASCII)", e.ResponseCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("CHARSET")]
    [InlineData("CHARSET UTF-8")]
    [InlineData("FOO")]
    [InlineData("FROM")]
    [InlineData("HEADER Subject")]
    [InlineData("BEFORE")]
    [InlineData("BEFORE 2024-01-01")]
    [InlineData("ON 32-Jan-2024")]
    [InlineData("ON 1-Foo-2024")]
    [InlineData("SINCE 1-Jan-24")]
    [InlineData("LARGER abc")]
    [InlineData("SMALLER")]
    [InlineData("UID")]
    [InlineData("UID abc")]
    [InlineData("NOT")]
    [InlineData("OR SEEN")]
    [InlineData("()")]
    [InlineData("0:3")]
    [InlineData("KEYWORD")]
    [InlineData("FROM (a b)")]
    [InlineData("\"SEEN\"")]
    public void Rejects(string program)
    {
        var e = Assert.Throws<ImapParseException>(() => SearchQuery.Parse(Tokens(program)));
        Assert.Null(e.ResponseCode);
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        var program = string.Concat(Enumerable.Repeat("NOT ", 500)) + "SEEN";
        Assert.Throws<ImapParseException>(() => SearchQuery.Parse(Tokens(program)));
    }

    [Theory]
    [InlineData("SEEN UID 1:* 1:5 LARGER 10 SINCE 1-Jan-2024 NOT DELETED OR NEW OLD", false)]
    [InlineData("SEEN SUBJECT x", true)]
    [InlineData("OR SEEN BODY x", true)]
    [InlineData("NOT TEXT x", true)]
    [InlineData("SENTON 1-Jan-2024", true)]
    [InlineData("(SEEN (HEADER X-A b))", true)]
    public void Needs_body(string program, bool needsBody) => Assert.Equal(needsBody, SearchQuery.Parse(Tokens(program)).NeedsBody);

    [Fact]
    public void Flag_searches_never_load_the_bytes()
    {
        var stored = new StoredMessage(5, "x", 10, DateTimeOffset.UnixEpoch, MessageFlags.Seen, false);
        var ctx = new ImapMessageContext(2, stored, () => throw new InvalidOperationException("loaded"));
        Assert.True(SearchQuery.Parse(Tokens("SEEN UID 5 SMALLER 11 BEFORE 2-Jan-1970 2")).Matches(ctx, new SearchContext(2, 5)));
        Assert.False(ctx.IsLoaded);
    }

    [Fact]
    public void Cheap_keys_run_first_so_bodies_are_not_loaded_needlessly()
    {
        var stored = new StoredMessage(5, "x", 10, DateTimeOffset.UnixEpoch, MessageFlags.None, false);
        var ctx = new ImapMessageContext(2, stored, () => throw new InvalidOperationException("loaded"));
        Assert.False(SearchQuery.Parse(Tokens("BODY x SEEN")).Matches(ctx, new SearchContext(2, 5)));
        Assert.False(ctx.IsLoaded);
    }
}
