using System.Buffers;
using System.Text;
using MailAdmin.Protocols.Imap;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// BINARY (RFC 3516): FETCH BINARY[...] decodes base64 and quoted-printable, BINARY.SIZE, literal8
/// for content with NULs, UNKNOWN-CTE, and APPEND of literal8 content (binary parts stored as base64).
/// The messages and expected answers follow imaptest's fetch-binary-mime-* and append-binary scripts.
/// </summary>
public class ImapBinaryTests
{
    private static readonly Encoding Latin1 = Encoding.Latin1;

    /// <summary>A session without a socket; output read as Latin-1 so every byte is visible.</summary>
    private sealed class Driver : IDisposable
    {
        public readonly ImapSession Session;
        private readonly ImapCommandReader _reader = new();

        public Driver(IMailStore store)
            => Session = new ImapSession(new ImapSessionSettings { AllowInsecureAuth = true, AuthFailureDelay = TimeSpan.Zero }, store, false);

        public Task<string> RunAsync(string line) => RunAsync(Latin1.GetBytes(line + "\r\n"));

        public async Task<string> RunAsync(byte[] bytes)
        {
            var buffer = new ReadOnlySequence<byte>(bytes);
            while (true)
            {
                var r = _reader.TryRead(ref buffer);
                if (r.Status == ImapReadStatus.Command) { await Session.ExecuteAsync(r.Command!, CancellationToken.None); break; }
                if (r.Status == ImapReadStatus.Error) { Session.ReadError(r); break; }
                if (r.Status != ImapReadStatus.Continue) throw new InvalidOperationException(r.Status.ToString());
            }
            var text = Latin1.GetString(Session.Output.ToArray());
            Session.Output.SetLength(0);
            return text;
        }

        public void Dispose() => Session.Dispose();
    }

    /// <summary>Contains, showing the whole response (with control characters escaped) when it fails.</summary>
    private static void Has(string response, string expected)
        => Assert.True(response.Contains(expected, StringComparison.Ordinal), "expected " + Show(expected) + "\nin " + Show(response));

    private static string Show(string s) => s.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\0", "\\0").Replace("\t", "\\t");

    private static async Task<(InMemoryStore Store, Driver Driver)> SelectedWithAsync(params string[] messages)
    {
        var store = new InMemoryStore(1000);
        await store.Accounts.AddAsync(ImapTestServer.Alice, ImapTestServer.Password);
        foreach (var m in messages) await store.DeliverAsync(ImapTestServer.Alice, "INBOX", Latin1.GetBytes(m.Replace("\n", "\r\n")), DateTimeOffset.UtcNow);
        var d = new Driver(store);
        Assert.Contains("a OK", await d.RunAsync("a LOGIN alice@example.com secret"));
        Assert.Contains("b OK", await d.RunAsync("b SELECT INBOX"));
        return (store, d);
    }

    private const string Base64Message = """
        From: user@domain.org
        Mime-Version: 1.0
        Content-Type: multipart/mixed; boundary="foo bar"

        --foo bar
        Content-Type: text/x-myown; charset=us-ascii
        Content-Transfer-Encoding: base64


        aGVs
        bG8gd29y
        bGQ=

        --foo bar
        Content-Type: text/x-myown
        Content-Transfer-Encoding: base64

          aGVs    
         bG8g  
           d29y  	 
            bGQ= 


        --foo bar
        Content-Type: application/octet-stream
        Content-Transfer-Encoding: BASE64

        YWJjZGVmZw1oaWprbA0KbW5vCnBxcnN0dXZxeHl6
        --foo bar
        Content-Type: application/octet-stream
        Content-Transfer-Encoding: base64

        AGFiAA==
        --foo bar--
        """;

    private const string QpMessage = "From: user@domain.org\nMime-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
        + "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
        + "hello  \nbar=\n\nfoo\t=\nbar\nfoo\t \t= \n=62\nfoo = \t\nbar\nfoo =\n=62\nfoo  \nbar=\n\nfoo_bar\n\n--b\n"
        + "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\ncaf\u00e9\n\n--b\n"
        + "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n\n--b--\n";

    [Fact]
    public async Task Base64PartsAreDecodedWhiteSpaceAndAll()
    {
        var (store, d) = await SelectedWithAsync(Base64Message);
        using var _ = store; using var __ = d;
        var r = await d.RunAsync("c FETCH 1 (BINARY.SIZE[1] BINARY.SIZE[2] BINARY.PEEK[1] BINARY.PEEK[2])");
        Has(r, "BINARY.SIZE[1] 11 BINARY.SIZE[2] 11 BINARY[1] {11}\r\nhello world BINARY[2] {11}\r\nhello world)");
        Has(r, "c OK");
        r = await d.RunAsync("c FETCH 1 (BINARY.PEEK[3] BINARY.PEEK[3]<5.10>)");
        Has(r, "BINARY[3] {30}\r\nabcdefg\rhijkl\r\nmno\npqrstuvqxyz BINARY[3]<5> {10}\r\nfg\rhijkl\r\n)");
    }

