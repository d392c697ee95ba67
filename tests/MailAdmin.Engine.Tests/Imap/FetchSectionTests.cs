using MailAdmin.Protocols.Imap;
using MailAdmin.Store;
using Xunit;
using static MailAdmin.Engine.Tests.Imap.FetchTestSupport;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>BODY[section]&lt;partial&gt;, RFC822.*: the exact octets of the original message.</summary>
public class FetchSectionTests
{
    private static string Crlf(string s) => s.Replace("\n", "\r\n");

    private static string Between(string text, string start, string end, bool includeStart = true)
    {
        int a = text.IndexOf(start, StringComparison.Ordinal);
        int b = text.IndexOf(end, a + start.Length, StringComparison.Ordinal);
        return includeStart ? text.Substring(a, b - a) : text.Substring(a + start.Length, b - a - start.Length);
    }

    [Fact]
    public void Whole_message_header_and_text_are_byte_exact()
    {
        var ctx = Context(FetchCorpus.Plain);
        var full = Crlf(FetchCorpus.Plain);
        int split = full.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        Assert.Equal(full, Literal(ctx, "BODY[]", "BODY[]"));
        Assert.Equal(full, Literal(ctx, "RFC822", "RFC822"));
        Assert.Equal(full.Substring(0, split), Literal(ctx, "BODY.PEEK[HEADER]", "BODY[HEADER]"));
        Assert.Equal(full.Substring(0, split), Literal(ctx, "RFC822.HEADER", "RFC822.HEADER"));
        Assert.Equal(full.Substring(split), Literal(ctx, "BODY[TEXT]", "BODY[TEXT]"));
        Assert.Equal(full.Substring(split), Literal(ctx, "RFC822.TEXT", "RFC822.TEXT"));
        Assert.Equal(full.Substring(split), Literal(ctx, "BODY[1]", "BODY[1]"));
    }

    [Fact]
    public void Eight_bit_octets_are_counted_not_characters()
    {
        var ctx = Context(FetchCorpus.EightBit);
        var body = Literal(ctx, "BODY[1]", "BODY[1]");
        Assert.Equal(Raw("Schöne Grüße\r\naus Köln\r\n"), body);
        Assert.Equal(28, body.Length);
    }

    [Fact]
    public void Header_fields_case_insensitive_in_message_order_with_blank_line()
    {
        var ctx = Context(FetchCorpus.Plain);
        Assert.Equal("From: Alice Example <alice@example.com>\r\ncc: \"Doe, John\" <john.doe@example.com>\r\n\r\n",
            Literal(ctx, "BODY.PEEK[HEADER.FIELDS (cc FROM)]", "BODY[HEADER.FIELDS (CC FROM)]"));
        Assert.Equal("\r\n", Literal(ctx, "BODY.PEEK[HEADER.FIELDS (X-Nothing)]", "BODY[HEADER.FIELDS (X-NOTHING)]"));
        Assert.Equal("Subject: Hello there\r\n\r\n", Literal(ctx, "BODY[HEADER.FIELDS (\"Subject\")]", "BODY[HEADER.FIELDS (SUBJECT)]"));
    }

    [Fact]
    public void Header_fields_keep_folded_lines_and_repeated_fields()
    {
        var ctx = Context(FetchCorpus.Odd);
        Assert.Equal("Subject: He said \"hi\" \\o/\r\n and folded\r\nX-Custom: one\r\nx-custom: two\r\n\r\n",
            Literal(ctx, "BODY.PEEK[HEADER.FIELDS (SUBJECT X-CUSTOM)]", "BODY[HEADER.FIELDS (SUBJECT X-CUSTOM)]"));
    }

    [Fact]
    public void Header_fields_not_is_the_complement()
    {
        var ctx = Context(FetchCorpus.Plain);
        var header = Crlf(FetchCorpus.Plain);
        header = header.Substring(0, header.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4);
        var expected = string.Join("", header.Split("\r\n").Where(l => l.Length > 0 && !l.StartsWith("Return-Path") && !l.StartsWith("Message-ID")).Select(l => l + "\r\n")) + "\r\n";
        Assert.Equal(expected, Literal(ctx, "BODY.PEEK[HEADER.FIELDS.NOT (Return-Path MESSAGE-ID)]", "BODY[HEADER.FIELDS.NOT (RETURN-PATH MESSAGE-ID)]"));
    }

