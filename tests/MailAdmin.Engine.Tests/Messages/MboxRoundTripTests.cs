using System.Text;
using MailAdmin.Messages;
using Xunit;

namespace MailAdmin.Engine.Tests.Messages;

public class MboxRoundTripTests
{
    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static List<MboxEntry> WriteAndRead(params byte[][] messages)
    {
        using var mbox = new MemoryStream();
        foreach (var message in messages)
            MboxWriter.Append(mbox, message, "sender@example.com", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        mbox.Position = 0;
        return new MboxReader(mbox).ReadMessages().ToList();
    }

    [Theory]
    [InlineData("Subject: a\n\nbody\n")]
    [InlineData("Subject: a\r\n\r\nbody\r\n")]
    [InlineData("Subject: a\n\nFrom the start\n>From quoted\n>>From twice\n\nFrom after blank\n")]
    [InlineData("Subject: a\r\n\r\nFrom crlf\r\n\r\n>From x\r\n\r\n")]
    [InlineData("Subject: ends with blank lines\n\nbody\n\n\n")]
    [InlineData("Subject: a\n\nFrom\nFrom:\n From \n")]
    public void Messages_read_back_byte_identical(string text)
    {
        var original = Bytes(text);
        var entries = WriteAndRead(original, original, original);
        Assert.Equal(3, entries.Count);
        foreach (var entry in entries)
            Assert.Equal(original, entry.Content);
    }

    [Fact]
    public void From_lines_in_the_body_are_quoted_on_disk()
    {
        using var mbox = new MemoryStream();
        MboxWriter.Append(mbox, Bytes("Subject: a\n\nFrom me\n>From you\n"), "a@b", DateTimeOffset.UnixEpoch);
        var text = Encoding.UTF8.GetString(mbox.ToArray());
        Assert.Equal("From a@b Thu Jan  1 00:00:00 1970\nSubject: a\n\n>From me\n>>From you\n\n", text);
    }

    [Fact]
    public void A_message_without_a_final_newline_gains_one()
    {
        var entries = WriteAndRead(Bytes("Subject: a\n\nno newline"));
        Assert.Equal(Bytes("Subject: a\n\nno newline\n"), entries.Single().Content);
    }

    [Fact]
    public void Reads_an_mbox_written_by_others_without_trailing_blank_line()
    {
        var text = "From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody one\n\nFrom c@d Mon Jan  1 00:00:01 2024\nSubject: two\n\nbody two\n";
        var entries = new MboxReader(new MemoryStream(Bytes(text))).ReadMessages().ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal("Subject: one\n\nbody one\n", Encoding.UTF8.GetString(entries[0].Content));
        Assert.Equal("Subject: two\n\nbody two\n", Encoding.UTF8.GetString(entries[1].Content));
        Assert.Equal("c@d", entries[1].EnvelopeSender);
        Assert.Equal(text.IndexOf("From c@d", StringComparison.Ordinal), entries[1].Offset);
    }

    [Fact]
    public void A_file_that_is_not_an_mbox_is_refused()
    {
        var reader = new MboxReader(new MemoryStream(Bytes("Subject: not an mbox\n\nbody\n")));
        Assert.Throws<MessageFormatException>(() => reader.ReadMessages().ToList());
    }

    [Fact]
    public void Reading_is_streamed_one_message_at_a_time()
    {
        // The reader must hand out the first message before it has read the whole stream.
        var one = Bytes("Subject: x\n\n" + new string('a', 200_000) + "\n");
        using var mbox = new MemoryStream();
        for (int i = 0; i < 20; i++) MboxWriter.Append(mbox, one, "a@b", DateTimeOffset.UnixEpoch);
        mbox.Position = 0;
        var reader = new MboxReader(mbox);
        using var e = reader.ReadMessages().GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.True(reader.Position < mbox.Length / 4, $"read {reader.Position} of {mbox.Length} bytes for the first message");
    }
}
