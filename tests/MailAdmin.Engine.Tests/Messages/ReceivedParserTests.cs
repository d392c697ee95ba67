using MailAdmin.Messages;
using Xunit;

namespace MailAdmin.Engine.Tests.Messages;

public class ReceivedParserTests
{
    private static DateTimeOffset At(int y, int mo, int d, int h, int mi, int s, int offsetHours, int offsetMinutes = 0) =>
        new(y, mo, d, h, mi, s, new TimeSpan(offsetHours, offsetMinutes, 0));

    // Shapes of the stamps real MTAs write; the hosts, ids and addresses are made up.
    public const string Postfix =
        "from mail.example.org (mail.example.org [192.0.2.10])\r\n\tby mx1.example.net (Postfix) with ESMTPS id 4Tq9ZK3nFbz1xyz\r\n\tfor <alice@example.net>; Mon,  5 Jan 2026 10:15:30 +0100 (CET)";
    public const string PostfixLocal =
        "by mx1.example.net (Postfix, from userid 1000)\r\n\tid 4Tq9ZK0aBcz9abc; Mon,  5 Jan 2026 10:15:01 +0100 (CET)";
    public const string Exim =
        "from [198.51.100.7] (helo=client.example.org)\r\n\tby smtp.example.com with esmtpsa  (TLS1.3) tls TLS_AES_256_GCM_SHA384\r\n\t(Exim 4.96)\r\n\t(envelope-from <bounce@example.org>)\r\n\tid 1vAbCd-00012x-3Q\r\n\tfor bob@example.com; Tue, 06 Jan 2026 08:00:00 +0000";
    public const string Sendmail =
        "from client.example.org (client.example.org [192.0.2.3] (may be forged))\r\n\tby relay.example.net (8.15.2/8.15.2) with ESMTP id 605AaBcD012345\r\n\tfor <carol@example.net>; Wed, 7 Jan 2026 09:08:07 -0500";
    public const string Exchange =
        "from DB9PR01MB1234.eurprd01.prod.exchangelabs.com (2603:10a6:10:1b4::12) by\r\n AM0PR01MB5678.eurprd01.prod.exchangelabs.com (2603:10a6:208:ac::9) with\r\n Microsoft SMTP Server (version=TLS1_2,\r\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8335.10; Thu, 8 Jan\r\n 2026 14:22:11 +0000";
    public const string OutlookFrontend =
        "from AM4PEPF00025F9B.EURPRD83.prod.outlook.com\r\n (2603:10a6:20b:4aa:cafe::1) by DB9PR01CA0012.outlook.office365.com\r\n (2603:10a6:10:1b4::17) with Microsoft SMTP Server (version=TLS1_3,\r\n cipher=TLS_AES_256_GCM_SHA384) id 15.20.8335.11 via Frontend Transport; Thu,\r\n 8 Jan 2026 14:22:10 +0000";
    public const string GmailMx =
        "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])\r\n        by mx.google.com with SMTPS id a1sor4567890pla.12.2026.01.09.02.03.04\r\n        for <dave@gmail.com>\r\n        (Google Transport Security);\r\n        Fri, 09 Jan 2026 02:03:04 -0800 (PST)";
    public const string GmailInternal =
        "by 2002:a05:6a10:8d12:b0:5f1:2c3d:4e5f with SMTP id q18csp123456pxb;\r\n        Fri, 9 Jan 2026 02:03:05 -0800 (PST)";
    public const string QmailInvoked = "(qmail 12345 invoked by uid 1000); 10 Jan 2026 11:12:13 -0000";
    public const string QmailNetwork = "from unknown (HELO mail.example.org) (192.0.2.44)\r\n  by mx.example.com with SMTP; 10 Jan 2026 11:12:12 -0000";

