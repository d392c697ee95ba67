using System.Text;
using MailAdmin.Store;
using Xunit;
using static MailAdmin.Engine.Tests.Imap.FetchTestSupport;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>ENVELOPE, BODYSTRUCTURE and BODY of the corpus, expected strings written from the RFC 3501 grammar.</summary>
public class FetchEnvelopeAndStructureTests
{
    private const string AliceList = "((\"Alice Example\" NIL \"alice\" \"example.com\"))";

    [Fact]
    public void Plain_envelope()
    {
        var ctx = Context(FetchCorpus.Plain);
        Assert.Equal(
            "ENVELOPE (\"Mon, 7 Feb 1994 21:52:25 -0800\" \"Hello there\" " + AliceList + " " + AliceList + " " + AliceList + " " +
            "((\"Bob\" NIL \"bob\" \"example.org\")(NIL NIL \"carol\" \"example.net\")) " +
            "((\"Doe, John\" NIL \"john.doe\" \"example.com\")) NIL NIL \"<1234@example.com>\")",
            FetchInner(ctx, "ENVELOPE"));
    }

    [Fact]
    public void Plain_bodystructure_and_body()
    {
        var ctx = Context(FetchCorpus.Plain);
        Assert.Equal("BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 26 2 NIL NIL NIL NIL)", FetchInner(ctx, "BODYSTRUCTURE"));
        Assert.Equal("BODY (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 26 2)", FetchInner(ctx, "BODY"));
    }

    [Fact]
    public void Whole_response_line_with_uid_first()
    {
        var ctx = Context(FetchCorpus.Plain, seq: 7, uid: 4711, flags: MessageFlags.Seen | MessageFlags.Flagged, recent: true);
        var size = Bytes(FetchCorpus.Plain).Length;
        Assert.Equal($"* 7 FETCH (UID 4711 FLAGS (\\Seen \\Flagged \\Recent) INTERNALDATE \"17-Jan-2024 09:05:03 +0100\" RFC822.SIZE {size})\r\n",
            Fetch(ctx, "FAST", isUid: true));
    }

    [Fact]
    public void Encoded_words_stay_encoded_in_the_envelope()
    {
        var ctx = Context(FetchCorpus.Alternative);
        const string joerg = "((\"=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?=\" NIL \"joerg\" \"example.de\"))";
        Assert.Equal(
            "ENVELOPE (\"Tue, 2 Jan 2024 10:00:00 +0100\" \"=?UTF-8?B?R3LDvMOfZQ==?=\" " + joerg + " " + joerg + " " + joerg + " " +
            "((NIL NIL \"team\" \"example.com\")) NIL NIL NIL \"<alt-1@example.de>\")",
            FetchInner(ctx, "ENVELOPE"));
    }

    [Fact]
    public void Alternative_bodystructure()
    {
        var ctx = Context(FetchCorpus.Alternative);
        Assert.Equal(
            "BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"UTF-8\") NIL NIL \"quoted-printable\" 26 0 NIL NIL NIL NIL)" +
            "(\"text\" \"html\" (\"charset\" \"UTF-8\") NIL NIL \"8bit\" 25 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"alt-1\") NIL NIL NIL)",
            FetchInner(ctx, "BODYSTRUCTURE"));
        Assert.Equal(
            "BODY ((\"text\" \"plain\" (\"charset\" \"UTF-8\") NIL NIL \"quoted-printable\" 26 0)" +
            "(\"text\" \"html\" (\"charset\" \"UTF-8\") NIL NIL \"8bit\" 25 0) \"alternative\")",
            FetchInner(ctx, "BODY"));
    }

    [Fact]
    public void Mixed_with_attachments_has_extension_data()
    {
        var ctx = Context(FetchCorpus.Mixed);
        Assert.Equal(
            "BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 15 0 NIL NIL NIL NIL)" +
            "(\"application\" \"pdf\" (\"name\" \"report.pdf\") \"<pdf1@example.net>\" \"Quarterly report\" \"base64\" 16 NIL (\"attachment\" (\"filename\" \"report.pdf\")) NIL NIL)" +
            "(\"image\" \"png\" NIL NIL NIL \"base64\" 12 NIL (\"inline\" (\"filename\" \"longname.png\")) (\"en\" \"de\") \"http://example.net/a.png\")" +
            " \"mixed\" (\"boundary\" \"mix\") NIL NIL NIL)",
            FetchInner(ctx, "BODYSTRUCTURE"));
    }

