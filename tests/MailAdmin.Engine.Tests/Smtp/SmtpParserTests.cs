using System.Buffers;
using System.Text;
using MailAdmin.Protocols;
using MailAdmin.Protocols.Smtp;
using Xunit;

namespace MailAdmin.Engine.Tests.Smtp;

public class SmtpParserTests
{
    [Theory]
    [InlineData("<alice@example.com>", "alice@example.com")]
    [InlineData("<Alice.B+tag@mail.example.com>", "Alice.B+tag@mail.example.com")]
    [InlineData("<\"john doe\"@example.com>", "\"john doe\"@example.com")]
    [InlineData("<\"a\\\"b\"@example.com>", "\"a\\\"b\"@example.com")]
    [InlineData("<a@[192.168.1.1]>", "a@[192.168.1.1]")]
    [InlineData("<a@[IPv6:2001:db8::1]>", "a@[IPv6:2001:db8::1]")]
    [InlineData("<a@[x-tag:abc]>", "a@[x-tag:abc]")]
    [InlineData("<@relay.example,@b.example:a@example.com>", "a@example.com")]
    [InlineData("<ünïcode@exämple.com>", "ünïcode@exämple.com")]
    [InlineData("<a@xn--e1afmkfd.example>", "a@xn--e1afmkfd.example")]
    public void ParsesPaths(string text, string expected)
    {
        int pos = 0;
        Assert.True(SmtpGrammar.TryParsePath(text, ref pos, out var mailbox));
        Assert.Equal(expected, mailbox);
        Assert.Equal(text.Length, pos);
    }

    [Theory]
    [InlineData("alice@example.com")]      // no angle brackets
    [InlineData("<alice@example.com")]
    [InlineData("<alice>")]
    [InlineData("<alice@>")]
    [InlineData("<.alice@example.com>")]
    [InlineData("<alice.@example.com>")]
    [InlineData("<al..ice@example.com>")]
    [InlineData("<alice@-example.com>")]
    [InlineData("<alice@example-.com>")]
    [InlineData("<alice@exa mple.com>")]
    [InlineData("<a@[300.1.1.1]>")]
    [InlineData("<a@[1.2.3]>")]
    [InlineData("<a@[IPv6:zz::1]>")]
    [InlineData("<\"unterminated@example.com>")]
    [InlineData("<a(b)@example.com>")]
    public void RejectsBadPaths(string text)
    {
        int pos = 0;
        Assert.False(SmtpGrammar.TryParsePath(text, ref pos, out _) && pos == text.Length);
        Assert.Equal(0, pos == text.Length ? 1 : 0);
    }

