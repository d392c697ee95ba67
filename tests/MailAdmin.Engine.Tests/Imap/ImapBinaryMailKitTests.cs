using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// MailKit as a real client while BINARY and IMAP4rev2 are advertised. MailKit 4.18.2 parses both
/// capabilities but fetches parts with BODY.PEEK (it has no BINARY fetch) and APPENDs binary parts
/// in an ordinary literal, NULs and all: the server must store those as valid MIME.
/// </summary>
public class ImapBinaryMailKitTests
{
    private static byte[] Attachment()
    {
        var bytes = new byte[3000];
        new Random(7).NextBytes(bytes);
        bytes[0] = 0;
        return bytes;
    }

    private static MimeMessage Message(byte[] attachment, ContentEncoding encoding)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("carol@example.org"));
        message.To.Add(MailboxAddress.Parse(ImapTestServer.Alice));
        message.Subject = "binary";
        var text = new TextPart("plain") { Text = "Grüße, café — quoted-printable\r\n" };
        text.ContentTransferEncoding = ContentEncoding.QuotedPrintable;
        var file = new MimePart("application", "octet-stream")
        {
            FileName = "data.bin",
            Content = new MimeContent(new MemoryStream(attachment)),
            ContentTransferEncoding = encoding,
        };
        message.Body = new Multipart("mixed") { text, file };
        return message;
    }

    private static async Task<(ImapClient Client, MemoryStream Log)> ConnectAsync(ImapTestServer s)
    {
        var log = new MemoryStream();
        var client = new ImapClient(new ProtocolLogger(log, leaveOpen: true)) { Timeout = 10_000, ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", s.Port, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(ImapTestServer.Alice, ImapTestServer.Password);
        return (client, log);
    }

    private static string Text(MemoryStream log) => Encoding.Latin1.GetString(log.ToArray());

    [Fact]
    public async Task MailKitReadsBase64AndQuotedPrintableParts()
    {
        await using var s = await ImapTestServer.StartAsync(tls: true);
        var attachment = Attachment();
        using (var raw = new MemoryStream())
        {
            Message(attachment, ContentEncoding.Base64).WriteTo(raw);
            await s.Store.DeliverAsync(ImapTestServer.Alice, "INBOX", raw.ToArray(), DateTimeOffset.UtcNow);
        }
        var (client, log) = await ConnectAsync(s);
        using var _ = client;
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Binary));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.IMAP4rev2));
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var summary = (await inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.BodyStructure)).Single();
        var parts = summary.BodyParts.ToList();
        var file = (MimePart)await inbox.GetBodyPartAsync(summary.UniqueId, parts.Single(p => p.FileName == "data.bin"));
        var decoded = new MemoryStream();
        await file.Content!.DecodeToAsync(decoded);
        Assert.Equal(attachment, decoded.ToArray());
        var text = (TextPart)await inbox.GetBodyPartAsync(summary.UniqueId, parts.Single(p => p.ContentType.MimeType == "text/plain"));
        // MimeKit wrote the message with this platform's line breaks; the text itself must survive.
        Assert.Equal("Grüße, café — quoted-printable", text.Text.TrimEnd('\r', '\n'));
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task MailKitAppendOfABinaryPartComesBackIntact()
    {
        await using var s = await ImapTestServer.StartAsync(tls: true);
        var attachment = Attachment();
        var (client, log) = await ConnectAsync(s);
        using var _ = client;
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uid = await inbox.AppendAsync(Message(attachment, ContentEncoding.Binary));
        Assert.NotNull(uid);

        // Stored as valid MIME: no NUL, the binary part re-encoded.
        var stored = await s.Store.ReadMessageAsync(ImapTestServer.Alice, "INBOX", uid!.Value.Id);
        Assert.True(Array.IndexOf(stored, (byte)0) < 0, "a NUL was stored; the APPEND was: " + Text(log).Split("APPEND INBOX")[1][..60]);

        var summary = (await inbox.FetchAsync(new[] { uid.Value }, MessageSummaryItems.UniqueId | MessageSummaryItems.BodyStructure)).Single();
        var file = (MimePart)await inbox.GetBodyPartAsync(uid.Value, summary.BodyParts.Single(p => p.FileName == "data.bin"));
        var decoded = new MemoryStream();
        await file.Content!.DecodeToAsync(decoded);
        Assert.Equal(attachment, decoded.ToArray());
        await client.DisconnectAsync(true);
    }
}
