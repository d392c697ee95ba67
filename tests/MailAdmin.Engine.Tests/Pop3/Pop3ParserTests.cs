using System.Buffers;
using System.Text;
using MailAdmin.Protocols;
using MailAdmin.Protocols.Pop3;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Pop3;

/// <summary>The pure POP3 pieces: parser, framing, message encoding, and the session without sockets.</summary>
public class Pop3ParserTests
{
    [Theory]
    [InlineData("USER alice", Pop3CommandKind.User, "alice")]
    [InlineData("user alice", Pop3CommandKind.User, "alice")]
    [InlineData("PASS with spaces  inside", Pop3CommandKind.Pass, "with spaces  inside")]
    [InlineData("STAT", Pop3CommandKind.Stat, "")]
    [InlineData("LIST", Pop3CommandKind.List, "")]
    [InlineData("LIST 2", Pop3CommandKind.List, "2")]
    [InlineData("uidl 12", Pop3CommandKind.Uidl, "12")]
    [InlineData("RETR 1", Pop3CommandKind.Retr, "1")]
    [InlineData("DELE 3", Pop3CommandKind.Dele, "3")]
    [InlineData("TOP 1 10", Pop3CommandKind.Top, "1|10")]
    [InlineData("NOOP", Pop3CommandKind.Noop, "")]
    [InlineData("RSET", Pop3CommandKind.Rset, "")]
    [InlineData("QUIT", Pop3CommandKind.Quit, "")]
    [InlineData("CAPA", Pop3CommandKind.Capa, "")]
    [InlineData("STLS", Pop3CommandKind.Stls, "")]
    [InlineData("AUTH", Pop3CommandKind.Auth, "")]
    [InlineData("AUTH plain", Pop3CommandKind.Auth, "PLAIN")]
    [InlineData("AUTH PLAIN AGFsaWNlAHg=", Pop3CommandKind.Auth, "PLAIN|AGFsaWNlAHg=")]
    [InlineData("APOP alice c4c9334bac560ecc979e58001b3e22fb", Pop3CommandKind.Apop, "alice|c4c9334bac560ecc979e58001b3e22fb")]
    public void ParsesCommands(string line, Pop3CommandKind kind, string args)
    {
        var c = Pop3CommandParser.Parse(line);
        Assert.Equal(kind, c.Kind);
        Assert.Equal(args, string.Join("|", c.Arguments));
    }

    [Theory]
    [InlineData("RETR")]
    [InlineData("RETR x")]
    [InlineData("RETR -1")]
    [InlineData("RETR 1 2")]
    [InlineData("TOP 1")]
    [InlineData("TOP 1 a")]
    [InlineData("STAT 1")]
    [InlineData("LIST 1 2")]
    [InlineData("DELE 99999999999")]
    [InlineData("USER")]
    [InlineData("PASS")]
    [InlineData("QUIT now")]
    public void RefusesBadArguments(string line)
    {
        var c = Pop3CommandParser.Parse(line);
        Assert.Equal(Pop3CommandKind.Invalid, c.Kind);
        Assert.False(string.IsNullOrEmpty(c.Error));
    }

    [Theory]
    [InlineData("HELO x")]
    [InlineData("")]
    [InlineData("X-1")]
    [InlineData("RETR1")]
    public void UnknownVerbs(string line) => Assert.Equal(Pop3CommandKind.Unknown, Pop3CommandParser.Parse(line).Kind);

    [Fact]
    public void LogStringsRedactSecrets()
    {
        Assert.Equal("PASS <redacted>", Pop3CommandParser.Parse("PASS hunter2").ToLogString());
        Assert.Equal("AUTH PLAIN <redacted>", Pop3CommandParser.Parse("AUTH PLAIN AGFsaWNlAGh1bnRlcjI=").ToLogString());
        Assert.Equal("AUTH PLAIN", Pop3CommandParser.Parse("AUTH PLAIN").ToLogString());
        Assert.DoesNotContain("hunter2", Pop3CommandParser.Parse("APOP alice hunter2").ToLogString());
        Assert.Equal("PASS <redacted>", Pop3CommandParser.Parse("PASS").ToLogString());
        Assert.Equal("RETR 1", Pop3CommandParser.Parse("retr 1").ToLogString());
    }

