using MailAdmin.Protocols.Imap;
using MailAdmin.Store;
using Xunit;
using static MailAdmin.Engine.Tests.Imap.FetchTestSupport;

namespace MailAdmin.Engine.Tests.Imap;

public class SequenceSetTests
{
    [Theory]
    [InlineData("1", 10u, new uint[] { 1 })]
    [InlineData("1:3,7,9:*", 10u, new uint[] { 1, 2, 3, 7, 9, 10 })]
    [InlineData("5:2", 10u, new uint[] { 2, 3, 4, 5 })]
    [InlineData("*", 10u, new uint[] { 10 })]
    [InlineData("*:8", 10u, new uint[] { 8, 9, 10 })]
    [InlineData("3,1,2,3,2:3", 10u, new uint[] { 1, 2, 3 })]
    [InlineData("8:20", 10u, new uint[] { 8, 9, 10 })]
    [InlineData("1:*", 0u, new uint[0])]
    [InlineData("4294967295", 4u, new uint[0])]
    [InlineData("1:4294967295", 3u, new uint[] { 1, 2, 3 })]
    public void Expands(string text, uint max, uint[] expected)
    {
        Assert.Equal(expected, SequenceSet.Parse(text).Expand(max).ToArray());
    }

    [Fact]
    public void Contains_resolves_star_to_max()
    {
        var set = SequenceSet.Parse("2,5:*");
        Assert.True(set.Contains(2, 9));
        Assert.False(set.Contains(3, 9));
        Assert.True(set.Contains(9, 9));
        Assert.True(set.Contains(5, 9));
        Assert.False(set.Contains(10, 9));
    }

    [Fact]
    public void Uid_star_is_the_largest_uid_even_below_the_range()
    {
        // RFC 3501 §6.4.8: "UID range of 559:*" includes the largest UID even when it is below 559.
        var set = SequenceSet.Parse("559:*");
        Assert.Equal(new uint[] { 300 }, set.Expand(new uint[] { 100, 200, 300 }).ToArray());
        Assert.True(set.Contains(300, 300));
        Assert.False(set.Contains(200, 300));
    }

    [Fact]
    public void Expand_over_uids_picks_existing_ones()
    {
        var set = SequenceSet.Parse("1:150,250,400:*");
        Assert.Equal(new uint[] { 100, 250, 500 }, set.Expand(new uint[] { 100, 200, 250, 300, 500 }).ToArray());
        Assert.Empty(set.Expand(Array.Empty<uint>()));
    }

    [Fact]
    public void Round_trips_and_reports_star()
    {
        Assert.Equal("1:3,7,9:*", SequenceSet.Parse("1:3,7,9:*").ToString());
        Assert.True(SequenceSet.Parse("1:*").HasStar);
        Assert.False(SequenceSet.Parse("1:5").HasStar);
        Assert.True(SequenceSet.Parse("1:5").ExceedsMax(4));
        Assert.False(SequenceSet.Parse("1:*").ExceedsMax(4));
    }

    [Theory]
    [InlineData("2", 2, true)]
    [InlineData("1:*", 2, true)]
    [InlineData("*:1", 2, true)]
    [InlineData("*", 1, true)]
    [InlineData("3", 2, false)]
    [InlineData("1:3", 2, false)]
    [InlineData("3:*", 2, false)]
    [InlineData("1,5", 2, false)]
    [InlineData("*", 0, false)]
    [InlineData("1:*", 0, false)]
    public void Fits_message_count_refuses_numbers_above_exists(string text, uint exists, bool fits)
    {
        Assert.Equal(fits, SequenceSet.Parse(text).FitsMessageCount(exists));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1:0")]
    [InlineData("01")]
    [InlineData("1,")]
    [InlineData(",1")]
    [InlineData("1::2")]
    [InlineData("1:2:3")]
    [InlineData("a")]
    [InlineData("1 2")]
    [InlineData("-1")]
    [InlineData("$")]
    [InlineData("4294967296")]
    [InlineData("**")]
    public void Rejects(string text)
    {
        Assert.Throws<ImapParseException>(() => SequenceSet.Parse(text));
        Assert.False(SequenceSet.TryParse(text, out _));
    }

    [Fact]
    public void Flags_format_and_parse()
    {
        Assert.Equal("()", ImapFlags.Format(MessageFlags.None, false));
        Assert.Equal("(\\Recent)", ImapFlags.Format(MessageFlags.Passed, true));
        Assert.Equal("(\\Seen \\Answered \\Flagged \\Deleted \\Draft \\Recent)",
            ImapFlags.Format(MessageFlags.Seen | MessageFlags.Answered | MessageFlags.Flagged | MessageFlags.Deleted | MessageFlags.Draft, true));
        Assert.Equal(MessageFlags.Seen | MessageFlags.Deleted, ImapFlags.Parse(Tokens("(\\seen \\DELETED $Junk \\Recent custom)")));
        Assert.Equal(MessageFlags.Answered | MessageFlags.Draft, ImapFlags.Parse(Tokens("\\Answered \\Draft")));
        Assert.Equal(MessageFlags.Flagged, ImapFlags.Parse(Tokens("\\Flagged")));
        Assert.Throws<ImapParseException>(() => ImapFlags.Parse(Tokens("(\"\\Seen\")")));
        Assert.Throws<ImapParseException>(() => ImapFlags.Parse(Tokens("(\\)")));
        Assert.Throws<ImapParseException>(() => ImapFlags.Parse(Tokens("(fo%o)")));
    }
}
