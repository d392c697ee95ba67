using MailAdmin.Messages.Attachments;
using Xunit;

namespace MailAdmin.Engine.Tests.Attachments;

public class BinHexDecoderTests
{
    [Theory]
    [InlineData("hello.txt")]
    [InlineData("rle-sample.bin")]
    [InlineData("runs.bin")]
    public void Decodes_the_real_binhex_output_to_the_original_bytes(string name)
    {
        var file = BinHexDecoder.Decode(Fixtures.Text(name + ".hqx"));
        Assert.Equal(Fixtures.Bytes(name), file.DataFork);
        Assert.Equal(name, file.FileName);
        Assert.Equal("TEXT", file.FileType);
        Assert.Equal("MACA", file.Creator);
        Assert.Empty(file.ResourceFork);
    }

    [Fact]
    public void The_real_fixtures_exercise_run_length_encoding()
    {
        // Guards the fixtures themselves: without RLE in them the test above would prove less.
        var text = Fixtures.Text("rle-sample.bin.hqx");
        var packed = BinHexDecoder.DecodeCharacters(text, BinHexDecoder.FindDataStart(text, 0), out _);
        int runs = 0, literals = 0;
        for (int i = 0; i + 1 < packed.Length; i++)
        {
            if (packed[i] != 0x90) continue;
            if (packed[i + 1] == 0) literals++; else runs++;
            i++;
        }
        Assert.True(runs >= 3, $"{runs} runs");
        Assert.True(literals >= 5, $"{literals} literal 0x90 bytes");
        Assert.True(BinHexDecoder.ExpandRuns(packed).Length > packed.Length);
    }

    [Fact]
    public void Accepts_the_rfc_1741_banner_and_surrounding_prose()
    {
        var real = Fixtures.Text("hello.txt.hqx");
        var body = real.Substring(real.IndexOf(':'));
        var text = "Here is the file you asked for.\n\n(This file must be converted with BinHex 4.0)\n" + body + "\nRegards\n";
        Assert.Equal(Fixtures.Bytes("hello.txt"), BinHexDecoder.Decode(text).DataFork);
    }

    [Theory]
    [InlineData(new byte[] { 0x41, 0x90, 0x05 }, new byte[] { 0x41, 0x41, 0x41, 0x41, 0x41 })]
    [InlineData(new byte[] { 0x90, 0x00 }, new byte[] { 0x90 })]
    [InlineData(new byte[] { 0x41, 0x90, 0x00, 0x42 }, new byte[] { 0x41, 0x90, 0x42 })]
    [InlineData(new byte[] { 0x90, 0x00, 0x90, 0x04 }, new byte[] { 0x90, 0x90, 0x90, 0x90 })]
    [InlineData(new byte[] { 0x00, 0x90, 0x03, 0x90, 0x00 }, new byte[] { 0x00, 0x00, 0x00, 0x90 })]
    [InlineData(new byte[] { 0x41, 0x90, 0x01 }, new byte[] { 0x41 })]
    [InlineData(new byte[] { 0x41, 0x90, 0x02, 0x42 }, new byte[] { 0x41, 0x41, 0x42 })]
    public void Expands_runs_and_the_literal_marker(byte[] packed, byte[] expected)
    {
        Assert.Equal(expected, BinHexDecoder.ExpandRuns(packed));
    }

    [Fact]
    public void A_run_after_a_run_repeats_the_same_byte()
    {
        var expanded = BinHexDecoder.ExpandRuns(new byte[] { 0x7A, 0x90, 0xFF, 0x90, 0x03 });
        Assert.Equal(257, expanded.Length);
        Assert.All(expanded, b => Assert.Equal(0x7A, b));
    }

    [Fact]
    public void A_marker_without_its_count_is_truncated_data()
    {
        var ex = Assert.Throws<AttachmentFormatException>(() => BinHexDecoder.ExpandRuns(new byte[] { 0x41, 0x90 }));
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void A_run_with_nothing_to_repeat_is_corrupt()
    {
        Assert.Throws<AttachmentFormatException>(() => BinHexDecoder.ExpandRuns(new byte[] { 0x90, 0x04 }));
    }

    public static IEnumerable<object[]> Contents()
    {
        yield return new object[] { Array.Empty<byte>() };
        yield return new object[] { Enumerable.Repeat((byte)0x90, 600).ToArray() };
        yield return new object[] { Enumerable.Repeat((byte)0x00, 1000).Concat(new byte[] { 0x90, 0x90, 0x01 }).ToArray() };
        var random = new Random(7);
        var bytes = new byte[5000];
        random.NextBytes(bytes);
        for (int i = 0; i < bytes.Length; i += 97) bytes[i] = 0x90;
        yield return new object[] { bytes };
    }

    [Theory]
    [MemberData(nameof(Contents))]
    public void Round_trips_through_a_test_encoder(byte[] content)
    {
        var file = BinHexDecoder.Decode(TestBinHex.Encode("data.bin", content, new byte[] { 1, 2, 3, 0x90 }));
        Assert.Equal(content, file.DataFork);
        Assert.Equal(new byte[] { 1, 2, 3, 0x90 }, file.ResourceFork);
    }

    [Theory]
    [InlineData(0, "header")]
    [InlineData(1, "data fork")]
    [InlineData(2, "resource fork")]
    public void A_bad_crc_fails_and_names_the_section(int section, string what)
    {
        var text = TestBinHex.Text(TestBinHex.Rle(TestBinHex.Container("x.bin", new byte[] { 1, 2, 3, 4, 5 }, new byte[] { 9, 9 }, corruptCrc: section)));
        var ex = Assert.Throws<AttachmentFormatException>(() => BinHexDecoder.Decode(text));
        Assert.Contains(what, ex.Message);
        Assert.Contains("CRC", ex.Message);
    }

    [Fact]
    public void A_changed_character_in_the_real_output_fails_its_crc()
    {
        var text = Fixtures.Text("rle-sample.bin.hqx");
        int index = text.Length / 2;
        while (text[index] == '\n' || text[index] == '\r') index++;
        var changed = text.Substring(0, index) + (text[index] == 'A' ? 'B' : 'A') + text.Substring(index + 1);
        var ex = Assert.Throws<AttachmentFormatException>(() => BinHexDecoder.Decode(changed));
        Assert.Equal(AttachmentEncoding.BinHex, ex.Encoding);
    }

    [Fact]
    public void Data_cut_short_is_reported_as_truncated()
    {
        var text = Fixtures.Text("rle-sample.bin.hqx");
        var cut = text.Substring(0, text.Length / 2);
        var ex = Assert.Throws<AttachmentFormatException>(() => BinHexDecoder.Decode(cut));
        Assert.Contains("truncated", ex.Message);
        ex = Assert.Throws<AttachmentFormatException>(() => BinHexDecoder.Decode(cut.TrimEnd() + ":"));
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void A_character_outside_the_alphabet_fails()
    {
        var text = TestBinHex.Encode("x", new byte[] { 1, 2, 3 });
        var bad = text.Replace(":\r\n", "7:\r\n"); // '7' is not in the BinHex alphabet.
        var ex = Assert.Throws<AttachmentFormatException>(() => BinHexDecoder.Decode(bad));
        Assert.Contains("'7'", ex.Message);
    }

    [Fact]
    public void Text_without_data_fails()
    {
        Assert.Throws<AttachmentFormatException>(() => BinHexDecoder.Decode("no binhex here"));
    }
}
