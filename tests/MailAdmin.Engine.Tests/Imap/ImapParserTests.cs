using System.Buffers;
using System.Text;
using MailAdmin.Protocols.Imap;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

public class ImapParserTests
{
    /// <summary>Feeds chunks the way the host does: unconsumed bytes stay and are offered again with the next chunk.</summary>
    internal static List<(ImapReadStatus Status, ImapReadResult Result)> Feed(ImapCommandReader reader, IEnumerable<byte[]> chunks)
    {
        var results = new List<(ImapReadStatus, ImapReadResult)>();
        byte[] pending = Array.Empty<byte>();
        foreach (var chunk in chunks)
        {
            var data = pending.Concat(chunk).ToArray();
            var buffer = new ReadOnlySequence<byte>(data);
            while (true)
            {
                var r = reader.TryRead(ref buffer);
                if (r.Status == ImapReadStatus.NeedMore) break;
                results.Add((r.Status, r));
            }
            pending = buffer.ToArray();
        }
        return results;
    }

    private static List<ImapCommand> Commands(string input, ImapParserLimits? limits = null)
        => Feed(new ImapCommandReader(limits), new[] { Encoding.UTF8.GetBytes(input) })
            .Where(r => r.Status == ImapReadStatus.Command).Select(r => r.Result.Command!).ToList();

    private static ImapCommand One(string input) => Assert.Single(Commands(input));

    private static IEnumerable<byte[]> SplitAt(byte[] data, params int[] cuts)
    {
        int prev = 0;
        foreach (var c in cuts) { yield return data[prev..c]; prev = c; }
        yield return data[prev..];
    }

    [Fact]
    public void ParsesTagNameAndAtoms()
    {
        var c = One("a001 login alice secret\r\n");
        Assert.Equal("a001", c.Tag);
        Assert.Equal("LOGIN", c.Name);
        Assert.Equal(new[] { "alice", "secret" }, c.Arguments.Select(a => a.Text));
        Assert.All(c.Arguments, a => Assert.Equal(ImapTokenKind.Atom, a.Kind));
    }

    [Fact]
    public void QuotedStringsWithEscapesAndUtf8()
    {
        var c = One("t LOGIN \"al\\\"ice\" \"p\\\\w d\" \"Entwürfe\"\r\n");
        Assert.Equal(ImapTokenKind.Quoted, c.Arguments[0].Kind);
        Assert.Equal("al\"ice", c.Arguments[0].Text);
        Assert.Equal("p\\w d", c.Arguments[1].Text);
        Assert.Equal("Entwürfe", c.Arguments[2].Text);
    }

    [Fact]
    public void NestedListsAndNil()
    {
        var c = One("t SEARCH OR (FROM \"x\" (SEEN)) NIL ()\r\n");
        Assert.Equal("OR", c.Arguments[0].Text);
        var list = c.Arguments[1];
        Assert.Equal(ImapTokenKind.List, list.Kind);
        Assert.Equal(3, list.Items.Count);
        Assert.Equal(ImapTokenKind.List, list.Items[2].Kind);
        Assert.Equal("SEEN", list.Items[2].Items[0].Text);
        Assert.Equal(ImapTokenKind.Nil, c.Arguments[2].Kind);
        Assert.Empty(c.Arguments[3].Items);
    }

    [Fact]
    public void FetchAttributeWithSectionIsOneAtom()
    {
        var c = One("a FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100> BODY[1.2.MIME] UID)\r\n");
        Assert.Equal("1:*", c.Arguments[0].Text);
        var items = c.Arguments[1].Items.Select(i => i.Text).ToArray();
        Assert.Equal(new[] { "FLAGS", "BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>", "BODY[1.2.MIME]", "UID" }, items);
        Assert.All(c.Arguments[1].Items, i => Assert.Equal(ImapTokenKind.Atom, i.Kind));
        var single = One("a UID FETCH 5 BODY[]\r\n");
        Assert.Equal(new[] { "FETCH", "5", "BODY[]" }, single.Arguments.Select(a => a.Text));
    }

    [Fact]
    public void FlagsAndWildcardsAreAtoms()
    {
        var c = One("a STORE 2:4 +FLAGS.SILENT (\\Seen \\Deleted $Junk)\r\n");
        Assert.Equal(new[] { "\\Seen", "\\Deleted", "$Junk" }, c.Arguments[2].Items.Select(i => i.Text));
        var l = One("a LIST \"\" %.*\r\n");
        Assert.Equal("", l.Arguments[0].Text);
        Assert.Equal("%.*", l.Arguments[1].Text);
    }

