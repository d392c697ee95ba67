using System.Security.Cryptography;
using System.Text;
using MailAdmin.Client;
using MailAdmin.Delivery;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Xunit;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>
/// The content reaches the next hop byte for byte as queued: the receiving server's stored
/// bytes are its own trace lines followed by exactly what we queued (a message without a final
/// line end gains the CRLF that SMTP requires, nothing else), and a DKIM signature still verifies.
/// </summary>
public class TransportContentTests
{
    private static readonly Encoding Latin1 = Encoding.Latin1;

    private static byte[] Odd() => Latin1.GetBytes(
        "Received: from client.test by us.test; Wed, 2 Dec 2026 14:00:00 +0000\r\n" +
        "From: a@us.test\r\nTo: b@peer.test\r\nSubject: =?iso-8859-1?q?caf=E9?=\r\n" +
        "X-Folded: one\r\n\tcontinued  \r\n" +
        "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
        new string('x', 1500) + "\r\n" +
        "caf\u00e9 \u00ff\u00fe raw 8-bit\r\n" +
        ".\r\n" +
        "..two dots\r\n" +
        ".leading dot\r\n" +
        "trailing spaces   \r\n" +
        "\r\n\r\n" +
        "no final line end.");

    private static byte[] Multipart() => Encoding.ASCII.GetBytes(
        "Received: from client.test by us.test; Wed, 2 Dec 2026 14:00:00 +0000\r\n" +
        "From: a@us.test\r\nTo: b@peer.test\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
        "preamble\r\n--b1  \r\nContent-Type: text/plain\r\n\r\npart one\r\n.\r\n--b1\r\n\r\nno headers part\r\n--b1--\r\nepilogue\r\n");

    [Fact]
    public async Task Odd_contents_arrive_byte_for_byte_over_one_connection()
    {
        await using var peer = await TransportPeer.StartAsync();
        var contents = new[] { Odd(), Multipart(), Encoding.ASCII.GetBytes(".starts with a dot\r\n\r\n."), Signed(out _) };
        using (var connection = await ConnectAsync(peer.Port))
            foreach (var content in contents)
                Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@peer.test"), content)).Delivered);
        Assert.Equal(1, peer.Connections);

        var stored = peer.Backend.Messages.Select(m => m.Content).ToArray();
        Assert.Equal(contents.Length, stored.Length);
        for (var i = 0; i < contents.Length; i++)
        {
            var expected = EndsWithCrLf(contents[i]) ? contents[i] : contents[i].Concat(new byte[] { 13, 10 }).ToArray();
            var trace = AssertEndsWith(expected, stored[i]);
            // Before our bytes: only the peer's own Return-Path and Received lines.
            Assert.Matches(@"^Return-Path: <a@us\.test>\r\nReceived: from us\.test [^\r\n]*\r\n(\t[^\r\n]*\r\n)*$", trace);
        }
    }

    [Fact]
    public async Task A_dkim_signature_still_verifies_at_the_next_hop()
    {
        await using var peer = await TransportPeer.StartAsync();
        var content = Signed(out var locator);
        using (var connection = await ConnectAsync(peer.Port))
            Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@peer.test"), content)).Delivered);
        var message = MimeMessage.Load(new MemoryStream(peer.Backend.Single().Content));
        var signature = message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)];
        Assert.True(await new DkimVerifier(locator).VerifyAsync(message, signature));
    }

    [Fact]
    public void The_dot_stuffer_doubles_leading_dots_and_ends_with_crlf()
    {
        Assert.Equal("..a\r\n..\r\nb.c\n..d\r\n", Stuff(".a\r\n.\r\nb.c\n.d"));
        Assert.Equal("x\r\n", Stuff("x\r\n"));
        Assert.Equal("", Stuff(""));
        // Split anywhere: the line start carries over between writes.
        var stuffer = new SmtpDotStuffer();
        var output = new byte[16];
        var first = stuffer.Stuff(Encoding.ASCII.GetBytes("a\r\n"), 3, output);
        var second = stuffer.Stuff(Encoding.ASCII.GetBytes(".b"), 2, output);
        Assert.Equal("..b", Encoding.ASCII.GetString(output, 0, second));
    }

    private static string Stuff(string text)
    {
        var input = Encoding.ASCII.GetBytes(text);
        var stuffer = new SmtpDotStuffer();
        var output = new byte[input.Length * 2 + 2];
        var n = stuffer.Stuff(input, input.Length, output);
        var tail = new byte[2];
        var t = stuffer.Finish(tail);
        return Encoding.ASCII.GetString(output, 0, n) + Encoding.ASCII.GetString(tail, 0, t);
    }

    private static Task<IOutboundConnection> ConnectAsync(int port) =>
        new SmtpOutboundTransport(Outbound.Options(o => { o.Smarthost = "127.0.0.1:" + port; o.SmarthostSecurity = MailSecurity.None; }))
            .ConnectAsync("peer.test", CancellationToken.None);

    private static bool EndsWithCrLf(byte[] data) => data.Length >= 2 && data[^2] == 13 && data[^1] == 10;

    /// <summary>Asserts <paramref name="actual"/> ends with <paramref name="expected"/>; returns what comes before, as text.</summary>
    private static string AssertEndsWith(byte[] expected, byte[] actual)
    {
        Assert.True(actual.Length >= expected.Length, $"stored {actual.Length} bytes, queued {expected.Length}");
        var tail = actual.AsSpan(actual.Length - expected.Length).ToArray();
        if (!tail.SequenceEqual(expected))
        {
            var at = Enumerable.Range(0, expected.Length).First(i => tail[i] != expected[i]);
            Assert.Fail($"content differs at byte {at}: queued '{Latin1.GetString(expected, at, Math.Min(40, expected.Length - at))}', stored '{Latin1.GetString(tail, at, Math.Min(40, tail.Length - at))}'");
        }
        return Latin1.GetString(actual, 0, actual.Length - expected.Length);
    }

    /// <summary>A DKIM-signed message (relaxed headers, simple body) behind our Received line, as the queue holds it.</summary>
    private static byte[] Signed(out IDkimPublicKeyLocator locator)
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportRSAPrivateKeyPem();
        locator = new KeyLocator("v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("A", "a@us.test"));
        message.To.Add(new MailboxAddress("B", "b@peer.test"));
        message.Subject = "signed";
        message.Body = new TextPart("plain") { Text = "Signed body.\r\n.\r\n..\r\nA " + new string('y', 1200) + "\r\n" };
        var signer = new DkimSigner(new MemoryStream(Encoding.ASCII.GetBytes(pem)), "us.test", "sel")
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Simple,
        };
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.Prepare(EncodingConstraint.None);
        signer.Sign(format, message, new[] { "From", "To", "Subject", "Date", "Message-ID" });
        using var output = new MemoryStream();
        output.Write(Encoding.ASCII.GetBytes("Received: from client.test by us.test; Wed, 2 Dec 2026 14:00:00 +0000\r\n"));
        message.WriteTo(format, output);
        return output.ToArray();
    }

    private sealed class KeyLocator : DkimPublicKeyLocatorBase
    {
        private readonly string _record;
        public KeyLocator(string record) => _record = record;
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            GetPublicKey(_record);
        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(GetPublicKey(_record));
    }
}
