using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MailAdmin.Messages;

/// <summary>One message cut out of an mbox: its From_ line, where it starts, and its bytes.</summary>
public sealed class MboxEntry
{
    public MboxEntry(int index, long offset, string fromLine, byte[] content)
    {
        Index = index;
        Offset = offset;
        FromLine = fromLine;
        Content = content;
    }

    public int Index { get; }
    public long Offset { get; }
    public string FromLine { get; }
    /// <summary>The message bytes, with the mboxrd '>From ' quoting undone.</summary>
    public byte[] Content { get; }

    /// <summary>The envelope sender: the first word after "From ".</summary>
    public string EnvelopeSender
    {
        get
        {
            var rest = FromLine.Length > 5 ? FromLine.Substring(5).TrimStart() : string.Empty;
            int space = rest.IndexOf(' ');
            return space < 0 ? rest : rest.Substring(0, space);
        }
    }
}

/// <summary>
/// Streams the messages of an mbox file (RFC 4155, read as mboxrd) one at a time, so a
/// file of any size is read with memory for one message only.
/// </summary>
/// <remarks>
/// A message starts at a line beginning "From " that is the first line of the file or
/// follows a blank line. The blank line before it is the separator, not message content.
/// Lines of the form ">*From " lose one '>' (mboxrd), which undoes <see cref="MboxWriter"/>.
/// </remarks>
public sealed class MboxReader
{
    private static readonly byte[] FromSpace = Encoding.ASCII.GetBytes("From ");
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _bufferStart;
    private int _bufferEnd;
    private long _bytesRead;

    public MboxReader(Stream stream) => _stream = stream ?? throw new ArgumentNullException(nameof(stream));

    /// <summary>How far into the stream the reader has consumed, for progress reports.</summary>
    public long Position => _bytesRead - (_bufferEnd - _bufferStart);

    /// <summary>True when the data begins with an mbox From_ line.</summary>
    public static bool LooksLikeMbox(ReadOnlySpan<byte> start) => start.StartsWith(FromSpace);

    public IEnumerable<MboxEntry> ReadMessages()
    {
        var line = new MemoryStream();
        var message = new MemoryStream();
        string? fromLine = null;
        long messageOffset = 0;
        int index = 0;
        int previousLineLength = -1;   // length of the last line added to message
        bool previousLineBlank = true; // the start of the file counts as after a blank line

        while (true)
        {
            long lineOffset = Position;
            if (!ReadLine(line))
                break;
            var bytes = line.GetBuffer();
            int length = (int)line.Length;

            if (previousLineBlank && StartsWith(bytes, length, FromSpace))
            {
                if (fromLine != null)
                {
                    // Drop the blank separator line that precedes this From_ line.
                    message.SetLength(message.Length - previousLineLength);
                    yield return new MboxEntry(index++, messageOffset, fromLine, message.ToArray());
                    message.SetLength(0);
                }
                fromLine = Encoding.UTF8.GetString(bytes, 0, length).TrimEnd('\r', '\n');
                messageOffset = lineOffset;
                previousLineBlank = false;
                previousLineLength = -1;
                continue;
            }

            if (fromLine == null)
                throw new MessageFormatException("The file does not begin with an mbox 'From ' line.");

            int skip = IsQuotedFrom(bytes, length) ? 1 : 0;
            message.Write(bytes, skip, length - skip);
            previousLineLength = length - skip;
            previousLineBlank = IsBlank(bytes, length);
        }

        if (fromLine != null)
        {
            // Our writer ends every message with a blank separator line; other writers may not.
            if (previousLineBlank && previousLineLength > 0)
                message.SetLength(message.Length - previousLineLength);
            yield return new MboxEntry(index, messageOffset, fromLine, message.ToArray());
        }
    }

    /// <summary>Reads one line including its LF into <paramref name="line"/>; false at end of data.</summary>
    private bool ReadLine(MemoryStream line)
    {
        line.SetLength(0);
        while (true)
        {
            if (_bufferStart == _bufferEnd)
            {
                int n = _stream.Read(_buffer, 0, _buffer.Length);
                if (n == 0)
                    return line.Length > 0;
                _bytesRead += n;
                _bufferStart = 0;
                _bufferEnd = n;
            }
            int lf = Array.IndexOf(_buffer, (byte)'\n', _bufferStart, _bufferEnd - _bufferStart);
            if (lf >= 0)
            {
                line.Write(_buffer, _bufferStart, lf + 1 - _bufferStart);
                _bufferStart = lf + 1;
                return true;
            }
            line.Write(_buffer, _bufferStart, _bufferEnd - _bufferStart);
            _bufferStart = _bufferEnd;
        }
    }

    private static bool StartsWith(byte[] bytes, int length, byte[] prefix)
    {
        if (length < prefix.Length) return false;
        for (int i = 0; i < prefix.Length; i++)
            if (bytes[i] != prefix[i]) return false;
        return true;
    }

    /// <summary>mboxrd: one or more '>' then "From ".</summary>
    internal static bool IsQuotedFrom(byte[] bytes, int length)
    {
        int i = 0;
        while (i < length && bytes[i] == (byte)'>') i++;
        if (i == 0 || length - i < FromSpace.Length) return false;
        for (int j = 0; j < FromSpace.Length; j++)
            if (bytes[i + j] != FromSpace[j]) return false;
        return true;
    }

    private static bool IsBlank(byte[] bytes, int length) =>
        (length == 1 && bytes[0] == (byte)'\n') || (length == 2 && bytes[0] == (byte)'\r' && bytes[1] == (byte)'\n');
}
