using System.Text;
using MailAdmin.Messages;
using MailAdmin.Messages.Attachments;
using MimeKit;
using Xunit;

namespace MailAdmin.Engine.Tests.Attachments;

public class AttachmentFinderTests
{
    private static MailMessage PlainMessage(string body) =>
        MailMessage.FromBytes(Encoding.Latin1.GetBytes("From: old@example.com\r\nSubject: legacy\r\n\r\n" + body));

    [Fact]
    public void Finds_several_uuencoded_blocks_in_prose()
    {
        var body = "Hi,\n\nhere are the files.\n\n" + Fixtures.Text("hello.txt.uue") + "\nand the binary one:\n\n"
                   + Fixtures.Text("rle-sample.bin.uue") + "\nbegin the meeting at ten.\n-- \nBob\n";
        var scan = AttachmentFinder.Find(PlainMessage(body));

        Assert.Empty(scan.Problems);
        Assert.Equal(new[] { "hello.txt", "rle-sample.bin" }, scan.Attachments.Select(a => a.FileName));
        Assert.All(scan.Attachments, a => Assert.Equal(AttachmentEncoding.Uuencode, a.Encoding));
        Assert.All(scan.Attachments, a => Assert.Equal(AttachmentDisposition.Attachment, a.Disposition));
        Assert.Equal(Fixtures.Bytes("hello.txt"), scan.Attachments[0].GetContent());
        Assert.Equal(Fixtures.Bytes("rle-sample.bin"), scan.Attachments[1].GetContent());
        Assert.Equal(Fixtures.Bytes("rle-sample.bin").Length, scan.Attachments[1].Size);
        Assert.Equal("text/plain", scan.Attachments[0].ContentType);
    }

    [Fact]
    public void A_broken_block_is_reported_and_the_next_one_still_found()
    {
        var broken = Fixtures.Text("rle-sample.bin.uue");
        broken = broken.Substring(0, broken.LastIndexOf('\n', broken.Length / 2) + 1); // no 'end': runs into the next block
        var body = "first:\n" + broken + Fixtures.Text("hello.txt.uue") + "bye\n";
        var scan = AttachmentFinder.Find(PlainMessage(body));

        var problem = Assert.Single(scan.Problems);
        Assert.Equal("rle-sample.bin", problem.FileName);
        var attachment = Assert.Single(scan.Attachments);
        Assert.Equal(Fixtures.Bytes("hello.txt"), attachment.GetContent());
    }

    [Fact]
    public void Finds_binhex_pasted_in_a_body()
    {
        var body = "The Mac file:\n\n" + Fixtures.Text("runs.bin.hqx") + "\nthanks\n" + Fixtures.Text("hello.txt.uue");
        var scan = AttachmentFinder.Find(PlainMessage(body));

        Assert.Empty(scan.Problems);
        Assert.Equal(2, scan.Attachments.Count);
        var binhex = scan.Attachments[0];
        Assert.Equal(AttachmentEncoding.BinHex, binhex.Encoding);
        Assert.Equal("runs.bin", binhex.FileName);
        Assert.Equal(Fixtures.Bytes("runs.bin"), binhex.GetContent());
        Assert.Equal(AttachmentEncoding.Uuencode, scan.Attachments[1].Encoding);
    }

    [Fact]
    public void A_corrupt_binhex_block_is_a_problem_not_wrong_bytes()
    {
        var hqx = TestBinHex.Text(TestBinHex.Rle(TestBinHex.Container("bad.bin", new byte[] { 1, 2, 3 }, corruptCrc: 1)));
        var body = hqx + "\n" + Fixtures.Text("hello.txt.uue");
        var scan = AttachmentFinder.Find(PlainMessage(body));

        var problem = Assert.Single(scan.Problems);
        Assert.Equal(AttachmentEncoding.BinHex, problem.Encoding);
        Assert.Equal("bad.bin", problem.FileName);
        Assert.Equal("hello.txt", Assert.Single(scan.Attachments).FileName);
    }

    [Fact]
    public void Finds_mime_attachments_inline_images_binhex_parts_and_nested_messages()
    {
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.4 fake\n").Concat(Enumerable.Range(0, 300).Select(i => (byte)i)).ToArray();
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x90, 0x00, 0xFF };

        var inner = new MimeMessage();
        inner.From.Add(MailboxAddress.Parse("inner@example.com"));
        inner.Subject = "Forwarded one";
        inner.Body = new TextPart("plain") { Text = "inner body" };

        var builder = new BodyBuilder { TextBody = "See attached.", HtmlBody = "<p>logo <img src=\"cid:logo@x\"></p>" };
        var logo = builder.LinkedResources.Add("logo.png", png, ContentType.Parse("image/png"));
        logo.ContentId = "logo@x";
        builder.Attachments.Add("report.pdf", pdf, ContentType.Parse("application/pdf"));
        builder.Attachments.Add(new MessagePart { Message = inner });
        var hqx = new MimePart("application", "mac-binhex40")
        {
            Content = new MimeContent(new MemoryStream(Fixtures.Bytes("hello.txt.hqx"))),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) { FileName = "hello.txt.hqx" },
            ContentTransferEncoding = ContentEncoding.SevenBit,
        };
        builder.Attachments.Add(hqx);

        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse("a@example.com"));
        mime.Subject = "mixed";
        mime.Body = builder.ToMessageBody();
        var message = MailMessage.FromBytes(MailMessage.FromMimeMessage(mime).GetBytes());

        var scan = AttachmentFinder.Find(message);
        Assert.Empty(scan.Problems);
        var byName = scan.Attachments.ToDictionary(a => a.FileName);
        Assert.Equal(new[] { "Forwarded one.eml", "hello.txt", "logo.png", "report.pdf" }, byName.Keys.OrderBy(k => k, StringComparer.Ordinal));

        Assert.Equal(pdf, byName["report.pdf"].GetContent());
        Assert.Equal("application/pdf", byName["report.pdf"].ContentType);
        Assert.Equal(AttachmentDisposition.Attachment, byName["report.pdf"].Disposition);
        Assert.Equal(AttachmentEncoding.Mime, byName["report.pdf"].Encoding);
        Assert.Same(message, byName["report.pdf"].Message);

        Assert.Equal(png, byName["logo.png"].GetContent());
        Assert.Equal(AttachmentDisposition.Inline, byName["logo.png"].Disposition);
        Assert.Equal("logo@x", byName["logo.png"].ContentId);

        var nested = byName["Forwarded one.eml"];
        Assert.Equal("message/rfc822", nested.ContentType);
        Assert.Equal("Forwarded one", MailMessage.FromBytes(nested.GetContent()).Subject);

        Assert.Equal(AttachmentEncoding.BinHex, byName["hello.txt"].Encoding);
        Assert.Equal(Fixtures.Bytes("hello.txt"), byName["hello.txt"].GetContent());
    }

    [Fact]
    public void A_plain_message_has_no_attachments()
    {
        var scan = AttachmentFinder.Find(PlainMessage("Just text.\nbegin 644\nend\n"));
        Assert.Empty(scan.Attachments);
        Assert.Empty(scan.Problems);
    }

    [Fact]
    public void Content_is_a_copy()
    {
        var scan = AttachmentFinder.Find(PlainMessage(Fixtures.Text("hello.txt.uue")));
        var attachment = scan.Attachments.Single();
        attachment.GetContent()[0] ^= 0xFF;
        Assert.Equal(Fixtures.Bytes("hello.txt"), attachment.GetContent());
    }
}
