using System;
using System.IO;

namespace MailAdmin.Messages.Attachments;

/// <summary>
/// Decodes BinHex 4.0 (RFC 1741): six-bit characters between ':' marks, then the RLE90
/// run-length scheme, then the header, data fork and resource fork, each with its
/// CRC-16/XMODEM. Every CRC is checked; corrupt or truncated input throws
/// <see cref="AttachmentFormatException"/> rather than yielding wrong bytes.
/// </summary>
public static class BinHexDecoder
{
    /// <summary>The start of the line that announces BinHex text (the classic text, and macutils' variant, begin so).</summary>
    public const string Banner = "(This file must be converted";

    private const string Alphabet = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";
    private const byte RunMarker = 0x90;
    private static readonly sbyte[] Values = BuildValues();

    /// <summary>Decodes BinHex text; anything before the banner line (or the first ':') is ignored.</summary>
    public static BinHexFile Decode(string text)
    {
        if (text == null) throw new ArgumentNullException(nameof(text));
        int start = FindDataStart(text, 0);
        if (start < 0)
            throw Error("No BinHex data found: the ':' that starts it is missing.");
        var packed = DecodeCharacters(text, start, out _);
        return ParseFile(ExpandRuns(packed));
    }

    /// <summary>Decodes BinHex text given as bytes (US-ASCII).</summary>
    public static BinHexFile Decode(byte[] text) => Decode(Latin1(text));

    /// <summary>
    /// Finds where the BinHex data after <paramref name="from"/> begins: the ':' after the
    /// banner line when there is one, else the first ':' that starts a line. -1 when none.
    /// </summary>
    internal static int FindDataStart(string text, int from)
    {
        int banner = text.IndexOf(Banner, from, StringComparison.Ordinal);
        int searchFrom = from;
        if (banner >= 0)
        {
            int lineEnd = text.IndexOf('\n', banner);
            searchFrom = lineEnd < 0 ? text.Length : lineEnd + 1;
            int colon = text.IndexOf(':', searchFrom);
            return colon < 0 ? -1 : colon;
        }
        for (int i = searchFrom; i < text.Length; i++)
        {
            if (text[i] == ':' && (i == 0 || text[i - 1] == '\n'))
                return i;
        }
        return -1;
    }

    /// <summary>
    /// Turns the characters after the opening ':' at <paramref name="colon"/> into bytes,
    /// up to the closing ':'. Line breaks and blanks between characters are skipped.
    /// </summary>
    internal static byte[] DecodeCharacters(string text, int colon, out int end)
    {
        var output = new MemoryStream(text.Length * 3 / 4);
        int bits = 0, bitCount = 0;
        for (int i = colon + 1; i < text.Length; i++)
        {
            char c = text[i];
            if (c == ':')
            {
                end = i + 1;
                return output.ToArray();
            }
            if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
                continue;
            int value = c < 128 ? Values[c] : -1;
            if (value < 0)
                throw Error($"'{c}' (at character {i}) is not a BinHex 4.0 character.");
            bits = (bits << 6) | value;
            bitCount += 6;
            if (bitCount >= 8)
            {
                bitCount -= 8;
                output.WriteByte((byte)(bits >> bitCount));
                bits &= (1 << bitCount) - 1;
            }
        }
        throw Error("The BinHex data is truncated: its closing ':' is missing.");
    }

    /// <summary>
    /// Undoes RLE90: 0x90 n repeats the previous byte until it has appeared n times in all;
    /// 0x90 0x00 stands for a literal 0x90.
    /// </summary>
    internal static byte[] ExpandRuns(byte[] packed)
    {
        var output = new MemoryStream(packed.Length + packed.Length / 4);
        bool havePrevious = false;
        byte previous = 0;
        for (int i = 0; i < packed.Length; i++)
        {
            byte b = packed[i];
            if (b != RunMarker)
            {
                output.WriteByte(b);
                previous = b;
                havePrevious = true;
                continue;
            }
            if (i + 1 >= packed.Length)
                throw Error("The BinHex data is truncated: a run-length marker (0x90) has no count.");
            byte count = packed[++i];
            if (count == 0)
            {
                output.WriteByte(RunMarker);
                previous = RunMarker;
                havePrevious = true;
                continue;
            }
            if (!havePrevious)
                throw Error("The BinHex data is corrupt: a run-length marker comes before any byte to repeat.");
            for (int n = 1; n < count; n++)
                output.WriteByte(previous);
        }
        return output.ToArray();
    }

