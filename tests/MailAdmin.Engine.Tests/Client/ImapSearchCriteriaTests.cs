using MailAdmin.Client;
using MailKit.Search;
using Xunit;

namespace MailAdmin.Engine.Tests.Client;

public class ImapSearchCriteriaTests
{
    [Fact]
    public void No_criteria_search_everything()
    {
        var criteria = new ImapSearchCriteria();
        Assert.Same(SearchQuery.All, criteria.ToSearchQuery());
        Assert.Equal("ALL", criteria.ToImapText());
    }

    [Fact]
    public void Each_parameter_becomes_its_imap_key_in_text()
    {
        var criteria = new ImapSearchCriteria
        {
            From = "ann",
            To = "bob",
            Subject = "say \"hi\"",
            Body = "a\\b",
            Since = new DateTime(2024, 3, 5, 13, 0, 0),
            Before = new DateTime(2024, 12, 31),
            Unread = true,
            Flagged = true,
            Larger = 100,
            Smaller = 2000,
            Uid = new uint[] { 7, 1, 2, 3, 9, 8 },
            Query = " OR FROM x SUBJECT y ",
        };
        Assert.Equal("FROM \"ann\" TO \"bob\" SUBJECT \"say \\\"hi\\\"\" BODY \"a\\\\b\" SINCE 5-Mar-2024 BEFORE 31-Dec-2024 " +
                     "UNSEEN FLAGGED LARGER 100 SMALLER 2000 UID 1:3,7:9 (OR FROM x SUBJECT y)", criteria.ToImapText());
    }

    [Fact]
    public void A_raw_query_alone_is_sent_unchanged()
    {
        var criteria = new ImapSearchCriteria { Query = "OR FROM ann SUBJECT report" };
        Assert.True(criteria.IsRaw);
        Assert.Equal("OR FROM ann SUBJECT report", criteria.ToImapText());
    }

    [Fact]
    public void Non_ascii_text_cannot_join_a_raw_query()
    {
        var criteria = new ImapSearchCriteria { Subject = "Grüße", Query = "SEEN" };
        Assert.Throws<ArgumentException>(() => criteria.ToImapText());
    }

    [Fact]
    public void Structured_criteria_become_a_conjunction_of_mailkit_terms()
    {
        var criteria = new ImapSearchCriteria { From = "ann", Unread = true, Since = new DateTime(2024, 1, 2, 15, 0, 0), Larger = 10 };
        var query = criteria.ToSearchQuery();
        var terms = new System.Collections.Generic.List<SearchQuery>();
        void Flatten(SearchQuery q)
        {
            if (q is BinarySearchQuery b && b.Term == SearchTerm.And) { Flatten(b.Left); Flatten(b.Right); }
            else terms.Add(q);
        }
        Flatten(query);
        Assert.Equal(4, terms.Count);
        var from = Assert.IsType<TextSearchQuery>(terms[0]);
        Assert.Equal(SearchTerm.FromContains, from.Term);
        Assert.Equal("ann", from.Text);
        var since = Assert.IsType<DateSearchQuery>(terms[1]);
        Assert.Equal(SearchTerm.DeliveredAfter, since.Term);
        Assert.Equal(new DateTime(2024, 1, 2), since.Date);
        Assert.Equal(SearchTerm.NotSeen, terms[2].Term);
        var larger = Assert.IsType<NumericSearchQuery>(terms[3]);
        Assert.Equal(SearchTerm.LargerThan, larger.Term);
        Assert.Equal(10UL, larger.Value);
    }

    [Theory]
    [InlineData(new uint[] { 5 }, "5")]
    [InlineData(new uint[] { 1, 2, 3 }, "1:3")]
    [InlineData(new uint[] { 4, 1, 4, 2 }, "1:2,4")]
    public void Uid_sets_collapse_runs(uint[] uids, string expected)
    {
        Assert.Equal(expected, ImapSearchCriteria.UidSet(uids));
    }
}
