using MailAdmin.Messages.Attachments;
using Xunit;

namespace MailAdmin.Engine.Tests.Attachments;

public class UuDecoderTests
{
    [Theory]
    [InlineData("hello.txt")]
    [InlineData("rle-sample.bin")]
    [InlineData("runs.bin")]
    public void Decodes_the_real_uuencode_output_to_the_original_bytes(string name)
    {
        var content = UuDecoder.Decode(Fixtures.Text(name + ".uue"), out var fileName);
        Assert.Equal(name, fileName);
        Assert.Equal(Fixtures.Bytes(name), content);
    }

    [Fact]
    public void Reads_the_old_space_form_and_stripped_trailing_spaces()
    {
        // "Hi!A" then two zero bytes: the last group ends in zeros, which old encoders wrote
        // as spaces and mail software strips.
        var backtick = UuDecoder.Decode("begin 644 a\n&2&DA00``\n`\nend\n", out _);
        var spaces = UuDecoder.Decode("begin 644 a\n&2&DA00\n \nend\n", out _);
        Assert.Equal(new byte[] { 0x48, 0x69, 0x21, 0x41, 0, 0 }, backtick);
        Assert.Equal(backtick, spaces);
    }

    [Fact]
    public void A_block_without_end_is_truncated()
    {
        var text = Fixtures.Text("rle-sample.bin.uue");
        var cut = text.Substring(0, text.LastIndexOf('\n', text.Length / 2) + 1);
        var ex = Assert.Throws<AttachmentFormatException>(() => UuDecoder.Decode(cut, out _));
        Assert.Contains("truncated", ex.Message);
        Assert.Equal("rle-sample.bin", ex.FileName);
    }

    [Fact]
    public void A_line_much_shorter_than_its_count_fails()
    {
        Assert.Throws<AttachmentFormatException>(() => UuDecoder.Decode("begin 644 a\nM86)C\n`\nend\n", out _));
    }

    [Fact]
    public void A_character_uuencode_never_writes_fails()
    {
        Assert.Throws<AttachmentFormatException>(() => UuDecoder.Decode("begin 644 a\n#86)c\n`\nend\n", out _));
    }

    [Theory]
    [InlineData("begin 644 report.pdf", true, "report.pdf")]
    [InlineData("begin 0755 my file.txt  ", true, "my file.txt")]
    [InlineData("begin here is the plan", false, "")]
    [InlineData("begin 644", false, "")]
    public void Recognises_begin_lines(string line, bool expected, string name)
    {
        Assert.Equal(expected, UuDecoder.TryParseBegin(line, out var fileName));
        Assert.Equal(name, fileName);
    }
}
