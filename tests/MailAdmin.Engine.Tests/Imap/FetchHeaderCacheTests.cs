using System.Text;
using MailAdmin.Protocols.Imap;
using Xunit;
using static MailAdmin.Engine.Tests.Imap.FetchTestSupport;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// The header-cache path (ImapHeaderCache + FetchRequest.NeedsHeaderOnly) must answer exactly
/// as the full-message path does, for every attribute it is used for.
/// </summary>
public class FetchHeaderCacheTests
{
    public static IEnumerable<object[]> Corpus() => new[]
    {
        FetchCorpus.Plain, FetchCorpus.Alternative, FetchCorpus.Mixed, FetchCorpus.Forwarded, FetchCorpus.EightBit,
        FetchCorpus.Groups, FetchCorpus.BrokenNoBoundary, FetchCorpus.BrokenBadType, FetchCorpus.Odd, FetchCorpus.QuotedPrintableLatin1,
    }.Select(m => new object[] { m });

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Header_only_answers_equal_full_answers(string message)
    {
        var full = Bytes(message);
        var header = ImapHeaderCache.ReadHeader(new MemoryStream(full));
        Assert.True(header.Length <= full.Length);
        foreach (var attributes in new[]
        {
            "(UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE)", "(BODY.PEEK[HEADER])", "(RFC822.HEADER)",
            "(BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID Content-Type)])", "(BODY.PEEK[HEADER.FIELDS.NOT (Received)])",
        })
        {
            Assert.True(FetchRequest.Parse(Tokens(attributes), false).NeedsHeaderOnly, attributes);
            // Same stored size for both: RFC822.SIZE comes from the store, not the bytes.
            var expected = Fetch(Context(full, size: full.Length), attributes);
            var actual = Fetch(Context(header, size: full.Length), attributes);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData("(BODY.PEEK[])")]
    [InlineData("(BODYSTRUCTURE)")]
    [InlineData("(BODY.PEEK[1.HEADER])")]
    [InlineData("(BODY.PEEK[HEADER]<0.10>)")]
    [InlineData("(RFC822.TEXT)")]
    [InlineData("FULL")]
    public void Anything_beyond_the_top_header_needs_the_whole_message(string attributes)
    {
        Assert.False(FetchRequest.Parse(Tokens(attributes), false).NeedsHeaderOnly);
    }

    [Theory]
    [InlineData("Subject: a\r\n\r\nbody\r\n", "Subject: a\r\n\r\n")]
    [InlineData("Subject: a\n\nbody\n", "Subject: a\n\n")]
    [InlineData("Subject: only headers\r\n", "Subject: only headers\r\n")]
    [InlineData("\r\nno headers at all\r\n", "\r\n")]
    [InlineData("\nno headers at all\n", "\n")]
    public void The_header_block_ends_at_the_first_empty_line(string message, string header)
    {
        Assert.Equal(header, Encoding.ASCII.GetString(ImapHeaderCache.ReadHeader(new MemoryStream(Encoding.ASCII.GetBytes(message)))));
    }

    [Fact]
    public void A_header_block_split_across_reads_is_found()
    {
        var text = "Subject: " + new string('x', 4093) + "\r\n\r\nbody";
        // A stream that returns one byte at a time forces every boundary case.
        var header = ImapHeaderCache.ReadHeader(new OneByteStream(Encoding.ASCII.GetBytes(text)));
        Assert.Equal(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4, header.Length);
    }

    private sealed class OneByteStream : MemoryStream
    {
        public OneByteStream(byte[] data) : base(data) { }
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(1, count));
    }
}

public class SearchHeaderOnlyTests
{
    [Theory]
    [InlineData("SUBJECT hello", true)]
    [InlineData("FROM ann HEADER X-Test 1", true)]
    [InlineData("SENTSINCE 1-Jan-2024", true)]
    [InlineData("OR SUBJECT a NOT FROM b", true)]
    [InlineData("SUBJECT a BODY b", false)]
    [InlineData("NOT TEXT a", false)]
    [InlineData("SEEN LARGER 10", false)]
    public void Header_keys_need_only_the_header_block(string query, bool headerOnly)
    {
        Assert.Equal(headerOnly, SearchQuery.Parse(Tokens(query)).NeedsHeaderOnly);
    }

    [Theory]
    [MemberData(nameof(FetchHeaderCacheTests.Corpus), MemberType = typeof(FetchHeaderCacheTests))]
    public void Header_searches_answer_the_same_from_the_header_block(string message)
    {
        var full = Bytes(message);
        var header = ImapHeaderCache.ReadHeader(new MemoryStream(full));
        var context = new SearchContext(1, 101);
        foreach (var query in new[] { "SUBJECT e", "FROM example", "TO a", "HEADER Content-Type multipart", "SENTBEFORE 1-Jan-2030", "OR CC x NOT BCC y" })
        {
            var parsed = SearchQuery.Parse(Tokens(query));
            Assert.Equal(parsed.Matches(Context(full), context), parsed.Matches(Context(header, size: full.Length), context));
        }
    }
}