    [Fact]
    public void SynchronizingLiteralAsksForContinuation()
    {
        var reader = new ImapCommandReader();
        var results = Feed(reader, new[] { Encoding.ASCII.GetBytes("a LOGIN {5}\r\n"), Encoding.ASCII.GetBytes("alice {6}\r\n"), Encoding.ASCII.GetBytes("secret\r\n") });
        Assert.Equal(new[] { ImapReadStatus.Continue, ImapReadStatus.Continue, ImapReadStatus.Command }, results.Select(r => r.Status));
        var c = results[2].Result.Command!;
        Assert.Equal(ImapTokenKind.Literal, c.Arguments[0].Kind);
        Assert.Equal("alice", c.Arguments[0].Text);
        Assert.Equal("secret", c.Arguments[1].Text);
    }

    [Fact]
    public void NonSynchronizingLiteralNeedsNoContinuation()
    {
        var results = Feed(new ImapCommandReader(), new[] { Encoding.ASCII.GetBytes("a APPEND INBOX (\\Seen) {7+}\r\nab\r\ncd\r\n\r\nb NOOP\r\n") });
        Assert.Equal(new[] { ImapReadStatus.Command, ImapReadStatus.Command }, results.Select(r => r.Status));
        var append = results[0].Result.Command!;
        Assert.Equal("ab\r\ncd\r", Encoding.ASCII.GetString(append.Arguments[2].Bytes!).Substring(0, 7));
        Assert.Equal(7, append.Arguments[2].Bytes!.Length);
        Assert.Equal("NOOP", results[1].Result.Command!.Name);
    }

    [Fact]
    public void LiteralInsideAListAndBinaryBytesKeptExactly()
    {
        var bytes = new byte[] { 0, 0xff, (byte)'\r', (byte)'\n', (byte)')' };
        var input = Encoding.ASCII.GetBytes("a SEARCH (SUBJECT {5+}\r\n").Concat(bytes).Concat(Encoding.ASCII.GetBytes(" ALL)\r\n")).ToArray();
        var r = Assert.Single(Feed(new ImapCommandReader(), new[] { input }));
        var list = r.Result.Command!.Arguments[0];
        Assert.Equal(bytes, list.Items[1].Bytes);
        Assert.Equal("ALL", list.Items[2].Text);
    }

    private static readonly string Complex =
        "x1 APPEND \"Lists.dotnet\" (\\Seen $Forwarded) \" 7-Feb-2024 10:00:00 +0100\" {12}\r\nSubject: x\r\n\r\n" +
        "x2 UID FETCH 1:*,7 (UID BODY.PEEK[HEADER.FIELDS (DATE FROM)]<0.2048>)\r\n" +
        "\r\n" +
        "x3 LOGIN {5+}\r\nalice \"pa\\\"ss\"\r\n" +
        "x4 SEARCH CHARSET UTF-8 OR (SUBJECT {3}\r\nh\xc3\xa9 SEEN) NOT (DELETED)\r\n";

    private static List<string> Describe(IEnumerable<(ImapReadStatus Status, ImapReadResult Result)> results)
        => results.Select(r => r.Status == ImapReadStatus.Command ? r.Result.Command!.ToString() + "|" + string.Join(",", Flatten(r.Result.Command!.Arguments)) : r.Status.ToString()).ToList();

    private static IEnumerable<string> Flatten(IEnumerable<ImapToken> tokens)
    {
        foreach (var t in tokens)
        {
            if (t.Kind == ImapTokenKind.List) { yield return "("; foreach (var x in Flatten(t.Items)) yield return x; yield return ")"; }
            else yield return t.Kind + ":" + t.Text;
        }
    }

    private static byte[] ComplexBytes => Encoding.Latin1.GetBytes(Complex);

    [Fact]
    public void SplitAtEveryByteGivesTheSameCommands()
    {
        var data = ComplexBytes;
        var whole = Describe(Feed(new ImapCommandReader(), new[] { data }));
        Assert.Equal(4, whole.Count(w => w != "Continue"));
        Assert.Contains(whole, w => w.Contains("Literal:hé"));
        for (int cut = 1; cut < data.Length; cut++)
        {
            var split = Describe(Feed(new ImapCommandReader(), SplitAt(data, cut)));
            Assert.Equal(whole, split);
        }
        // and one byte at a time
        Assert.Equal(whole, Describe(Feed(new ImapCommandReader(), data.Select(b => new[] { b }))));
    }

    [Fact]
    public void RandomChunksGiveTheSameCommands()
    {
        var data = ComplexBytes;
        var whole = Describe(Feed(new ImapCommandReader(), new[] { data }));
        var random = new Random(4242);
        for (int round = 0; round < 300; round++)
        {
            var cuts = Enumerable.Range(0, random.Next(1, 12)).Select(_ => random.Next(1, data.Length)).Distinct().OrderBy(x => x).ToArray();
            Assert.Equal(whole, Describe(Feed(new ImapCommandReader(), SplitAt(data, cuts))));
        }
    }

