using MailAdmin.Messages;
using Xunit;

namespace MailAdmin.Engine.Tests.Messages;

public class ReceivedTokenizerTests
{
    public static IEnumerable<object[]> Corpus() => new[]
    {
        ReceivedParserTests.Postfix, ReceivedParserTests.PostfixLocal, ReceivedParserTests.Exim,
        ReceivedParserTests.Sendmail, ReceivedParserTests.Exchange, ReceivedParserTests.OutlookFrontend,
        ReceivedParserTests.GmailMx, ReceivedParserTests.GmailInternal, ReceivedParserTests.QmailInvoked,
        ReceivedParserTests.QmailNetwork,
        "from a (unclosed (nested) by b; Mon, 5 Jan 2026 10:00:00 +0000",
        "from \"quoted \\\" host\" by b <x@y> ; date",
        "by b ) > stray",
    }.Select(s => new object[] { s });

    private static string Describe(ReceivedTokenizer t) =>
        string.Join("|", t.Tokens.Select(x => $"{x.Kind}:{x.Text}@{x.Start}-{x.End}")) + "#" + string.Join("|", t.Errors);

    [Fact]
    public void Splits_into_atoms_comments_quoted_strings_angle_addresses_and_semicolons()
    {
        var t = ReceivedTokenizer.Tokenize("from a.example (x (nested \\) y) z)\r\n\tby \"q \\\"s\" for <u@v>;date");
        Assert.Empty(t.Errors);
        Assert.Equal(new[]
        {
            (ReceivedTokenKind.Atom, "from"), (ReceivedTokenKind.Atom, "a.example"),
            (ReceivedTokenKind.Comment, "x (nested ) y) z"), (ReceivedTokenKind.Atom, "by"),
            (ReceivedTokenKind.QuotedString, "q \"s"), (ReceivedTokenKind.Atom, "for"),
            (ReceivedTokenKind.AngleAddress, "u@v"), (ReceivedTokenKind.Semicolon, ";"),
            (ReceivedTokenKind.Atom, "date"),
        }, t.Tokens.Select(x => (x.Kind, x.Text)).ToArray());
        Assert.Equal(0, t.Tokens[0].Start);
        Assert.Equal(4, t.Tokens[0].End);
        Assert.Equal("(x (nested \\) y) z)", "from a.example (x (nested \\) y) z)".Substring(t.Tokens[2].Start, t.Tokens[2].End - t.Tokens[2].Start));
    }

    [Fact]
    public void Reports_unclosed_and_stray_brackets()
    {
        Assert.Contains(ReceivedTokenizer.Tokenize("a (b (c)").Errors, e => e.Contains("not closed"));
        Assert.Contains(ReceivedTokenizer.Tokenize("a \"b").Errors, e => e.Contains("quoted string"));
        Assert.Contains(ReceivedTokenizer.Tokenize("a <b").Errors, e => e.Contains("angle address"));
        Assert.Contains(ReceivedTokenizer.Tokenize("a ) b").Errors, e => e.Contains("closes nothing"));
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Split_at_every_position_gives_the_same_tokens(string text)
    {
        var whole = Describe(ReceivedTokenizer.Tokenize(text));
        for (int i = 0; i <= text.Length; i++)
        {
            var t = new ReceivedTokenizer();
            t.Feed(text.Substring(0, i));
            t.Feed(text.Substring(i));
            t.Complete();
            Assert.Equal(whole, Describe(t));
        }
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Fed_one_character_or_random_chunks_at_a_time_gives_the_same_tokens(string text)
    {
        var whole = Describe(ReceivedTokenizer.Tokenize(text));
        var single = new ReceivedTokenizer();
        foreach (var c in text) single.Feed(c.ToString());
        single.Complete();
        Assert.Equal(whole, Describe(single));

        var random = new Random(text.Length);
        for (int round = 0; round < 20; round++)
        {
            var t = new ReceivedTokenizer();
            for (int i = 0; i < text.Length;)
            {
                int n = Math.Min(text.Length - i, random.Next(1, 8));
                t.Feed(text.Substring(i, n));
                i += n;
            }
            t.Complete();
            Assert.Equal(whole, Describe(t));
        }
    }

    [Fact]
    public void Parsing_chunk_fed_tokens_gives_the_same_stamp()
    {
        var text = ReceivedParserTests.Postfix;
        var t = new ReceivedTokenizer();
        for (int i = 0; i < text.Length; i += 3) t.Feed(text.Substring(i, Math.Min(3, text.Length - i)));
        t.Complete();
        var fed = ReceivedParser.Parse(text, t.Tokens, t.Errors);
        var whole = ReceivedParser.Parse(text);
        Assert.Equal(whole.FromHost, fed.FromHost);
        Assert.Equal(whole.Id, fed.Id);
        Assert.Equal(whole.Timestamp, fed.Timestamp);
        Assert.NotNull(fed.Timestamp);
    }
}