    [Fact]
    public void Mixed_envelope_has_bcc()
    {
        var ctx = Context(FetchCorpus.Mixed);
        Assert.Equal(
            "ENVELOPE (\"Wed, 3 Jan 2024 08:30:00 +0000\" \"Report attached\" ((\"Carol\" NIL \"carol\" \"example.net\")) ((\"Carol\" NIL \"carol\" \"example.net\")) " +
            "((\"Carol\" NIL \"carol\" \"example.net\")) ((\"Alice\" NIL \"alice\" \"example.com\")) NIL ((NIL NIL \"audit\" \"example.net\")) NIL \"<mixed-1@example.net>\")",
            FetchInner(ctx, "ENVELOPE"));
    }

    [Fact]
    public void Forwarded_message_nests_envelope_body_and_lines()
    {
        var text = FetchCorpus.Forwarded.Replace("\n", "\r\n");
        int innerStart = text.IndexOf("From: Alice", StringComparison.Ordinal);
        int innerEnd = text.IndexOf("\r\n--outer--", StringComparison.Ordinal);
        int size = innerEnd - innerStart;
        int lines = text.Substring(innerStart, size).Count(c => c == '\n');
        Assert.Equal(17, lines);
        var ctx = Context(FetchCorpus.Forwarded);
        var innerEnvelope = "(\"Mon, 7 Feb 1994 21:52:25 -0800\" \"Hello there\" " + AliceList + " " + AliceList + " " + AliceList + " " +
            "((\"Bob\" NIL \"bob\" \"example.org\")) NIL NIL NIL \"<1234@example.com>\")";
        Assert.Equal(
            "BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0 NIL NIL NIL NIL)" +
            $"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" {size} " + innerEnvelope + " " +
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 33 0 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"inner\") NIL NIL NIL)" +
            $" {lines} NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)",
            FetchInner(ctx, "BODYSTRUCTURE"));
        Assert.Equal(
            "BODY ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0)" +
            $"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" {size} " + innerEnvelope + " " +
            $"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 33 0)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0) \"alternative\") {lines}) \"mixed\")",
            FetchInner(ctx, "BODY"));
    }

    [Fact]
    public void Forwarded_envelope_has_in_reply_to()
    {
        var inner = FetchInner(Context(FetchCorpus.Forwarded), "ENVELOPE");
        Assert.EndsWith("NIL NIL \"<1234@example.com>\" \"<fwd-1@example.org>\")", inner);
    }

    [Fact]
    public void Eight_bit_header_text_goes_as_literal_unless_utf8_accepted()
    {
        var ctx = Context(FetchCorpus.EightBit);
        var umit = "((" + "{5}\r\n" + Raw("Ümit") + " NIL \"umit\" \"example.com\"))";
        Assert.Equal(
            "ENVELOPE (\"Fri, 5 Jan 2024 09:15:00 +0100\" {7}\r\n" + Raw("Grüße") + " " + umit + " " + umit + " " + umit + " " +
            "((\"Team\" NIL \"team\" \"example.com\")) NIL NIL NIL NIL)",
            FetchInner(ctx, "ENVELOPE"));
        var umitUtf8 = "((\"" + Raw("Ümit") + "\" NIL \"umit\" \"example.com\"))";
        Assert.Equal(
            "ENVELOPE (\"Fri, 5 Jan 2024 09:15:00 +0100\" \"" + Raw("Grüße") + "\" " + umitUtf8 + " " + umitUtf8 + " " + umitUtf8 + " " +
            "((\"Team\" NIL \"team\" \"example.com\")) NIL NIL NIL NIL)",
            FetchInner(ctx, "ENVELOPE", utf8: true));
        Assert.Equal("BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 28 2 NIL NIL NIL NIL)", FetchInner(ctx, "BODYSTRUCTURE"));
    }

    [Fact]
    public void Group_syntax_and_missing_date()
    {
        var ctx = Context(FetchCorpus.Groups);
        const string news = "((\"Newsletter\" NIL \"news\" \"example.com\"))";
        Assert.Equal(
            "ENVELOPE (NIL \"No date here\" " + news + " " + news + " " + news + " " +
            "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) " +
            "((NIL NIL \"Friends\" NIL)(NIL NIL \"anna\" \"example.com\")(\"Ben B.\" NIL \"ben\" \"example.com\")(NIL NIL NIL NIL)(NIL NIL \"dave\" \"example.com\")) " +
            "NIL NIL \"<grp@example.com>\")",
            FetchInner(ctx, "ENVELOPE"));
        Assert.Equal("BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1 NIL NIL NIL NIL)", FetchInner(ctx, "BODYSTRUCTURE"));
    }