    [Fact]
    public void Every_part_of_the_mixed_message()
    {
        var ctx = Context(FetchCorpus.Mixed);
        var full = Crlf(FetchCorpus.Mixed);
        Assert.Equal("See the report.", Literal(ctx, "BODY[1]", "BODY[1]"));
        Assert.Equal("JVBERi0xLjQKJcfs", Literal(ctx, "BODY[2]", "BODY[2]"));
        Assert.Equal("iVBORw0KGgo=", Literal(ctx, "BODY[3]", "BODY[3]"));
        Assert.Equal("Content-Type: text/plain; charset=us-ascii\r\n\r\n", Literal(ctx, "BODY[1.MIME]", "BODY[1.MIME]"));
        Assert.Equal(Between(full, "Content-Type: application/pdf", "JVBER"), Literal(ctx, "BODY[2.MIME]", "BODY[2.MIME]"));
        Assert.Equal(Between(full, "\r\n\r\n", "\r\n--mix--", includeStart: false) + "\r\n--mix--\r\n", Literal(ctx, "BODY[TEXT]", "BODY[TEXT]"));
        Assert.Equal("BODY[4] \"\"", FetchInner(ctx, "BODY[4]")); // a missing part is empty (as Dovecot answers)
        Assert.Equal("BODY[1.1] \"\"", FetchInner(ctx, "BODY[1.1]"));
        Assert.Equal("BODY[2.HEADER] \"\"", FetchInner(ctx, "BODY[2.HEADER]"));
    }

    [Fact]
    public void Nested_message_parts()
    {
        var ctx = Context(FetchCorpus.Forwarded);
        var full = Crlf(FetchCorpus.Forwarded);
        var inner = Between(full, "From: Alice", "\r\n--outer--");
        var innerHeader = inner.Substring(0, inner.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4);
        Assert.Equal("See below.", Literal(ctx, "BODY[1]", "BODY[1]"));
        Assert.Equal(inner, Literal(ctx, "BODY[2]", "BODY[2]"));
        Assert.Equal("Content-Type: message/rfc822\r\n\r\n", Literal(ctx, "BODY[2.MIME]", "BODY[2.MIME]"));
        Assert.Equal(innerHeader, Literal(ctx, "BODY[2.HEADER]", "BODY[2.HEADER]"));
        Assert.Equal(inner.Substring(innerHeader.Length), Literal(ctx, "BODY[2.TEXT]", "BODY[2.TEXT]"));
        Assert.Equal("Subject: Hello there\r\n\r\n", Literal(ctx, "BODY[2.HEADER.FIELDS (SUBJECT)]", "BODY[2.HEADER.FIELDS (SUBJECT)]"));
        Assert.Equal("Hi Bob, the password is swordfish", Literal(ctx, "BODY[2.1]", "BODY[2.1]"));
        Assert.Equal("<b>Hi Bob</b>", Literal(ctx, "BODY[2.2]", "BODY[2.2]"));
        Assert.Equal("Content-Type: text/html\r\n\r\n", Literal(ctx, "BODY[2.2.MIME]", "BODY[2.2.MIME]"));
        Assert.Equal("BODY[2.3] \"\"", FetchInner(ctx, "BODY[2.3]"));
    }

    [Fact]
    public void Alternative_parts_and_preamble_free_text()
    {
        var ctx = Context(FetchCorpus.Alternative);
        Assert.Equal("Gr=C3=BC=C3=9Fe aus Berlin", Literal(ctx, "BODY[1]", "BODY[1]"));
        Assert.Equal(Raw("<p>Grüße aus Berlin</p>"), Literal(ctx, "BODY[2]", "BODY[2]"));
    }

    [Fact]
    public void Partial_fetches_name_the_origin_only()
    {
        var ctx = Context(FetchCorpus.Plain);
        var full = Crlf(FetchCorpus.Plain);
        Assert.Equal(full.Substring(0, 10), Literal(ctx, "BODY[]<0.10>", "BODY[]<0>"));
        Assert.Equal(full.Substring(5, 7), Literal(ctx, "BODY.PEEK[]<5.7>", "BODY[]<5>"));
        Assert.Equal(full.Substring(full.Length - 4), Literal(ctx, $"BODY[]<{full.Length - 4}.100>", $"BODY[]<{full.Length - 4}>"));
        Assert.Equal("BODY[]<100000> \"\"", FetchInner(ctx, "BODY[]<100000.10>"));
        Assert.Equal("Subj", Literal(ctx, "BODY[HEADER.FIELDS (SUBJECT)]<0.4>", "BODY[HEADER.FIELDS (SUBJECT)]<0>"));
        Assert.Equal("is a", Literal(ctx, "BODY[1]<14.4>", "BODY[1]<14>"));
    }