    [Fact]
    public void TooLongLineIsRefusedAndTheNextCommandParses()
    {
        var limits = new ImapParserLimits { MaxLineLength = 100 };
        var input = "a1 NOOP " + new string('x', 300) + "\r\na2 NOOP\r\n";
        var results = Feed(new ImapCommandReader(limits), new[] { Encoding.ASCII.GetBytes(input) });
        Assert.Equal(ImapReadStatus.Error, results[0].Status);
        Assert.Equal("a1", results[0].Result.Tag);
        Assert.Equal("a2", Assert.Single(results, r => r.Status == ImapReadStatus.Command).Result.Command!.Tag);
        // the same in small chunks, the line's end arriving much later
        var chunked = Feed(new ImapCommandReader(limits), Encoding.ASCII.GetBytes(input).Chunk(7));
        Assert.Equal(ImapReadStatus.Error, chunked[0].Status);
        Assert.Equal("a1", chunked[0].Result.Tag);
        Assert.Equal("a2", Assert.Single(chunked, r => r.Status == ImapReadStatus.Command).Result.Command!.Tag);
    }

    [Fact]
    public void DefaultLineLimitIs64KiB()
    {
        Assert.Equal(64 * 1024, new ImapParserLimits().MaxLineLength);
        var ok = "a SEARCH SUBJECT " + new string('y', 60_000) + "\r\n";
        Assert.Single(Commands(ok));
        var tooLong = "a SEARCH SUBJECT " + new string('y', 70_000) + "\r\n";
        Assert.Empty(Commands(tooLong));
    }

    [Fact]
    public void TooBigAppendLiteralIsRefusedBeforeContinuation()
    {
        var limits = new ImapParserLimits { MaxAppendLiteral = 1000 };
        var results = Feed(new ImapCommandReader(limits), new[] { Encoding.ASCII.GetBytes("a1 APPEND INBOX {5000}\r\na2 NOOP\r\n") });
        Assert.Equal(ImapReadStatus.Error, results[0].Status);
        Assert.Equal("TOOBIG", results[0].Result.ResponseCode);
        Assert.True(results[0].Result.IsNo);
        Assert.Equal("a1", results[0].Result.Tag);
        Assert.DoesNotContain(results, r => r.Status == ImapReadStatus.Continue);
        Assert.Equal("a2", results[1].Result.Command!.Tag);
    }

    [Fact]
    public void TooBigNonSynchronizingLiteralIsSkipped()
    {
        var limits = new ImapParserLimits { MaxAppendLiteral = 10 };
        var input = "a1 APPEND INBOX {20+}\r\n" + new string('z', 20) + "\r\na2 NOOP\r\n";
        foreach (var chunks in new[] { new[] { Encoding.ASCII.GetBytes(input) }, Encoding.ASCII.GetBytes(input).Chunk(3).ToArray() })
        {
            var results = Feed(new ImapCommandReader(limits), chunks);
            Assert.Equal(2, results.Count);
            Assert.Equal(ImapReadStatus.Error, results[0].Status);
            Assert.Equal("a2", results[1].Result.Command!.Tag);
        }
    }

    [Fact]
    public void BeforeLoginAppendHasTheSmallLimit()
    {
        var limits = new ImapParserLimits { MaxOtherLiteral = 100, MaxAppendLiteral = 100_000 };
        var r = Feed(new ImapCommandReader(limits) { AppendAllowed = false }, new[] { Encoding.ASCII.GetBytes("a APPEND INBOX {1000}\r\n") });
        Assert.Equal(ImapReadStatus.Error, Assert.Single(r).Status);
        Assert.False(r[0].Result.IsNo);
    }

    [Fact]
    public void OtherCommandsHaveASmallerLiteralLimit()
    {
        var limits = new ImapParserLimits { MaxOtherLiteral = 100, MaxAppendLiteral = 100_000 };
        var r = Feed(new ImapCommandReader(limits), new[] { Encoding.ASCII.GetBytes("a LOGIN {1000}\r\n") });
        Assert.Equal(ImapReadStatus.Error, Assert.Single(r).Status);
        Assert.Null(r[0].Result.ResponseCode);
        var ok = Feed(new ImapCommandReader(limits), new[] { Encoding.ASCII.GetBytes("a APPEND INBOX {1000}\r\n") });
        Assert.Equal(ImapReadStatus.Continue, Assert.Single(ok).Status);
    }

    [Fact]
    public void NestingDepthIsLimited()
    {
        var limits = new ImapParserLimits { MaxNestingDepth = 5 };
        Assert.Single(Commands("a SEARCH ((((SEEN))))\r\n", limits));
        var r = Feed(new ImapCommandReader(limits), new[] { Encoding.ASCII.GetBytes("a SEARCH ((((((SEEN))))))\r\nb NOOP\r\n") });
        Assert.Equal(ImapReadStatus.Error, r[0].Status);
        Assert.Equal("a", r[0].Result.Tag);
        Assert.Equal("b", r[1].Result.Command!.Tag);
    }

