using System.Text;
using MailAdmin.Protocols.Imap;
using MimeKit.Encodings;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>BINARY's decoders against encoders nobody here wrote: .NET's base64 and MimeKit's quoted-printable.</summary>
public class TransferDecoderTests
{
    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 40).Select(i => new object[] { i });

    private static byte[] RandomBytes(Random random, bool text)
    {
        var bytes = new byte[random.Next(0, 600)];
        random.NextBytes(bytes);
        if (text)
            for (int i = 0; i < bytes.Length; i++)
            {
                // Text with line breaks as CRLF, spaces and tabs (also before a break), and some 8-bit bytes.
                int r = random.Next(20);
                bytes[i] = r == 0 ? (byte)' ' : r == 1 ? (byte)'\t' : r == 2 ? (byte)'=' : r == 3 ? (byte)0xe9 : (byte)random.Next(0x21, 0x7f);
            }
        if (!text) return bytes;
        var withBreaks = new List<byte>();
        foreach (var b in bytes)
        {
            withBreaks.Add(b);
            if (random.Next(30) == 0) { withBreaks.Add((byte)'\r'); withBreaks.Add((byte)'\n'); }
        }
        return withBreaks.ToArray();
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Base64WithLineBreaksAndBlanks(int seed)
    {
        var random = new Random(seed);
        var original = RandomBytes(random, text: false);
        var encoded = Convert.ToBase64String(original, Base64FormattingOptions.InsertLineBreaks);
        if (seed % 2 == 0) encoded = encoded.Replace("\r\n", " \t\r\n  ");
        var bytes = Encoding.ASCII.GetBytes(encoded);
        Assert.True(TransferDecoder.TryDecode("Base64 ", bytes, 0, bytes.Length, out var decoded));
        Assert.Equal(original, decoded);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void QuotedPrintableFromMimeKit(int seed)
    {
        var random = new Random(seed);
        var original = RandomBytes(random, text: true);
        var encoder = new QuotedPrintableEncoder(random.Next(60, 77));
        var output = new byte[encoder.EstimateOutputLength(original.Length)];
        int n = encoder.Flush(original, 0, original.Length, output);
        Assert.True(TransferDecoder.TryDecode("quoted-printable", output, 0, n, out var decoded));
        Assert.Equal(original, decoded);
    }

    [Theory]
    [InlineData("x-uuencode")]
    [InlineData("bas64")]
    [InlineData("")]
    public void UnknownEncodingsAreRefused(string encoding)
    {
        var bytes = "abc"u8.ToArray();
        Assert.False(TransferDecoder.IsKnown(encoding));
        Assert.False(TransferDecoder.TryDecode(encoding, bytes, 0, bytes.Length, out _));
    }
}