    [Fact]
    public async Task ContentWithNulGoesAsLiteral8()
    {
        var (store, d) = await SelectedWithAsync(Base64Message);
        using var _ = store; using var __ = d;
        var r = await d.RunAsync("c FETCH 1 (BINARY.PEEK[4] BINARY.SIZE[4] BINARY.PEEK[4]<1.2>)");
        Has(r, "BINARY[4] ~{4}\r\n\0ab\0 BINARY.SIZE[4] 4 BINARY[4]<1> {2}\r\nab)");
    }

    [Fact]
    public async Task QuotedPrintableFollowsRfc2045()
    {
        var (store, d) = await SelectedWithAsync(QpMessage);
        using var _ = store; using var __ = d;
        var r = await d.RunAsync("c FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1] BINARY.PEEK[2])");
        const string decoded = "hello\r\nbar\r\nfoo\tbar\r\nfoo\t \tb\r\nfoo bar\r\nfoo b\r\nfoo\r\nbar\r\nfoo_bar\r\n";
        Assert.Equal(65, decoded.Length);
        Has(r, "BINARY.SIZE[1] 65 BINARY[1] {65}\r\n" + decoded + " BINARY[2] {6}\r\ncaf\u00e9\r\n)");
    }

    [Fact]
    public async Task UnknownEncodingIsNoUnknownCte()
    {
        var (store, d) = await SelectedWithAsync(QpMessage);
        using var _ = store; using var __ = d;
        var r = await d.RunAsync("c FETCH 1 (BINARY.PEEK[3])");
        Assert.StartsWith("c NO [UNKNOWN-CTE]", r);
        // BINARY.SIZE needs the decoding too; BODY[3] is fine.
        Assert.StartsWith("c NO [UNKNOWN-CTE]", await d.RunAsync("c FETCH 1 (BINARY.SIZE[3])"));
        Assert.Contains("c OK", await d.RunAsync("c FETCH 1 (BODY.PEEK[3])"));
    }

    [Fact]
    public async Task BinarySetsSeenUnlessPeekOrSize()
    {
        var (store, d) = await SelectedWithAsync(QpMessage);
        using var _ = store; using var __ = d;
        Assert.DoesNotContain("\\Seen", await d.RunAsync("c FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])"));
        Assert.Contains("FLAGS (\\Seen", await d.RunAsync("c FETCH 1 (BINARY[2])"));
    }

    [Theory]
    [InlineData("BINARY[1.TEXT]")]
    [InlineData("BINARY[HEADER]")]
    [InlineData("BINARY.SIZE[1]<0.5>")]
    [InlineData("BINARY[0]")]
    [InlineData("BINARY[1]<5>")]
    public async Task InvalidSectionsAreBad(string item)
    {
        var (store, d) = await SelectedWithAsync(QpMessage);
        using var _ = store; using var __ = d;
        Assert.StartsWith("c BAD", await d.RunAsync("c FETCH 1 (" + item + ")"));
    }

    [Fact]
    public async Task MissingPartAndMultipartParts()
    {
        var (store, d) = await SelectedWithAsync(Base64Message);
        using var _ = store; using var __ = d;
        var r = await d.RunAsync("c FETCH 1 (BINARY.PEEK[9] BINARY.SIZE[9])");
        Has(r, "BINARY[9] {0}\r\n BINARY.SIZE[9] 0");
        // BINARY[]: the whole message, every encoded leaf decoded and relabelled binary (as Dovecot).
        r = await d.RunAsync("c FETCH 1 (BINARY.PEEK[] BINARY.SIZE[])");
        Has(r, "--foo bar\r\nContent-Type: text/x-myown; charset=us-ascii\r\nContent-Transfer-Encoding: binary\r\n\r\nhello world\r\n--foo bar");
        Has(r, "Content-Transfer-Encoding: binary\r\n\r\n\0ab\0\r\n--foo bar--");
        Assert.DoesNotContain("aGVs", r);
        Assert.DoesNotContain("base64", r, StringComparison.OrdinalIgnoreCase);
        var size = System.Text.RegularExpressions.Regex.Match(r, @"BINARY\[\] ~\{(\d+)\}").Groups[1].Value;
        Has(r, "BINARY.SIZE[] " + size + ")");
    }

    [Fact]
    public async Task SinglePartAndEncapsulatedMessagesAreDecodedWhole()
    {
        var (store, d) = await SelectedWithAsync(
            "From: a@b.c\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nab=3D\n",
            "From: a@b.c\nContent-Type: message/rfc822\n\nFrom: x@y.z\nContent-Transfer-Encoding: base64\n\naGk=\n");
        using var _ = store; using var __ = d;
        var r = await d.RunAsync("c FETCH 1:2 (BINARY.PEEK[] BINARY.PEEK[1])");
        Has(r, "* 1 FETCH (BINARY[] {81}\r\nFrom: a@b.c\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n\r\nab=\r\n BINARY[1] {5}\r\nab=\r\n)");
        Has(r, "* 2 FETCH (BINARY[] {97}\r\nFrom: a@b.c\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y.z\r\nContent-Transfer-Encoding: binary\r\n\r\nhi BINARY[1] {52}\r\nFrom: x@y.z\r\nContent-Transfer-Encoding: binary\r\n\r\nhi)");
    }

