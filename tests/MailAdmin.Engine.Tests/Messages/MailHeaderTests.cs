using System.Text;
using MailAdmin.Messages;
using Xunit;

namespace MailAdmin.Engine.Tests.Messages;

public class MailHeaderTests
{
    [Fact]
    public void Fields_come_in_order_with_raw_and_decoded_values()
    {
        var text = "Received: from a.example\r\n\tby b.example; Mon, 5 Jan 2026 10:00:00 +0000\r\n" +
                   "Subject: =?UTF-8?B?w4RyZ2VyIMO8YmVy?=\r\n =?ISO-8859-1?Q?_Gr=FC=DFe?=\r\n" +
                   "Content-Type: text/plain; name*=utf-8''%E2%82%AC%20rates.txt\r\n" +
                   "X-Raw: caf\u00e9\r\n\r\nbody\r\n";
        var message = MailMessage.FromBytes(Encoding.UTF8.GetBytes(text));
        var headers = MailHeader.FromMessage(message);
        Assert.Equal(new[] { "Received", "Subject", "Content-Type", "X-Raw" }, headers.Select(h => h.Name));
        Assert.Equal(new[] { 0, 1, 2, 3 }, headers.Select(h => h.Index));
        Assert.Equal("from a.example\r\n\tby b.example; Mon, 5 Jan 2026 10:00:00 +0000", headers[0].RawValue);
        // Folding whitespace reads as one space in the decoded value (issue 13: no tab in To).
        Assert.Equal("from a.example by b.example; Mon, 5 Jan 2026 10:00:00 +0000", headers[0].Value);
        Assert.Equal("=?UTF-8?B?w4RyZ2VyIMO8YmVy?=\r\n =?ISO-8859-1?Q?_Gr=FC=DFe?=", headers[1].RawValue);
        Assert.Equal("Ärger über Grüße", headers[1].Value);
        Assert.Equal("text/plain; name=\"€ rates.txt\"", headers[2].Value);
        Assert.Equal("café", headers[3].RawValue);
        Assert.Same(message, headers[3].Message);
    }

    [Fact]
    public void Raw_bytes_that_are_not_utf8_are_kept_one_character_per_byte()
    {
        var bytes = Encoding.ASCII.GetBytes("X-Legacy: caf?\r\n\r\nbody\r\n");
        bytes[13] = 0xE9;
        var header = MailHeader.FromMessage(MailMessage.FromBytes(bytes)).Single();
        Assert.Equal("caf\u00e9", header.RawValue);
    }
}