    [Fact]
    public void Postfix_stamp()
    {
        var s = ReceivedParser.Parse(Postfix);
        Assert.Null(s.ParseError);
        Assert.Equal("mail.example.org", s.FromHost);
        Assert.Equal("mail.example.org [192.0.2.10]", s.FromComment);
        Assert.Equal("192.0.2.10", s.FromAddress);
        Assert.Equal("mx1.example.net", s.ByHost);
        Assert.Equal("Postfix", s.ByComment);
        Assert.Equal("ESMTPS", s.With);
        Assert.Equal("4Tq9ZK3nFbz1xyz", s.Id);
        Assert.Equal("alice@example.net", s.For);
        Assert.Equal(At(2026, 1, 5, 10, 15, 30, 1), s.Timestamp);
        Assert.Equal(TimeSpan.FromHours(1), s.Timestamp!.Value.Offset);
    }

    [Fact]
    public void Postfix_local_pickup_with_from_in_a_comment_has_no_from_clause()
    {
        var s = ReceivedParser.Parse(PostfixLocal);
        Assert.Null(s.ParseError);
        Assert.Null(s.FromHost);
        Assert.Equal("mx1.example.net", s.ByHost);
        Assert.Equal("Postfix, from userid 1000", s.ByComment);
        Assert.Equal("4Tq9ZK0aBcz9abc", s.Id);
        Assert.Equal(At(2026, 1, 5, 10, 15, 1, 1), s.Timestamp);
    }

    [Fact]
    public void Exim_stamp_with_address_literal_helo_comment_and_multi_word_with()
    {
        var s = ReceivedParser.Parse(Exim);
        Assert.Null(s.ParseError);
        Assert.Equal("[198.51.100.7]", s.FromHost);
        Assert.Equal("198.51.100.7", s.FromAddress);
        Assert.Equal("helo=client.example.org", s.FromComment);
        Assert.Equal("smtp.example.com", s.ByHost);
        Assert.Equal("esmtpsa tls TLS_AES_256_GCM_SHA384", s.With);
        Assert.Equal("1vAbCd-00012x-3Q", s.Id);
        Assert.Equal("bob@example.com", s.For);
        Assert.Equal(At(2026, 1, 6, 8, 0, 0, 0), s.Timestamp);
    }

    [Fact]
    public void Sendmail_stamp_with_nested_comment()
    {
        var s = ReceivedParser.Parse(Sendmail);
        Assert.Null(s.ParseError);
        Assert.Equal("client.example.org", s.FromHost);
        Assert.Equal("client.example.org [192.0.2.3] (may be forged)", s.FromComment);
        Assert.Equal("192.0.2.3", s.FromAddress);
        Assert.Equal("relay.example.net", s.ByHost);
        Assert.Equal("8.15.2/8.15.2", s.ByComment);
        Assert.Equal("ESMTP", s.With);
        Assert.Equal("605AaBcD012345", s.Id);
        Assert.Equal("carol@example.net", s.For);
        Assert.Equal(At(2026, 1, 7, 9, 8, 7, -5), s.Timestamp);
    }

    [Fact]
    public void Exchange_stamp_with_folded_date_and_ipv6_comment()
    {
        var s = ReceivedParser.Parse(Exchange);
        Assert.Null(s.ParseError);
        Assert.Equal("DB9PR01MB1234.eurprd01.prod.exchangelabs.com", s.FromHost);
        Assert.Equal("2603:10a6:10:1b4::12", s.FromAddress);
        Assert.Equal("AM0PR01MB5678.eurprd01.prod.exchangelabs.com", s.ByHost);
        Assert.Equal("Microsoft SMTP Server", s.With);
        Assert.Equal("15.20.8335.10", s.Id);
        Assert.Equal(At(2026, 1, 8, 14, 22, 11, 0), s.Timestamp);
    }

    [Fact]
    public void Outlook_frontend_stamp_with_via()
    {
        var s = ReceivedParser.Parse(OutlookFrontend);
        Assert.Null(s.ParseError);
        Assert.Equal("AM4PEPF00025F9B.EURPRD83.prod.outlook.com", s.FromHost);
        Assert.Equal("2603:10a6:20b:4aa:cafe::1", s.FromAddress);
        Assert.Equal("DB9PR01CA0012.outlook.office365.com", s.ByHost);
        Assert.Equal("Frontend Transport", s.Via);
        Assert.Equal("15.20.8335.11", s.Id);
        Assert.Equal(At(2026, 1, 8, 14, 22, 10, 0), s.Timestamp);
    }

