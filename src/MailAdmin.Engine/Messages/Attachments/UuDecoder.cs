using System;
using System.IO;
using System.Text.RegularExpressions;

namespace MailAdmin.Messages.Attachments;

/// <summary>
/// Decodes uuencoded blocks: a "begin &lt;mode&gt; &lt;name&gt;" line, data lines whose first
/// character gives their byte count, a zero-length line and "end". Both the space and
/// the backtick forms of zero are read.
/// </summary>
public static class UuDecoder
{
    private static readonly Regex BeginLine = new Regex(@"^begin [0-7]{3,4} (?<name>.*\S)\s*$", RegexOptions.CultureInvariant);

    /// <summary>
    /// How many characters a data line may lack. Old encoders wrote spaces for zero, and
    /// mail software strips trailing spaces; a line shorter than this is corrupt.
    /// </summary>
    private const int MaxStrippedCharacters = 3;

    /// <summary>True when <paramref name="line"/> is a "begin 644 name" line.</summary>
    public static bool TryParseBegin(string line, out string fileName)
    {
        var match = BeginLine.Match(line);
        fileName = match.Success ? match.Groups["name"].Value : string.Empty;
        return match.Success;
    }

    /// <summary>Decodes the first uuencoded block of <paramref name="text"/>.</summary>
    public static byte[] Decode(string text, out string fileName)
    {
        if (text == null) throw new ArgumentNullException(nameof(text));
        int position = 0;
        while (position < text.Length)
        {
            var line = ReadLine(text, ref position);
            if (TryParseBegin(line, out fileName))
                return DecodeBlock(text, ref position, fileName);
        }
        throw new AttachmentFormatException("No uuencoded block found: there is no 'begin <mode> <name>' line.", AttachmentEncoding.Uuencode);
    }

    /// <summary>
    /// Decodes the data lines from <paramref name="position"/> (just after the begin line)
    /// through "end", and leaves <paramref name="position"/> after the "end" line. On error,
    /// <paramref name="position"/> is where scanning for further blocks should go on.
    /// </summary>
    internal static byte[] DecodeBlock(string text, ref int position, string fileName)
    {
        var output = new MemoryStream();
        int lineNumber = 0;
        bool sawZeroLine = false;
        while (position < text.Length)
        {
            int lineStart = position;
            var line = ReadLine(text, ref position);
            lineNumber++;
            if (line.TrimEnd() == "end")
                return output.ToArray();
            if (sawZeroLine)
                throw Error($"The uuencoded block '{fileName}' has data after its zero-length line where 'end' should be.", fileName);
            if (TryParseBegin(line, out _))
            {
                position = lineStart; // Leave the next block to the caller.
                break;
            }
            if (line.Length == 0 || line[0] == ' ' || line[0] == '`')
            {
                if (line.Trim().Trim('`').Length != 0)
                    throw Error($"Line {lineNumber} of the uuencoded block '{fileName}' says it holds no bytes but has data.", fileName);
                sawZeroLine = true;
                continue;
            }
            int count = Value(line[0], lineNumber, fileName);
            int needed = (count + 2) / 3 * 4;
            int available = line.Length - 1;
            if (available < needed - MaxStrippedCharacters)
                throw Error($"Line {lineNumber} of the uuencoded block '{fileName}' is too short: it should hold {count} bytes.", fileName);
            int written = 0;
            for (int group = 0; group < needed; group += 4)
            {
                int bits = 0;
                for (int k = 0; k < 4; k++)
                {
                    int index = 1 + group + k;
                    bits = (bits << 6) | (index < line.Length ? Value(line[index], lineNumber, fileName) : 0);
                }
                for (int k = 2; k >= 0 && written < count; k--, written++)
                    output.WriteByte((byte)(bits >> (k * 8)));
            }
        }
        throw Error($"The uuencoded block '{fileName}' is truncated: its 'end' line is missing.", fileName);
    }

    /// <summary>The line at <paramref name="position"/> without its line ending; moves past it.</summary>
    internal static string ReadLine(string text, ref int position)
    {
        int end = text.IndexOf('\n', position);
        int next = end < 0 ? text.Length : end + 1;
        if (end < 0) end = text.Length;
        if (end > position && text[end - 1] == '\r') end--;
        var line = text.Substring(position, end - position);
        position = next;
        return line;
    }

    private static int Value(char c, int lineNumber, string fileName)
    {
        if (c < ' ' || c > '`')
            throw Error($"Line {lineNumber} of the uuencoded block '{fileName}' has a character ('{c}') that uuencode never writes.", fileName);
        return (c - ' ') & 0x3F;
    }

    private static AttachmentFormatException Error(string message, string fileName) =>
        new AttachmentFormatException(message, AttachmentEncoding.Uuencode, fileName);
}