    // Text for people (subject, names) with quote characters goes as a literal; white space runs collapse.
    [Fact]
    public void Routes_comments_quotes_folding_and_missing_domain()
    {
        var ctx = Context(FetchCorpus.Odd);
        Assert.Equal(
            "ENVELOPE (\"Sat, 6 Jan 2024 23:59:59 +0000\" {27}\r\nHe said \"hi\" \\o/ and folded " +
            "((\"the boss\" \"@relay.example,@hub.example\" \"joe\" \"example.com\")) " +
            "((\"Joe Q. Public\" NIL \"joe\" \"example.com\")) " +
            "(({10}\r\nQuote \"me\" NIL \"q\" \"example.com\")) " +
            "((\"John Q. Public\" NIL \"jqp\" \"example.com\")(NIL NIL \"local-only\" \"MISSING_DOMAIN\")) NIL NIL NIL NIL)",
            FetchInner(ctx, "ENVELOPE"));
        // No final line break: the last line still counts as content, not as a line.
        Assert.Equal("BODY (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 0)", FetchInner(ctx, "BODY"));
    }

    [Fact]
    public void Subject_white_space_collapses()
    {
        var ctx = Context("Subject: \tlots   of\t\tspace \n\n");
        Assert.Equal("ENVELOPE (NIL \"lots of space\" NIL NIL NIL NIL NIL NIL NIL NIL)", FetchInner(ctx, "ENVELOPE"));
    }

    [Fact]
    public void Mime_property_survives_broken_messages()
    {
        foreach (var m in new[] { FetchCorpus.BrokenNoBoundary, FetchCorpus.BrokenBadType, FetchCorpus.Forwarded, "" })
            Assert.NotNull(Context(m).Mime);
        Assert.Equal("Fwd: Hello there", Context(FetchCorpus.Forwarded).Mime.Subject);
    }

    [Theory]
    [InlineData(nameof(FetchCorpus.BrokenNoBoundary))]
    [InlineData(nameof(FetchCorpus.BrokenBadType))]
    [InlineData(nameof(FetchCorpus.BrokenBoundaryNeverSeen))]
    public void Broken_mime_is_text_plain(string name)
    {
        var message = (string)typeof(FetchCorpus).GetField(name)!.GetValue(null)!;
        var crlf = message.Replace("\n", "\r\n");
        int bodyStart = crlf.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        int size = crlf.Length - bodyStart;
        int lines = crlf.Substring(bodyStart).Count(c => c == '\n');
        var ctx = Context(message);
        Assert.Equal($"BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" {size} {lines} NIL NIL NIL NIL)", FetchInner(ctx, "BODYSTRUCTURE"));
        Assert.Equal(crlf.Substring(bodyStart), Literal(ctx, "BODY[1]", "BODY[1]"));
        Assert.Equal(crlf.Substring(bodyStart), Literal(ctx, "BODY[TEXT]", "BODY[TEXT]"));
    }

    [Fact]
    public void Garbage_never_throws()
    {
        var inputs = new[]
        {
            "", "\r\n", "no header at all", "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b", "Content-Type: message/rfc822\r\n\r\n",
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n--b--", "From: <<<@@@>>>,,;;::\r\n\r\n", "Content-Type: text/plain; charset=\"unterminated\r\n\r\nx",
            "Subject: \u0001\u0000\r\n\r\n\u0000",
        };
        foreach (var input in inputs)
        {
            var ctx = Context(Encoding.Latin1.GetBytes(input));
            var s = Fetch(ctx, "(ENVELOPE BODYSTRUCTURE BODY BODY[] BODY[1] BODY[1.MIME] BODY[TEXT] BODY[HEADER] RFC822.HEADER)");
            Assert.EndsWith(")\r\n", s);
        }
    }

    [Fact]
    public void Deep_nesting_is_cut_without_stack_overflow()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) sb.Append("Content-Type: message/rfc822\r\n\r\n");
        sb.Append("x");
        var s = Fetch(Context(Encoding.ASCII.GetBytes(sb.ToString())), "BODYSTRUCTURE");
        Assert.EndsWith(")\r\n", s);
    }

    [Fact]
    public void Digest_parts_default_to_message_rfc822()
    {
        var message = "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nfirst\n--d--\n";
        var s = FetchInner(Context(message), "BODY");
        Assert.Equal("BODY ((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 21 (NIL \"one\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0) 2) \"digest\")", s);
    }
}