    [Fact]
    public void Gmail_stamps()
    {
        var mx = ReceivedParser.Parse(GmailMx);
        Assert.Null(mx.ParseError);
        Assert.Equal("mail-sor-f41.google.com", mx.FromHost);
        Assert.Equal("209.85.220.41", mx.FromAddress);
        Assert.Equal("mx.google.com", mx.ByHost);
        Assert.Equal("SMTPS", mx.With);
        Assert.Equal("dave@gmail.com", mx.For);
        Assert.Equal(At(2026, 1, 9, 2, 3, 4, -8), mx.Timestamp);

        var inner = ReceivedParser.Parse(GmailInternal);
        Assert.Null(inner.ParseError);
        Assert.Null(inner.FromHost);
        Assert.Equal("2002:a05:6a10:8d12:b0:5f1:2c3d:4e5f", inner.ByHost);
        Assert.Equal("SMTP", inner.With);
        Assert.Equal("q18csp123456pxb", inner.Id);
        Assert.Equal(At(2026, 1, 9, 2, 3, 5, -8), inner.Timestamp);
    }

    [Fact]
    public void Qmail_stamps()
    {
        var invoked = ReceivedParser.Parse(QmailInvoked);
        Assert.Null(invoked.ParseError);
        Assert.Null(invoked.FromHost);
        Assert.Null(invoked.ByHost); // "by uid" sits inside the comment
        Assert.Equal(At(2026, 1, 10, 11, 12, 13, 0), invoked.Timestamp);

        var network = ReceivedParser.Parse(QmailNetwork);
        Assert.Null(network.ParseError);
        Assert.Equal("unknown", network.FromHost);
        Assert.Equal("HELO mail.example.org; 192.0.2.44", network.FromComment);
        Assert.Equal("192.0.2.44", network.FromAddress);
        Assert.Equal("mx.example.com", network.ByHost);
        Assert.Equal("SMTP", network.With);
        Assert.Equal(At(2026, 1, 10, 11, 12, 12, 0), network.Timestamp);
    }

    [Fact]
    public void Clauses_in_any_order_and_comments_full_of_keywords()
    {
        var s = ReceivedParser.Parse("with LMTP by store.example.net (from the cluster, by policy) id 77 from relay.example.net ([IPv6:2001:db8::25]); Sat, 10 Jan 2026 12:00:00 +0200");
        Assert.Null(s.ParseError);
        Assert.Equal("relay.example.net", s.FromHost);
        Assert.Equal("2001:db8::25", s.FromAddress);
        Assert.Equal("store.example.net", s.ByHost);
        Assert.Equal("from the cluster, by policy", s.ByComment);
        Assert.Equal("LMTP", s.With);
        Assert.Equal("77", s.Id);
        Assert.Equal(At(2026, 1, 10, 12, 0, 0, 2), s.Timestamp);
    }

    [Fact]
    public void The_date_is_taken_after_the_last_semicolon_even_with_semicolons_in_comments()
    {
        var s = ReceivedParser.Parse("from a.example (a.example; b; c) by b.example (x;y) with SMTP; extra; Sun, 11 Jan 2026 01:02:03 +0000");
        Assert.Equal(At(2026, 1, 11, 1, 2, 3, 0), s.Timestamp);
        Assert.Equal("a.example; b; c", s.FromComment);
        Assert.Equal("x;y", s.ByComment);
    }