    [Fact]
    public void EnforcesLengthLimits()
    {
        int pos = 0;
        Assert.False(SmtpGrammar.TryParsePath("<" + new string('a', 65) + "@example.com>", ref pos, out _));
        pos = 0;
        Assert.True(SmtpGrammar.TryParsePath("<" + new string('a', 64) + "@example.com>", ref pos, out _));
        pos = 0;
        Assert.False(SmtpGrammar.TryParsePath("<a@" + new string('b', 64) + ".com>", ref pos, out _));
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.example> SIZE=1000 BODY=8BITMIME", "a@b.example", "SIZE=1000|BODY=8BITMIME")]
    [InlineData("mail from: <a@b.example>", "a@b.example", "")]
    [InlineData("MAIL FROM:<>", "", "")]
    [InlineData("MAIL FROM:<> ret=hdrs envid=QQ314159", "", "RET=hdrs|ENVID=QQ314159")]
    [InlineData("MAIL FROM:<a@b.example> SMTPUTF8", "a@b.example", "SMTPUTF8")]
    public void ParsesMail(string line, string address, string parameters)
    {
        var cmd = SmtpCommandParser.Parse(line);
        Assert.Equal(SmtpCommandKind.Mail, cmd.Kind);
        Assert.Equal(address, cmd.Address);
        Assert.Equal(parameters, string.Join("|", cmd.Parameters.Select(p => p.ToString())));
    }

    [Theory]
    [InlineData("RCPT TO:<Postmaster>", "Postmaster")]
    [InlineData("RCPT TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+40example.com", "bob@example.com")]
    public void ParsesRcpt(string line, string address)
    {
        var cmd = SmtpCommandParser.Parse(line);
        Assert.Equal(SmtpCommandKind.Rcpt, cmd.Kind);
        Assert.Equal(address, cmd.Address);
    }

    [Theory]
    [InlineData("MAIL FROM:a@b.example", 501)]
    [InlineData("MAIL TO:<a@b.example>", 501)]
    [InlineData("MAIL FROM:<a@b.example> SIZE=", 501)]
    [InlineData("MAIL FROM:<a@b.example> =x", 501)]
    [InlineData("MAIL FROM:<a@b.example>SIZE=1", 501)]
    [InlineData("RCPT TO:<>", 501)]
    [InlineData("DATA now", 501)]
    [InlineData("QUIT please", 501)]
    [InlineData("EHLO", 501)]
    [InlineData("EHLO bad..name", 501)]
    [InlineData("VRFY", 501)]
    [InlineData("BDAT x", 501)]
    [InlineData("BDAT 10 FIRST", 501)]
    [InlineData("AUTH", 501)]
    public void RejectsBadSyntax(string line, int code)
    {
        var cmd = SmtpCommandParser.Parse(line);
        Assert.Equal(SmtpCommandKind.Invalid, cmd.Kind);
        Assert.Equal(code, cmd.Error!.Code);
    }

    [Theory]
    [InlineData("EHLO mail.example.com", SmtpCommandKind.Ehlo, "mail.example.com")]
    [InlineData("helo [127.0.0.1]", SmtpCommandKind.Helo, "[127.0.0.1]")]
    [InlineData("EHLO my_pc", SmtpCommandKind.Ehlo, "my_pc")]
    [InlineData("EHLO [IPv6:::1]", SmtpCommandKind.Ehlo, "[IPv6:::1]")]
    [InlineData("AUTH plain AGFsaWNlAHNlY3JldA==", SmtpCommandKind.Auth, "PLAIN")]
    [InlineData("BDAT 1000 LAST", SmtpCommandKind.Bdat, "1000 LAST")]
    [InlineData("NOOP anything", SmtpCommandKind.Noop, "anything")]
    [InlineData("SAML FROM:<a@b.c>", SmtpCommandKind.Obsolete, "FROM:<a@b.c>")]
    [InlineData("TURN", SmtpCommandKind.Obsolete, "")]
    [InlineData("XYZZY", SmtpCommandKind.Unknown, "")]
    public void ParsesVerbs(string line, SmtpCommandKind kind, string argument)
    {
        var cmd = SmtpCommandParser.Parse(line);
        Assert.Equal(kind, cmd.Kind);
        Assert.Equal(argument, cmd.Argument);
    }

    [Fact]
    public void BdatFields()
    {
        var cmd = SmtpCommandParser.Parse("BDAT 1000 last");
        Assert.Equal(1000, cmd.ChunkSize);
        Assert.True(cmd.IsLastChunk);
        Assert.False(SmtpCommandParser.Parse("BDAT 0").IsLastChunk);
    }

    [Fact]
    public void InvalidUtf8IsRejected()
    {
        var cmd = SmtpCommandParser.Parse(new byte[] { (byte)'M', (byte)'A', (byte)'I', (byte)'L', (byte)' ', 0xC3, 0x28 });
        Assert.Equal(SmtpCommandKind.Invalid, cmd.Kind);
        Assert.Equal(500, cmd.Error!.Code);
    }

    [Theory]
    [InlineData("bob+40example.com", "bob@example.com", true)]
    [InlineData("plain", "plain", true)]
    [InlineData("bad+4", "", false)]
    [InlineData("bad+4g", "", false)]
    [InlineData("a=b", "", false)]
    public void Xtext(string input, string decoded, bool ok)
    {
        Assert.Equal(ok, SmtpGrammar.TryDecodeXtext(input, out var d));
        if (ok) Assert.Equal(decoded, d);
    }

    // ---- line framing: whole, split at every byte, random chunks ----

    private static List<(SmtpLineStatus, string)> Frame(byte[] input, IEnumerable<int> cuts, int max = 64)
    {
        var reader = new SmtpLineReader(max, max, max);
        var results = new List<(SmtpLineStatus, string)>();
        var pending = Array.Empty<byte>();
        int prev = 0;
        foreach (int cut in cuts.Append(input.Length))
        {
            pending = pending.Concat(input[prev..cut]).ToArray();
            prev = cut;
            while (true)
            {
                var seq = new ReadOnlySequence<byte>(pending);
                var status = reader.TryReadLine(ref seq, out var line);
                pending = seq.ToArray();
                if (status == SmtpLineStatus.NeedMore) break;
                results.Add((status, Encoding.ASCII.GetString(line.ToArray())));
            }
        }
        return results;
    }

    private static readonly byte[] Lines = Encoding.ASCII.GetBytes(
        "EHLO a.example\r\nNOOP " + new string('x', 100) + "\r\nMAIL FROM:<a@b.c>\r\nbare lf\nRSET\r\n" + new string('y', 200) + "\r\nQUIT\r\n");

    private static readonly (SmtpLineStatus, string)[] Expected =
    {
        (SmtpLineStatus.Line, "EHLO a.example"), (SmtpLineStatus.TooLong, ""), (SmtpLineStatus.Line, "MAIL FROM:<a@b.c>"),
        (SmtpLineStatus.Line, "bare lf"), (SmtpLineStatus.Line, "RSET"), (SmtpLineStatus.TooLong, ""), (SmtpLineStatus.Line, "QUIT"),
    };

    [Fact]
    public void LineReaderWhole() => Assert.Equal(Expected, Frame(Lines, Array.Empty<int>()));

    [Fact]
    public void LineReaderSplitAtEveryByte()
    {
        for (int cut = 1; cut < Lines.Length; cut++)
            Assert.Equal(Expected, Frame(Lines, new[] { cut }));
        Assert.Equal(Expected, Frame(Lines, Enumerable.Range(1, Lines.Length - 1)));
    }

    [Fact]
    public void LineReaderRandomChunks()
    {
        var random = new Random(42);
        for (int round = 0; round < 200; round++)
        {
            var cuts = Enumerable.Range(0, random.Next(1, 12)).Select(_ => random.Next(1, Lines.Length)).Distinct().OrderBy(x => x).ToArray();
            Assert.Equal(Expected, Frame(Lines, cuts));
        }
    }

    [Fact]
    public void CommandsFromBytesSplitAtEveryByteUsingMultiSegmentSequences()
    {
        var input = Encoding.UTF8.GetBytes("EHLO a.example\r\nMAIL FROM:<ünïcode@exämple.com> SMTPUTF8 SIZE=10\r\nRCPT TO:<b@c.example> NOTIFY=NEVER\r\nBDAT 3 LAST\r\n");
        var expected = new[] { "EHLO|a.example", "MAIL|ünïcode@exämple.com|SMTPUTF8,SIZE=10", "RCPT|b@c.example|NOTIFY=NEVER", "BDAT|3 LAST" };
        for (int cut1 = 1; cut1 < input.Length; cut1++)
        {
            int cut2 = Math.Min(input.Length - 1, cut1 + 7);
            var seq = TestSequence.Create(input[..cut1], input[cut1..cut2], input[cut2..]);
            var lines = new SmtpLineReader(512, 1024);
            var got = new List<string>();
            while (SmtpCommandParser.TryReadCommand(ref lines, ref seq, out var cmd) == SmtpLineStatus.Line)
                got.Add(cmd!.Verb + "|" + (cmd.Address != null ? cmd.Address + "|" + string.Join(",", cmd.Parameters) : cmd.Argument));
            Assert.Equal(expected, got);
        }
    }

    [Fact]
    public void LineLimitCountsCrlf()
    {
        // limit 64 including CRLF: 62 characters fit, 63 do not.
        Assert.Equal(SmtpLineStatus.Line, Frame(Encoding.ASCII.GetBytes(new string('a', 62) + "\r\n"), Array.Empty<int>())[0].Item1);
        Assert.Equal(SmtpLineStatus.TooLong, Frame(Encoding.ASCII.GetBytes(new string('a', 63) + "\r\n"), Array.Empty<int>())[0].Item1);
        Assert.Equal(SmtpLineStatus.TooLong, Frame(Encoding.ASCII.GetBytes(new string('a', 63) + "\n"), Array.Empty<int>())[0].Item1);
    }

    // ---- DATA decoder ----

    private static (string Content, bool Complete, bool Bare, int Consumed) Decode(string input, IEnumerable<int> cuts, long max = 0)
    {
        var bytes = Encoding.ASCII.GetBytes(input);
        using var output = new ByteBuffer();
        var decoder = new SmtpDataDecoder();
        decoder.Reset(output, max);
        int prev = 0, consumed = 0;
        foreach (int cut in cuts.Append(bytes.Length))
        {
            if (decoder.IsComplete) break;
            consumed += decoder.Feed(bytes.AsSpan(prev, cut - prev));
            prev = cut;
        }
        return (Encoding.ASCII.GetString(output.Span), decoder.IsComplete, decoder.HasBareLineEnding, consumed);
    }

    [Theory]
    [InlineData("Subject: x\r\n\r\nHello\r\n.\r\nNEXT", "Subject: x\r\n\r\nHello\r\n", false)]
    [InlineData(".\r\n", "", false)]
    [InlineData("..\r\n.\r\n", ".\r\n", false)]
    [InlineData("..leading\r\n...two\r\n.x\r\n.\r\n", ".leading\r\n..two\r\nx\r\n", false)]
    [InlineData("a\nb\r\n.\r\n", "a\nb\r\n", true)]
    [InlineData("a\rb\r\n.\r\n", "a\rb\r\n", true)]
    [InlineData("a\r\n.\rb\r\n.\r\n", "a\r\n\rb\r\n", true)]
    public void DecodesData(string input, string content, bool bare)
    {
        var whole = Decode(input, Array.Empty<int>());
        Assert.True(whole.Complete);
        Assert.Equal(content, whole.Content);
        Assert.Equal(bare, whole.Bare);
        int terminator = input.IndexOf("\r\n.\r\n", StringComparison.Ordinal);
        int expectedConsumed = input.StartsWith(".\r\n") ? 3 : terminator + 5;
        Assert.Equal(expectedConsumed, whole.Consumed);
        for (int cut = 1; cut < input.Length; cut++)
            Assert.Equal(whole, Decode(input, new[] { cut }));
        Assert.Equal(whole, Decode(input, Enumerable.Range(1, input.Length - 1)));
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\r.\r")]
    [InlineData("\n.\r\n")]
    [InlineData("\r\n.\n")]
    [InlineData("\r.\r\n")]
    [InlineData("\r\n.\r")]
    public void BareEndingsNeverEndData(string fakeEnd)
    {
        string input = "Subject: x\r\n\r\nbody" + fakeEnd + "MAIL FROM:<evil@x.example>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nsmuggled\r\n.\r\nQUIT\r\n";
        var random = new Random(fakeEnd.Length);
        for (int round = 0; round < 50; round++)
        {
            var cuts = Enumerable.Range(0, random.Next(0, 8)).Select(_ => random.Next(1, input.Length)).Distinct().OrderBy(x => x);
            var r = Decode(input, cuts);
            Assert.True(r.Complete);
            Assert.True(r.Bare);
            Assert.Contains("MAIL FROM:<evil@x.example>", r.Content);   // it is content, not a command
            Assert.Equal(input.IndexOf("smuggled\r\n.\r\n", StringComparison.Ordinal) + "smuggled\r\n.\r\n".Length, r.Consumed);
        }
    }

    [Fact]
    public void SizeLimitStopsStoringButFindsTheEnd()
    {
        var r = Decode(new string('a', 100) + "\r\n.\r\n", Array.Empty<int>(), max: 50);
        Assert.True(r.Complete);
        Assert.True(r.Content.Length <= 50);
    }

    [Fact]
    public void ReplyFormatting()
    {
        using var buffer = new ByteBuffer();
        new SmtpReply(250, null, "host", "PIPELINING", "HELP").WriteTo(buffer);
        Assert.Equal("250-host\r\n250-PIPELINING\r\n250 HELP\r\n", Encoding.ASCII.GetString(buffer.Span));
        buffer.Clear();
        SmtpReply.UnknownUser.WriteTo(buffer);
        Assert.Equal("550 5.1.1 Mailbox unavailable: no such user here\r\n", Encoding.ASCII.GetString(buffer.Span));
    }
}

/// <summary>Builds a multi-segment ReadOnlySequence from several arrays.</summary>
internal sealed class TestSequence : ReadOnlySequenceSegment<byte>
{
    private TestSequence(byte[] data, long index) { Memory = data; RunningIndex = index; }

    public static ReadOnlySequence<byte> Create(params byte[][] parts)
    {
        var first = new TestSequence(parts[0], 0);
        var last = first;
        for (int i = 1; i < parts.Length; i++)
        {
            var next = new TestSequence(parts[i], last.RunningIndex + last.Memory.Length);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
