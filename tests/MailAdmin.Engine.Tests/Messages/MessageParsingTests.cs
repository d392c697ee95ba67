using System.Text;
using MailAdmin.Messages;
using Xunit;

namespace MailAdmin.Engine.Tests.Messages;

public class MessageParsingTests
{
    [Theory]
    [InlineData("")]
    [InlineData("\n\nbody only")]
    [InlineData("no colon on the first line\nSubject: x\n\nbody")]
    [InlineData(": empty field name\n\nbody")]
    [InlineData("\u00ff\u00d8\u00ff\u00e0 JFIF")]
    public void Data_that_does_not_begin_with_a_header_is_refused(string text)
    {
        Assert.Throws<MessageFormatException>(() => MailMessage.FromBytes(Encoding.Latin1.GetBytes(text)));
    }

    [Theory]
    [InlineData("Subject: hi\n\nbody")]
    [InlineData("X-Weird-But-Legal!#$%: value\n\n")]
    [InlineData("Subject : obsolete space before colon\n\nbody")]
    public void Data_that_begins_with_a_header_is_a_message(string text)
    {
        var message = MailMessage.FromBytes(Encoding.ASCII.GetBytes(text));
        Assert.Equal(text.Length, message.Size);
    }

    [Fact]
    public void Bytes_are_kept_exactly_as_given()
    {
        var raw = Encoding.ASCII.GetBytes("Subject:  odd   spacing\r\nX-A: 1\n\nmixed\r\nline endings\n");
        var message = MailMessage.FromBytes(raw);
        Assert.Equal(raw, message.GetBytes());
        Assert.Equal("odd   spacing", message.Subject.Trim());
    }

    [Fact]
    public void Builder_writes_idn_domains_as_a_labels_and_utf8_names_as_encoded_words()
    {
        var message = MessageBuilder.Build(new MessageSpec
        {
            From = "Jörg <jorg@bücher.example>",
            To = { "ann@例え.jp" },
            Subject = "Grüße",
            Body = "Ünïcödé",
        });
        var text = Encoding.ASCII.GetString(message.GetBytes());
        Assert.Contains("jorg@xn--bcher-kva.example", text);
        Assert.Contains("ann@xn--r8jz45g.jp", text);
        Assert.Contains("Subject: =?utf-8?", text);
        Assert.DoesNotContain(message.GetBytes(), b => b > 127);
        Assert.EndsWith("@xn--bcher-kva.example", message.MessageId);
        Assert.Equal("Grüße", MailMessage.FromBytes(message.GetBytes()).Subject);
    }

    [Fact]
    public void From_line_uses_asctime_with_a_padded_day()
    {
        var line = MboxWriter.FormatFromLine("<a@b.example>", new DateTimeOffset(2026, 11, 3, 9, 5, 7, TimeSpan.FromHours(2)));
        Assert.Equal("From a@b.example Tue Nov  3 07:05:07 2026", line);
        Assert.Equal("From MAILER-DAEMON Thu Jan  1 00:00:00 1970", MboxWriter.FormatFromLine("", DateTimeOffset.UnixEpoch));
    }
}