    /// <summary>Reads the header and both forks from the expanded stream, checking each CRC.</summary>
    internal static BinHexFile ParseFile(byte[] data)
    {
        int position = 0;
        Need(data, position, 1, "header");
        int nameLength = data[0];
        if (nameLength < 1 || nameLength > 63)
            throw Error($"The BinHex header is corrupt: a file name of {nameLength} characters is not possible (1 to 63).");
        int headerLength = 1 + nameLength + 1 + 4 + 4 + 2 + 4 + 4;
        Need(data, position, headerLength + 2, "header");
        var name = MacRoman(data, 1, nameLength);
        position = 1 + nameLength;
        byte version = data[position++];
        if (version != 0)
            throw Error($"The BinHex header is corrupt: version byte {version} is not 0.", name);
        var type = Latin1(data, position, 4); position += 4;
        var creator = Latin1(data, position, 4); position += 4;
        ushort flags = (ushort)ReadBigEndian(data, position, 2); position += 2;
        long dataLength = ReadBigEndian(data, position, 4); position += 4;
        long resourceLength = ReadBigEndian(data, position, 4); position += 4;
        CheckCrc(data, 0, headerLength, "header", name);
        position += 2;

        var dataFork = ReadFork(data, ref position, dataLength, "data fork", name);
        var resourceFork = ReadFork(data, ref position, resourceLength, "resource fork", name);
        return new BinHexFile(name, type, creator, flags, dataFork, resourceFork);
    }

    private static byte[] ReadFork(byte[] data, ref int position, long length, string what, string name)
    {
        if (length > data.Length - position - 2L)
            throw Error($"The BinHex data is truncated: the {what} should hold {length} bytes but the data ends before it and its CRC.", name);
        var fork = new byte[length];
        Buffer.BlockCopy(data, position, fork, 0, (int)length);
        CheckCrc(data, position, (int)length, what, name);
        position += (int)length + 2;
        return fork;
    }

    private static void CheckCrc(byte[] data, int offset, int length, string what, string? name)
    {
        ushort expected = (ushort)ReadBigEndian(data, offset + length, 2);
        ushort actual = Crc16Xmodem.Compute(new ReadOnlySpan<byte>(data, offset, length));
        if (expected != actual)
            throw Error($"The BinHex {what} is corrupt: its CRC is 0x{expected:X4} but the data gives 0x{actual:X4}.", name);
    }

    private static void Need(byte[] data, int position, int count, string what)
    {
        if (data.Length - position < count)
            throw Error($"The BinHex data is truncated: it ends inside the {what}.");
    }

    private static long ReadBigEndian(byte[] data, int offset, int count)
    {
        long value = 0;
        for (int i = 0; i < count; i++)
            value = (value << 8) | data[offset + i];
        return value;
    }

    private static string MacRoman(byte[] data, int offset, int count)
    {
        try
        {
            return Charsets.Get(10000).GetString(data, offset, count);
        }
        catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException)
        {
            return Latin1(data, offset, count);
        }
    }

    private static string Latin1(byte[] data, int offset = 0, int count = -1)
    {
        if (count < 0) count = data.Length - offset;
        var chars = new char[count];
        for (int i = 0; i < count; i++) chars[i] = (char)data[offset + i];
        return new string(chars);
    }

    private static AttachmentFormatException Error(string message, string? name = null) =>
        new AttachmentFormatException(message, AttachmentEncoding.BinHex, name);

    private static sbyte[] BuildValues()
    {
        var values = new sbyte[128];
        for (int i = 0; i < values.Length; i++) values[i] = -1;
        for (int i = 0; i < Alphabet.Length; i++) values[Alphabet[i]] = (sbyte)i;
        return values;
    }
}