    [Fact]
    public void InvalidUtf8IsAnInvalidCommand()
    {
        var c = Pop3CommandParser.Parse(new ReadOnlySequence<byte>(new byte[] { (byte)'U', (byte)'S', (byte)'E', (byte)'R', (byte)' ', 0xC3, 0x28 }));
        Assert.Equal(Pop3CommandKind.Invalid, c.Kind);
    }

    private static readonly string Pipelined = "CAPA\r\nUSER alice\r\nlist 1\nTOP 1 0\r\n" + new string('x', 300) + "\r\nAUTH PLAIN " + new string('A', 400) + "\r\nQUIT\r\n";

    private static List<(LineStatus, string)> Frame(byte[] input, IEnumerable<int> cuts)
    {
        var framer = new LineFramer();
        var result = new List<(LineStatus, string)>();
        var pending = Array.Empty<byte>();
        int last = 0;
        foreach (int cut in cuts.Append(input.Length))
        {
            var chunk = pending.Concat(input[last..cut]).ToArray();
            last = cut;
            var seq = new ReadOnlySequence<byte>(chunk);
            while (true)
            {
                var status = framer.TryReadLine(ref seq, out var line, Pop3CommandParser.LimitFor(seq));
                if (status == LineStatus.NeedMore) break;
                result.Add((status, status == LineStatus.Line ? Encoding.ASCII.GetString(line.ToArray()) : ""));
            }
            pending = seq.ToArray();
        }
        return result;
    }

    [Fact]
    public void FramesLinesSplitAtEveryByte()
    {
        var input = Encoding.ASCII.GetBytes(Pipelined);
        var whole = Frame(input, Array.Empty<int>());
        Assert.Equal(new[] { "CAPA", "USER alice", "list 1", "TOP 1 0", "", "AUTH PLAIN " + new string('A', 400), "QUIT" }, whole.Select(w => w.Item2));
        Assert.Equal(LineStatus.TooLong, whole[4].Item1);
        for (int i = 1; i < input.Length; i++)
            Assert.Equal(whole, Frame(input, new[] { i }));
        var random = new Random(1939);
        for (int round = 0; round < 50; round++)
        {
            var cuts = Enumerable.Range(0, 8).Select(_ => random.Next(1, input.Length)).Distinct().OrderBy(x => x).ToArray();
            Assert.Equal(whole, Frame(input, cuts));
        }
    }

    [Fact]
    public void CommandLineLimitIs255OctetsWithCrlf()
    {
        Assert.Equal(LineStatus.Line, Frame(Encoding.ASCII.GetBytes("USER " + new string('a', 248) + "\r\n"), Array.Empty<int>())[0].Item1);
        Assert.Equal(LineStatus.TooLong, Frame(Encoding.ASCII.GetBytes("USER " + new string('a', 249) + "\r\n"), Array.Empty<int>())[0].Item1);
    }

    [Theory]
    [InlineData("a\r\nb\r\n", "a\r\nb\r\n")]
    [InlineData("a\nb\n", "a\r\nb\r\n")]
    [InlineData("a\r\nb", "a\r\nb\r\n")]
    [InlineData(".a\r\n..b\r\n.\r\n", "..a\r\n...b\r\n..\r\n")]
    [InlineData("x\r\n.\n", "x\r\n..\r\n")]
    [InlineData("a\rb\r\n", "a\rb\r\n")]
    [InlineData("end with cr\r", "end with cr\r\r\n")]
    [InlineData("", "")]
    public void EncodesWithCrlfAndDotStuffing(string message, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        using var output = new ByteBuffer();
        long size = Pop3MessageEncoder.Encode(bytes, output);
        var wire = Encoding.ASCII.GetString(output.Span);
        Assert.Equal(expected + ".\r\n", wire);
        // The announced size is the octet count the client has after un-stuffing.
        var unstuffed = Pop3MessageEncoder.Decode(output.Span);
        Assert.Equal(size, unstuffed.Length);
        Assert.Equal(size, Pop3MessageEncoder.WireSize(bytes));
        Assert.Equal(size, Pop3MessageEncoder.WireSize(new MemoryStream(bytes)));
    }