    [Fact]
    public async Task AppendLiteral8StoresBinaryPartsAsBase64()
    {
        var (store, d) = await SelectedWithAsync();
        using var _ = store; using var __ = d;
        var header = "From: user@domain.org\r\nMime-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n";
        var content = new byte[] { 0, (byte)'-', 0xe4, (byte)'\n', (byte)'\r', (byte)'\n', (byte)'\n' };
        var message = Latin1.GetBytes(header).Concat(content).ToArray();
        var command = Latin1.GetBytes("d APPEND INBOX ~{" + message.Length + "}\r\n").Concat(message).Concat("\r\n"u8.ToArray()).ToArray();
        var r = await d.RunAsync(command);
        Has(r, "d OK [APPENDUID");
        var stored = store.ListMessages(ImapTestServer.Alice, "INBOX").Single();
        var text = Latin1.GetString(await store.ReadMessageAsync(ImapTestServer.Alice, "INBOX", stored.Uid));
        Assert.False(text.Contains((char)0), Show(text));
        Assert.Contains("Content-Transfer-Encoding: base64\r\n\r\n" + Convert.ToBase64String(content), text);
        Assert.DoesNotContain("binary", text, StringComparison.OrdinalIgnoreCase);

        await d.RunAsync("n NOOP");
        r = await d.RunAsync("f FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1] BODY.PEEK[1])");
        Has(r, "BINARY.SIZE[1] 7 BINARY[1] ~{7}\r\n" + Latin1.GetString(content) + " BODY[1] {14}\r\n" + Convert.ToBase64String(content) + "\r\n)");
    }

    [Fact]
    public async Task AppendLiteral8InsideMultipartConvertsOnlyTheBinaryPart()
    {
        var (store, d) = await SelectedWithAsync();
        using var _ = store; using var __ = d;
        var message = Latin1.GetBytes("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nplain text\r\n--x\r\nContent-Type: image/png\r\n\r\n\u0089PNG\0\0\r\n--x--\r\n");
        var command = Latin1.GetBytes("d APPEND INBOX ~{" + message.Length + "+}\r\n").Concat(message).Concat("\r\n"u8.ToArray()).ToArray();
        Assert.Contains("d OK", await d.RunAsync(command));
        await d.RunAsync("n NOOP");
        var r = await d.RunAsync("f FETCH 1 (BODY.PEEK[1] BODY.PEEK[2.MIME] BINARY.PEEK[2])");
        Has(r, "BODY[1] {10}\r\nplain text");
        Has(r, "Content-Transfer-Encoding: base64");
        Has(r, "BINARY[2] ~{6}\r\n\u0089PNG\0\0)");
    }

    [Fact]
    public async Task AppendOfOrdinaryLiteralIsStoredAsSent()
    {
        var (store, d) = await SelectedWithAsync();
        using var _ = store; using var __ = d;
        var message = Latin1.GetBytes("From: a@b.c\r\nContent-Transfer-Encoding: binary\r\n\r\nhello\r\n");
        var command = Latin1.GetBytes("d APPEND INBOX {" + message.Length + "+}\r\n").Concat(message).Concat("\r\n"u8.ToArray()).ToArray();
        Assert.Contains("d OK", await d.RunAsync(command));
        var stored = store.ListMessages(ImapTestServer.Alice, "INBOX").Single();
        Assert.Equal(message, await store.ReadMessageAsync(ImapTestServer.Alice, "INBOX", stored.Uid));
    }

    [Fact]
    public async Task AppendOfOrdinaryLiteralWithNulIsTakenAsBinary()
    {
        var (store, d) = await SelectedWithAsync();
        using var _ = store; using var __ = d;
        var message = Latin1.GetBytes("From: a@b.c\r\nContent-Type: application/octet-stream\r\n\r\nx\0y\r\n");
        var command = Latin1.GetBytes("d APPEND INBOX {" + message.Length + "+}\r\n").Concat(message).Concat("\r\n"u8.ToArray()).ToArray();
        Has(await d.RunAsync(command), "d OK");
        var stored = store.ListMessages(ImapTestServer.Alice, "INBOX").Single();
        var text = Latin1.GetString(await store.ReadMessageAsync(ImapTestServer.Alice, "INBOX", stored.Uid));
        Assert.Contains("Content-Transfer-Encoding: base64\r\n\r\n" + Convert.ToBase64String(Latin1.GetBytes("x\0y\r\n")), text);
    }

    [Fact]
    public async Task BinaryIsAdvertised()
    {
        var (store, d) = await SelectedWithAsync();
        using var _ = store; using var __ = d;
        Assert.Contains(" BINARY", d.Session.Capabilities());
    }
}