    [Fact]
    public void Several_attributes_in_one_response_and_implicit_flags()
    {
        var ctx = Context(FetchCorpus.Mixed, seq: 3, uid: 9, flags: MessageFlags.Answered);
        var s = Fetch(ctx, "(FLAGS BODY[1] UID)", includeFlags: true);
        Assert.Equal("* 3 FETCH (UID 9 FLAGS (\\Answered) BODY[1] {15}\r\nSee the report.)\r\n", s);
        var t = Fetch(ctx, "(BODY[1])", isUid: true, includeFlags: true);
        Assert.Equal("* 3 FETCH (UID 9 BODY[1] {15}\r\nSee the report. FLAGS (\\Answered))\r\n", t);
    }

    [Fact]
    public void Macros_expand_in_rfc_order()
    {
        var ctx = Context(FetchCorpus.Plain, flags: MessageFlags.Seen);
        var all = FetchInner(ctx, "ALL");
        Assert.StartsWith("FLAGS (\\Seen) INTERNALDATE \"17-Jan-2024 09:05:03 +0100\" RFC822.SIZE ", all);
        Assert.Contains(" ENVELOPE (\"Mon, 7 Feb 1994", all);
        var full = FetchInner(ctx, "FULL");
        Assert.EndsWith(" BODY (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 26 2)", full);
        Assert.DoesNotContain("ENVELOPE", FetchInner(ctx, "FAST"));
    }

    [Fact]
    public void Internal_date_format()
    {
        Assert.Equal("01-Feb-1994 21:52:25 -0800", FetchResponse.FormatInternalDate(new DateTimeOffset(1994, 2, 1, 21, 52, 25, TimeSpan.FromHours(-8))));
        Assert.Equal("31-Dec-2023 23:59:59 +0530", FetchResponse.FormatInternalDate(new DateTimeOffset(2023, 12, 31, 23, 59, 59, new TimeSpan(5, 30, 0))));
        Assert.Equal("05-Jul-2024 00:00:00 +0000", FetchResponse.FormatInternalDate(new DateTimeOffset(2024, 7, 5, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Rfc822_size_is_the_stored_size()
    {
        var bytes = Bytes(FetchCorpus.Plain);
        var ctx = Context(bytes, size: 12345);
        Assert.Equal("RFC822.SIZE 12345", FetchInner(ctx, "RFC822.SIZE"));
    }

    [Fact]
    public void Flags_only_requests_never_load_the_bytes()
    {
        var stored = new StoredMessage(5, "x", 10, DateTimeOffset.UnixEpoch, MessageFlags.Deleted | MessageFlags.Draft, false);
        var ctx = new ImapMessageContext(2, stored, () => throw new InvalidOperationException("loaded"));
        var request = FetchRequest.Parse(Tokens("(FLAGS UID INTERNALDATE RFC822.SIZE)"), false);
        Assert.False(request.NeedsBody);
        var output = new MemoryStream();
        FetchResponse.Write(output, request, ctx, false, false);
        Assert.Equal("* 2 FETCH (UID 5 FLAGS (\\Deleted \\Draft) INTERNALDATE \"01-Jan-1970 00:00:00 +0000\" RFC822.SIZE 10)\r\n", Latin1.GetString(output.ToArray()));
        Assert.False(ctx.IsLoaded);
    }

    [Fact]
    public void Large_body_literal_is_exact()
    {
        var body = string.Concat(Enumerable.Repeat("0123456789abcdef\r\n", 10000));
        var message = "Subject: big\r\n\r\n" + body;
        var ctx = Context(System.Text.Encoding.ASCII.GetBytes(message));
        Assert.Equal(body, Literal(ctx, "BODY[TEXT]", "BODY[TEXT]"));
        Assert.Equal(message, Literal(ctx, "BODY[]", "BODY[]"));
    }

    [Fact]
    public void Lf_only_messages_are_split_too()
    {
        var message = "Subject: lf\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\none\n--b\n\ntwo\n--b--\n";
        var ctx = Context(System.Text.Encoding.ASCII.GetBytes(message));
        Assert.Equal("one", Literal(ctx, "BODY[1]", "BODY[1]"));
        Assert.Equal("two", Literal(ctx, "BODY[2]", "BODY[2]"));
        Assert.Equal("Subject: lf\n\n", Literal(ctx, "BODY[HEADER.FIELDS (SUBJECT)]", "BODY[HEADER.FIELDS (SUBJECT)]").Replace("\r\n", "\n"));
    }
}