    [Fact]
    public void WireSizeOfAStreamMatchesAcrossReadBoundaries()
    {
        var text = string.Concat(Enumerable.Range(0, 5000).Select(i => i % 3 == 0 ? "line\n" : i % 3 == 1 ? ".dot\r\n" : "x\r"));
        var bytes = Encoding.ASCII.GetBytes(text);
        using var output = new ByteBuffer();
        long size = Pop3MessageEncoder.Encode(bytes, output);
        Assert.Equal(size, Pop3MessageEncoder.WireSize(new MemoryStream(bytes)));
        Assert.Equal(size, Pop3MessageEncoder.Decode(output.Span).Length);
    }

    [Theory]
    [InlineData(0, "Subject: s\r\nX: y\r\n\r\n")]
    [InlineData(2, "Subject: s\r\nX: y\r\n\r\n1\r\n..2\r\n")]
    [InlineData(10, "Subject: s\r\nX: y\r\n\r\n1\r\n..2\r\n3\r\n")]
    public void TopSendsHeaderBlankLineAndNLines(int lines, string expected)
    {
        using var output = new ByteBuffer();
        Pop3MessageEncoder.Encode(Encoding.ASCII.GetBytes("Subject: s\nX: y\n\n1\n.2\n3\n"), output, lines);
        Assert.Equal(expected + ".\r\n", Encoding.ASCII.GetString(output.Span));
    }

    [Fact]
    public void TopOfAMessageWithoutBodySendsTheHeader()
    {
        using var output = new ByteBuffer();
        Pop3MessageEncoder.Encode(Encoding.ASCII.GetBytes("Subject: only\r\n"), output, 5);
        Assert.Equal("Subject: only\r\n.\r\n", Encoding.ASCII.GetString(output.Span));
    }

    // --- the session, without sockets -------------------------------------------------------

    private static Pop3Session NewSession(IMailStore store, Pop3MailboxLocks? locks = null, bool secure = true, bool tls = false)
        => new(new Pop3SessionSettings { HostName = "pop.test", AuthFailureDelay = TimeSpan.Zero, TlsAvailable = tls }, store, locks ?? new Pop3MailboxLocks(), isSecure: secure);

    private static readonly string Transcript =
        "CAPA\r\nUSER alice@example.com\r\nPASS " + Pop3Fixtures.Password + "\r\nSTAT\r\nLIST\r\nUIDL 2\r\nTOP 2 1\r\nRETR 2\r\nDELE 1\r\nLIST 1\r\nSTAT\r\nRSET\r\nNOOP\r\nBOGUS\r\n";

    [Fact]
    public async Task SessionOutputIsTheSameWhateverTheSplit()
    {
        using var store = await Pop3Fixtures.StoreAsync(Pop3Fixtures.First, Pop3Fixtures.Dotted);
        string whole = await Pop3Driver.RunAsync(NewSession(store), Transcript);
        Assert.Contains("+OK Logged in, 2 messages", whole);
        Assert.Contains("-ERR Message 1 already deleted", whole);
        Assert.Contains("\r\n..starts with a dot\r\n...two dots\r\n..\r\nend\r\n.\r\n", whole);
        Assert.EndsWith("-ERR Unknown command\r\n", whole);
        int length = Encoding.UTF8.GetByteCount(Transcript);
        for (int i = 1; i < length; i++)
            Assert.Equal(whole, await Pop3Driver.RunAsync(NewSession(store), Transcript, new[] { i }));
    }

