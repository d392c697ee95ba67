using System;
using System.Buffers;
using System.Text;

namespace MailAdmin.Protocols;

/// <summary>Result of <see cref="LineFramer.TryReadLine"/>.</summary>
public enum LineStatus
{
    /// <summary>No complete line yet: read more bytes.</summary>
    NeedMore,
    /// <summary>A line was returned (without its CRLF or LF).</summary>
    Line,
    /// <summary>A line longer than the limit was skipped up to and including its line ending.</summary>
    TooLong,
}

/// <summary>Frames command lines out of a byte stream, for any line-based protocol (SMTP, POP3):
/// bytes → line / need more / too long. Keeps the state needed to skip an over-long line that
/// arrives in several reads. Lines end with LF; a CR before it is removed (a bare LF is tolerated
/// for command lines). The caller chooses the limit per line (it may depend on the verb).</summary>
public struct LineFramer
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private bool _discarding;

    /// <summary>Decodes a line: ASCII fast path, strict UTF-8 otherwise; null when not valid UTF-8.</summary>
    public static unsafe string? Decode(ReadOnlySpan<byte> line)
    {
        if (line.Length == 0) return "";
        bool ascii = true;
        foreach (byte b in line) if (b >= 0x80) { ascii = false; break; }
        fixed (byte* p = line)
        {
            if (ascii) return Encoding.ASCII.GetString(p, line.Length);
            try { return StrictUtf8.GetString(p, line.Length); }
            catch (DecoderFallbackException) { return null; }
        }
    }

    /// <summary>Decodes a framed line (see <see cref="Decode(ReadOnlySpan{byte})"/>).</summary>
    public static string? Decode(in ReadOnlySequence<byte> line)
        => line.IsSingleSegment ? Decode(line.First.Span) : Decode(line.ToArray());

    /// <summary>True while the rest of an over-long line is being skipped.</summary>
    public bool IsDiscarding => _discarding;

    /// <summary>Tries to take one line off the front of <paramref name="buffer"/>; <paramref name="limit"/>
    /// is the maximum line length in bytes including the CRLF. On Line and TooLong <paramref name="buffer"/>
    /// is moved past the line; on NeedMore it may be moved past bytes being discarded.</summary>
    public LineStatus TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line, int limit)
    {
        line = default;
        var lf = buffer.PositionOf((byte)'\n');
        if (_discarding)
        {
            if (lf == null) { buffer = buffer.Slice(buffer.End); return LineStatus.NeedMore; }
            buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
            _discarding = false;
            return LineStatus.TooLong;
        }
        if (lf == null)
        {
            if (buffer.Length >= limit)
            {
                _discarding = true;
                buffer = buffer.Slice(buffer.End);
            }
            return LineStatus.NeedMore;
        }
        var raw = buffer.Slice(0, lf.Value);
        var next = buffer.GetPosition(1, lf.Value);
        bool cr = raw.Length > 0 && raw.Slice(raw.Length - 1).First.Span[0] == (byte)'\r';
        if (raw.Length - (cr ? 1 : 0) + 2 > limit)
        {
            buffer = buffer.Slice(next);
            return LineStatus.TooLong;
        }
        if (cr) raw = raw.Slice(0, raw.Length - 1);
        line = raw;
        buffer = buffer.Slice(next);
        return LineStatus.Line;
    }
}
