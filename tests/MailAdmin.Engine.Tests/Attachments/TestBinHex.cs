using System.Text;

namespace MailAdmin.Engine.Tests.Attachments;

/// <summary>
/// A small BinHex 4.0 writer for the tests, so that edge cases (a bad CRC, a resource fork,
/// particular run-length sequences) can be made on purpose. The real encoder's output is
/// tested separately with the fixtures.
/// </summary>
internal static class TestBinHex
{
    private const string Alphabet = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

    public static ushort Crc(byte[] data)
    {
        int crc = 0;
        foreach (var b in data)
        {
            crc ^= b << 8;
            for (int i = 0; i < 8; i++)
                crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xFFFF : (crc << 1) & 0xFFFF;
        }
        return (ushort)crc;
    }

    /// <summary>The decoded stream: header, data fork, resource fork, each followed by its CRC.</summary>
    public static byte[] Container(string name, byte[] data, byte[]? resource = null, int corruptCrc = -1)
    {
        resource ??= Array.Empty<byte>();
        var header = new List<byte> { (byte)name.Length };
        header.AddRange(Encoding.ASCII.GetBytes(name));
        header.Add(0);
        header.AddRange(Encoding.ASCII.GetBytes("TEXTMACA"));
        header.AddRange(new byte[] { 0, 0 });
        header.AddRange(BigEndian((uint)data.Length));
        header.AddRange(BigEndian((uint)resource.Length));
        var output = new List<byte>();
        int section = 0;
        foreach (var block in new[] { header.ToArray(), data, resource })
        {
            output.AddRange(block);
            ushort crc = Crc(block);
            if (section++ == corruptCrc) crc ^= 0x0101;
            output.Add((byte)(crc >> 8));
            output.Add((byte)crc);
        }
        return output.ToArray();
    }

    /// <summary>RLE90: 0x90 as 0x90 0x00; runs of three or more as the byte, 0x90, the count.</summary>
    public static byte[] Rle(byte[] raw)
    {
        var output = new List<byte>();
        int i = 0;
        while (i < raw.Length)
        {
            byte b = raw[i];
            int run = 1;
            while (i + run < raw.Length && raw[i + run] == b && run < 255) run++;
            if (b == 0x90) { output.Add(0x90); output.Add(0x00); } else output.Add(b);
            if (run >= 3 || (b == 0x90 && run >= 2)) { output.Add(0x90); output.Add((byte)run); }
            else if (run == 2) { output.Add(b); }
            i += run;
        }
        return output.ToArray();
    }

    /// <summary>Six-bit characters, 64 a line, between ':' marks, after the banner.</summary>
    public static string Text(byte[] packed, string banner = "(This file must be converted with BinHex 4.0)")
    {
        var chars = new StringBuilder();
        int bits = 0, count = 0;
        foreach (var b in packed)
        {
            bits = (bits << 8) | b;
            count += 8;
            while (count >= 6)
            {
                count -= 6;
                chars.Append(Alphabet[(bits >> count) & 0x3F]);
            }
        }
        if (count > 0) chars.Append(Alphabet[(bits << (6 - count)) & 0x3F]);
        var text = new StringBuilder(banner).Append("\r\n\r\n:");
        int column = 1;
        foreach (var c in chars.ToString())
        {
            if (column == 64) { text.Append("\r\n"); column = 0; }
            text.Append(c);
            column++;
        }
        return text.Append(":\r\n").ToString();
    }

    public static string Encode(string name, byte[] data, byte[]? resource = null) => Text(Rle(Container(name, data, resource)));

    private static byte[] BigEndian(uint value) => new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value };
}