    [Fact]
    public async Task CommandsAreRefusedOutsideTheirState()
    {
        using var store = await Pop3Fixtures.StoreAsync(Pop3Fixtures.First);
        var output = await Pop3Driver.RunAsync(NewSession(store), "STAT\r\nNOOP\r\nPASS x\r\nUSER alice@example.com\r\nPASS " + Pop3Fixtures.Password + "\r\nUSER x\r\nSTLS\r\nAUTH PLAIN\r\n");
        var lines = output.Split("\r\n");
        Assert.StartsWith("+OK pop.test", lines[0]);
        Assert.StartsWith("-ERR", lines[1]);
        Assert.StartsWith("-ERR", lines[2]);
        Assert.Equal("-ERR USER first", lines[3]);
        Assert.StartsWith("+OK", lines[4]);
        Assert.StartsWith("+OK Logged in, 1 message (", lines[5]);
        Assert.StartsWith("-ERR", lines[6]);
        Assert.StartsWith("-ERR", lines[7]);
        Assert.StartsWith("-ERR", lines[8]);
    }

    [Fact]
    public async Task AuthPlainWithAndWithoutInitialResponse()
    {
        using var store = await Pop3Fixtures.StoreAsync(Pop3Fixtures.First);
        var a = await Pop3Driver.RunAsync(NewSession(store), "AUTH PLAIN " + Pop3Fixtures.Plain(Pop3Fixtures.Alice, Pop3Fixtures.Password) + "\r\nSTAT\r\n");
        Assert.Contains("+OK Logged in", a);
        var b = await Pop3Driver.RunAsync(NewSession(store), "AUTH PLAIN\r\n" + Pop3Fixtures.Plain(Pop3Fixtures.Alice, Pop3Fixtures.Password, Pop3Fixtures.Alice) + "\r\nSTAT\r\n");
        Assert.Contains("\r\n+ \r\n+OK Logged in", b);
        var cancelled = await Pop3Driver.RunAsync(NewSession(store), "AUTH PLAIN\r\n*\r\n");
        Assert.EndsWith("+ \r\n-ERR Authentication cancelled\r\n", cancelled);
        var wrong = await Pop3Driver.RunAsync(NewSession(store), "AUTH PLAIN " + Pop3Fixtures.Plain(Pop3Fixtures.Alice, "nope") + "\r\n");
        Assert.EndsWith("-ERR [AUTH] Invalid user name or password\r\n", wrong);
        var otherAuthz = await Pop3Driver.RunAsync(NewSession(store), "AUTH PLAIN " + Pop3Fixtures.Plain(Pop3Fixtures.Alice, Pop3Fixtures.Password, "bob@example.com") + "\r\n");
        Assert.EndsWith("-ERR [AUTH] Authentication failed\r\n", otherAuthz);
        var badBase64 = await Pop3Driver.RunAsync(NewSession(store), "AUTH PLAIN !!!\r\n");
        Assert.EndsWith("-ERR Invalid base64\r\n", badBase64);
        var mech = await Pop3Driver.RunAsync(NewSession(store), "AUTH CRAM-MD5\r\nAUTH\r\n");
        Assert.EndsWith("-ERR Unsupported authentication mechanism\r\n+OK Mechanisms follow\r\nPLAIN\r\nLOGIN\r\nSCRAM-SHA-256\r\n.\r\n", mech);
    }

    [Fact]
    public async Task ApopIsRefusedAndNotAdvertised()
    {
        using var store = await Pop3Fixtures.StoreAsync();
        var output = await Pop3Driver.RunAsync(NewSession(store), "APOP alice@example.com c4c9334bac560ecc979e58001b3e22fb\r\n");
        var greeting = output.Split("\r\n")[0];
        Assert.DoesNotContain("<", greeting);   // no APOP timestamp
        Assert.Contains("-ERR APOP not supported", output);
    }