    [Theory]
    [InlineData("a LOGIN \"unterminated\r\n")]
    [InlineData("a SEARCH (SEEN\r\n")]
    [InlineData("a SEARCH SEEN)\r\n")]
    [InlineData("a\r\n")]
    [InlineData("a FETCH 1 BODY[HEADER\r\n")]
    [InlineData("a LOGIN \"bad\\escape\"\r\n")]
    public void SyntaxErrorsAreTaggedErrors(string input)
    {
        var r = Assert.Single(Feed(new ImapCommandReader(), new[] { Encoding.ASCII.GetBytes(input) }));
        Assert.Equal(ImapReadStatus.Error, r.Status);
        Assert.Equal("a", r.Result.Tag);
        Assert.False(r.Result.IsNo);
    }

    [Fact]
    public void LargeLiteralArrivesInManyChunks()
    {
        var body = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(body);
        var input = Encoding.ASCII.GetBytes("a APPEND INBOX {" + body.Length + "+}\r\n").Concat(body).Concat(Encoding.ASCII.GetBytes("\r\nb NOOP\r\n")).ToArray();
        var results = Feed(new ImapCommandReader(), input.Chunk(50_000));
        Assert.Equal(2, results.Count);
        Assert.Equal(body, results[0].Result.Command!.Arguments[1].Bytes);
        Assert.Equal("b", results[1].Result.Command!.Tag);
        var empty = Assert.Single(Feed(new ImapCommandReader(), new[] { Encoding.ASCII.GetBytes("a LOGIN {0+}\r\n {0+}\r\n\r\n") }));
        Assert.Equal(new[] { "", "" }, empty.Result.Command!.Arguments.Select(x => x.Text));
    }

    [Fact]
    public void RandomInputNeverThrows()
    {
        var random = new Random(99);
        var alphabet = Encoding.ASCII.GetBytes("a1 ()[]{}<>\"\\+~*%.:,\r\n\r\nFETCH BODY[ LOGIN {3} {2+} NIL 0123456789");
        var limits = new ImapParserLimits { MaxLineLength = 200, MaxOtherLiteral = 50, MaxAppendLiteral = 50, MaxNestingDepth = 4 };
        for (int round = 0; round < 2000; round++)
        {
            var data = new byte[random.Next(1, 300)];
            for (int i = 0; i < data.Length; i++)
                data[i] = random.Next(10) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            var cuts = Enumerable.Range(0, random.Next(0, 5)).Select(_ => random.Next(1, data.Length + 1)).Distinct().OrderBy(x => x).Where(x => x < data.Length).ToArray();
            var results = Feed(new ImapCommandReader(limits), SplitAt(data, cuts));
            Assert.All(results, r => Assert.NotEqual(ImapReadStatus.NeedMore, r.Status));
        }
    }

    [Fact]
    public void Literal8InAList()
    {
        var r = Assert.Single(Feed(new ImapCommandReader(), new[] { Encoding.ASCII.GetBytes("a APPEND INBOX UTF8 (~{3+}\r\nabc)\r\n") }));
        var list = r.Result.Command!.Arguments[2];
        Assert.Equal(ImapTokenKind.Literal, Assert.Single(list.Items).Kind);
        Assert.Equal("abc", list.Items[0].Text);
    }

    [Fact]
    public void BareLfAndEmptyLinesAreTolerated()
    {
        var cs = Commands("\r\n\na NOOP\nb CAPABILITY\r\n");
        Assert.Equal(new[] { "a", "b" }, cs.Select(c => c.Tag));
    }

    [Fact]
    public void RawLinesForSaslAndIdle()
    {
        var reader = new ImapCommandReader();
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("DONE\r\nAGFsaWNl"));
        Assert.True(reader.TryReadLine(ref buffer, out var line));
        Assert.Equal("DONE", line);
        Assert.False(reader.TryReadLine(ref buffer, out _));
        Assert.Equal(8, buffer.Length);
    }

    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("Entwürfe", "Entw&APw-rfe")]
    [InlineData("A&B", "A&-B")]
    [InlineData("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")]
    [InlineData("Ordner.Ünter", "Ordner.&ANw-nter")]
    public void ModifiedUtf7(string name, string wire)
    {
        Assert.Equal(wire, ImapMailboxName.Encode(name));
        Assert.Equal(name, ImapMailboxName.Decode(wire));
    }

    [Fact]
    public void ModifiedUtf7RejectsGarbage()
    {
        Assert.Throws<ImapParseException>(() => ImapMailboxName.Decode("&Jjo"));
        Assert.Throws<ImapParseException>(() => ImapMailboxName.Decode("&$$$-"));
    }
}