    [Theory]
    [InlineData("by x.example; 5 Jan 2026 10:00:00 +0000", "2026-01-05T10:00:00+00:00")] // no weekday
    [InlineData("by x.example; Mon, 5 Jan 26 10:00:00 GMT", "2026-01-05T10:00:00+00:00")] // two-digit year, zone name
    [InlineData("by x.example; Mon, 05 Jan 2026 10:00:00 EST", "2026-01-05T10:00:00-05:00")]
    [InlineData("by x.example; Mon, 5 Jan 2026 10:00:00.123 +0000", "2026-01-05T10:00:00+00:00")] // fractional seconds
    [InlineData("by x.example;\r\n\tMon, 5 Jan 2026 10:00:00 +0000 (UTC)", "2026-01-05T10:00:00+00:00")]
    [InlineData("by x.example; Mon Jan  5 10:00:00 2026 +0000", "2026-01-05T10:00:00+00:00")] // ctime order
    public void Odd_but_common_date_formats(string header, string expected)
    {
        var s = ReceivedParser.Parse(header);
        Assert.Null(s.ParseError);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), s.Timestamp);
    }

    [Fact]
    public void A_missing_date_is_a_parse_error_but_the_clauses_are_kept()
    {
        var s = ReceivedParser.Parse("from a.example ([192.0.2.1]) by b.example with ESMTP id 42");
        Assert.NotNull(s.ParseError);
        Assert.Contains("no date", s.ParseError);
        Assert.Null(s.Timestamp);
        Assert.Equal("a.example", s.FromHost);
        Assert.Equal("b.example", s.ByHost);
        Assert.Equal("42", s.Id);
    }

    [Fact]
    public void An_unreadable_date_is_a_parse_error()
    {
        var s = ReceivedParser.Parse("from a.example by b.example; the day after tomorrow");
        Assert.Contains("could not be read", s.ParseError);
        Assert.Equal("the day after tomorrow", s.DateText);
        Assert.Null(s.Timestamp);
        Assert.Equal("b.example", s.ByHost);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("garbage !!! ??? 123")]
    [InlineData("\u0001\u0002 ;;")]
    public void Garbage_is_a_parse_error_never_an_exception(string header)
    {
        var s = ReceivedParser.Parse(header);
        Assert.False(string.IsNullOrEmpty(s.ParseError));
        Assert.Null(s.Timestamp);
        Assert.Null(s.ByHost);
    }

    [Fact]
    public void Unbalanced_parentheses_are_reported_and_the_date_still_recovered()
    {
        var s = ReceivedParser.Parse("from a.example (a.example [192.0.2.1] by b.example with SMTP; Mon, 5 Jan 2026 10:00:00 +0000");
        Assert.Contains("Unbalanced parentheses", s.ParseError);
        Assert.Equal("a.example", s.FromHost);
        Assert.Equal(At(2026, 1, 5, 10, 0, 0, 0), s.Timestamp);

        var stray = ReceivedParser.Parse("from a.example) by b.example; Mon, 5 Jan 2026 10:00:00 +0000");
        Assert.Contains("closes nothing", stray.ParseError);
        Assert.Equal("b.example", stray.ByHost);
    }

    [Fact]
    public void A_clause_without_a_value_is_reported()
    {
        var s = ReceivedParser.Parse("from by b.example; Mon, 5 Jan 2026 10:00:00 +0000");
        Assert.Contains("'from' clause has no value", s.ParseError);
        Assert.Equal("b.example", s.ByHost);
    }

    [Theory]
    [InlineData("[192.0.2.1]", "192.0.2.1")]
    [InlineData("unknown [IPv6:2001:db8::1]", "2001:db8::1")]
    [InlineData("helo=foo.example", null)]
    [InlineData("8.15.2/8.15.2", null)]
    [InlineData("1234", null)]
    public void Finds_ip_addresses_in_from_parts(string text, string? expected)
    {
        Assert.Equal(expected, ReceivedParser.FindAddress(new[] { text }));
    }

    [Fact]
    public void Random_text_built_from_the_grammar_s_pieces_never_throws()
    {
        var pieces = new[] { "from", "by", "with", "id", "for", "via", " ", "(", ")", "\\", "\"", "<", ">", ";", "a.example", "[192.0.2.1]", "\r\n\t", "Mon, 5 Jan 2026 10:00:00 +0000" };
        var random = new Random(5321);
        for (int round = 0; round < 2000; round++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 25)).Select(_ => pieces[random.Next(pieces.Length)]));
            var stamp = ReceivedParser.Parse(text);
            Assert.True(stamp.Timestamp.HasValue || stamp.ParseError != null, text);
        }
    }
}