    [Fact]
    public async Task PlaintextNeedsTlsUnlessAllowed()
    {
        using var store = await Pop3Fixtures.StoreAsync();
        var insecure = await Pop3Driver.RunAsync(NewSession(store, secure: false, tls: true), "CAPA\r\nUSER alice@example.com\r\nPASS x\r\nAUTH PLAIN " + Pop3Fixtures.Plain(Pop3Fixtures.Alice, Pop3Fixtures.Password) + "\r\nSTLS\r\n");
        Assert.DoesNotContain("\r\nUSER\r\n", insecure);
        Assert.DoesNotContain("SASL", insecure);
        Assert.Contains("\r\nSTLS\r\n", insecure);
        Assert.Equal(3, insecure.Split("\r\n").Count(l => l.StartsWith("-ERR [AUTH] Plaintext authentication disallowed")));
        Assert.EndsWith("+OK Begin TLS negotiation\r\n", insecure);

        var allowed = new Pop3Session(new Pop3SessionSettings { AllowInsecureAuth = true, AuthFailureDelay = TimeSpan.Zero }, store, new Pop3MailboxLocks());
        var ok = await Pop3Driver.RunAsync(allowed, "CAPA\r\nUSER alice@example.com\r\nPASS " + Pop3Fixtures.Password + "\r\n");
        Assert.Contains("\r\nUSER\r\nSASL PLAIN LOGIN SCRAM-SHA-256\r\n", ok);
        Assert.Contains("+OK Logged in", ok);
    }

    [Fact]
    public async Task StlsResetsWhatWasLearntBefore()
    {
        using var store = await Pop3Fixtures.StoreAsync();
        var session = NewSession(store, secure: false, tls: true);
        using var d = new Pop3Driver(session);
        await d.FeedAsync(Encoding.ASCII.GetBytes("STLS\r\n"));
        Assert.True(d.StartTlsRequested);
        session.OnTlsEstablished();
        await d.FeedAsync(Encoding.ASCII.GetBytes("PASS " + Pop3Fixtures.Password + "\r\nSTLS\r\nCAPA\r\n"));
        Assert.Contains("-ERR USER first\r\n-ERR TLS is already active\r\n", d.Output);
        Assert.DoesNotContain("\r\nSTLS\r\nIMPL", d.Output);
    }

    [Fact]
    public async Task FailedLoginIsDelayedAndCounted()
    {
        using var store = await Pop3Fixtures.StoreAsync();
        var session = new Pop3Session(new Pop3SessionSettings { AuthFailureDelay = TimeSpan.FromSeconds(3) }, store, new Pop3MailboxLocks(), isSecure: true);
        int failures = 0;
        session.AuthenticationFailed += () => failures++;
        using var output = new ByteBuffer();
        await session.ExecuteAsync(Pop3CommandParser.Parse("USER alice@example.com"), output);
        var r = await session.ExecuteAsync(Pop3CommandParser.Parse("PASS wrong"), output);
        Assert.Equal(TimeSpan.FromSeconds(3), r.Delay);
        Assert.Equal(1, failures);
        Assert.Equal(Pop3State.Authorization, session.State);
    }

    [Fact]
    public async Task TooManyBadCommandsCloses()
    {
        using var store = await Pop3Fixtures.StoreAsync();
        var session = new Pop3Session(new Pop3SessionSettings { MaxErrors = 3, AuthFailureDelay = TimeSpan.Zero }, store, new Pop3MailboxLocks(), isSecure: true);
        var output = await Pop3Driver.RunAsync(session, "X\r\nY\r\nZ\r\nW\r\nCAPA\r\n");
        Assert.EndsWith("-ERR Unknown command\r\n-ERR Too many bad commands, closing\r\n", output);
        Assert.Equal(Pop3State.Closed, session.State);
    }

    [Fact]
    public async Task SecondSessionOnALockedMailboxIsInUse()
    {
        using var store = await Pop3Fixtures.StoreAsync(Pop3Fixtures.First);
        var locks = new Pop3MailboxLocks();
        var first = NewSession(store, locks);
        var login = "USER Alice@Example.com\r\nPASS " + Pop3Fixtures.Password + "\r\n";
        Assert.Contains("+OK Logged in", await Pop3Driver.RunAsync(first, login));
        var second = await Pop3Driver.RunAsync(NewSession(store, locks), login);
        Assert.EndsWith("-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n", second);
        first.Dispose();   // a dropped connection releases the lock
        Assert.Contains("+OK Logged in", await Pop3Driver.RunAsync(NewSession(store, locks), login));
    }

    [Fact]
    public async Task DeletionsOnlyInUpdate()
    {
        using var store = await Pop3Fixtures.StoreAsync(Pop3Fixtures.First, Pop3Fixtures.Dotted, Pop3Fixtures.BareLf);
        var login = "USER alice@example.com\r\nPASS " + Pop3Fixtures.Password + "\r\n";
        var dropped = NewSession(store);
        await Pop3Driver.RunAsync(dropped, login + "DELE 1\r\nDELE 2\r\n");
        dropped.Dispose();
        Assert.Equal(3, store.ListMessages(Pop3Fixtures.Alice, "INBOX").Count);

        var quit = NewSession(store);
        int deleted = 0;
        quit.MessagesDeleted += n => deleted += n;
        var output = await Pop3Driver.RunAsync(quit, login + "DELE 1\r\nDELE 3\r\nQUIT\r\nSTAT\r\n");
        Assert.EndsWith("+OK pop.test POP3 MailAdmin signing off (1 message left)\r\n", output);
        Assert.Equal(2, deleted);
        var left = store.ListMessages(Pop3Fixtures.Alice, "INBOX");
        Assert.Single(left);
        Assert.Equal("Subject: dots", Encoding.ASCII.GetString(await store.ReadMessageAsync(Pop3Fixtures.Alice, "INBOX", left[0].Uid)).Split("\r\n")[0]);
    }

    [Fact]
    public async Task SizesMatchTheOctetsRetrieved()
    {
        using var store = await Pop3Fixtures.StoreAsync(Pop3Fixtures.First, Pop3Fixtures.Dotted, Pop3Fixtures.BareLf);
        var session = NewSession(store);
        using var d = new Pop3Driver(session, greet: false);
        await d.FeedAsync(Encoding.ASCII.GetBytes("USER alice@example.com\r\nPASS " + Pop3Fixtures.Password + "\r\nLIST\r\n"));
        var listing = d.Output.Split("\r\n").SkipWhile(l => !l.StartsWith("+OK 3 messages")).Skip(1).TakeWhile(l => l != ".").ToList();
        Assert.Equal(3, listing.Count);
        for (int i = 1; i <= 3; i++)
        {
            using var one = new Pop3Driver(session, greet: false);
            await one.FeedAsync(Encoding.ASCII.GetBytes("RETR " + i + "\r\n"));
            var raw = Encoding.ASCII.GetBytes(one.Output);
            int firstLine = Array.IndexOf(raw, (byte)'\n') + 1;
            var body = Pop3MessageEncoder.Decode(raw.AsSpan(firstLine));
            long listed = long.Parse(listing[i - 1].Split(' ')[1]);
            Assert.Equal(listed, body.Length);
            Assert.Equal("+OK " + listed + " octets", one.Output[..(firstLine - 2)]);
        }
        // The bare-LF message is stored as it came and sent with CRLF.
        Assert.NotEqual(Pop3Fixtures.BareLf.Length, long.Parse(listing[2].Split(' ')[1]));
        Assert.Equal(Pop3Fixtures.BareLf.Replace("\n", "\r\n").Length + 2, long.Parse(listing[2].Split(' ')[1]));
    }

    [Fact]
    public async Task UidlIsUidValidityDotUid()
    {
        using var store = await Pop3Fixtures.StoreAsync(Pop3Fixtures.First, Pop3Fixtures.Dotted);
        var status = store.GetFolderStatus(Pop3Fixtures.Alice, "INBOX");
        var uids = store.ListMessages(Pop3Fixtures.Alice, "INBOX").Select(m => m.Uid).ToList();
        var output = await Pop3Driver.RunAsync(NewSession(store), "USER alice@example.com\r\nPASS " + Pop3Fixtures.Password + "\r\nUIDL\r\nUIDL 2\r\nUIDL 3\r\n");
        Assert.Contains($"+OK Unique-id listing follows\r\n1 {status.UidValidity}.{uids[0]}\r\n2 {status.UidValidity}.{uids[1]}\r\n.\r\n", output);
        Assert.Contains($"+OK 2 {status.UidValidity}.{uids[1]}\r\n", output);
        Assert.EndsWith("-ERR No such message\r\n", output);
    }
}
