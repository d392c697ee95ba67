using System;
using System.Buffers;

namespace MailAdmin.Protocols.Smtp;

public enum SmtpLineStatus
{
    /// <summary>No complete line yet: read more bytes.</summary>
    NeedMore,
    /// <summary>A line was returned (without its CRLF or LF).</summary>
    Line,
    /// <summary>A line longer than the limit was skipped up to and including its line ending.
    /// Answer 500 5.5.2 and go on.</summary>
    TooLong,
}

/// <summary>Frames command lines out of a byte stream: bytes → line or "need more". Keeps the
/// state needed to skip an over-long line that arrives in several reads. Lines end with LF; a CR
/// before it is removed (bare LF is tolerated for commands; never for message data).</summary>
public struct SmtpLineReader
{
    private bool _discarding;

    /// <summary>Line length limits in bytes, including the CRLF.</summary>
    public int MaxCommandLength, MaxMailRcptLength, MaxAuthLength;

    public SmtpLineReader(int maxCommandLength, int maxMailRcptLength = 0, int maxAuthLength = 12288)
    {
        _discarding = false;
        MaxCommandLength = maxCommandLength;
        MaxMailRcptLength = Math.Max(maxCommandLength, maxMailRcptLength);
        MaxAuthLength = Math.Max(maxCommandLength, maxAuthLength);
    }

    /// <summary>Tries to take one line off the front of <paramref name="buffer"/>. On Line and TooLong
    /// <paramref name="buffer"/> is moved past the line; on NeedMore it may be moved past bytes being
    /// discarded. <paramref name="saslResponse"/> applies the AUTH limit to a continuation line.</summary>
    public SmtpLineStatus TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line, bool saslResponse = false)
    {
        line = default;
        var lf = buffer.PositionOf((byte)'\n');
        if (_discarding)
        {
            if (lf == null) { buffer = buffer.Slice(buffer.End); return SmtpLineStatus.NeedMore; }
            buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
            _discarding = false;
            return SmtpLineStatus.TooLong;
        }
        int limit = saslResponse ? MaxAuthLength : LimitFor(buffer);
        if (lf == null)
        {
            if (buffer.Length >= limit)
            {
                _discarding = true;
                buffer = buffer.Slice(buffer.End);
            }
            return SmtpLineStatus.NeedMore;
        }
        var raw = buffer.Slice(0, lf.Value);
        var next = buffer.GetPosition(1, lf.Value);
        bool cr = EndsWithCr(raw);
        if (raw.Length - (cr ? 1 : 0) + 2 > limit)
        {
            buffer = buffer.Slice(next);
            return SmtpLineStatus.TooLong;
        }
        if (cr) raw = raw.Slice(0, raw.Length - 1);
        line = raw;
        buffer = buffer.Slice(next);
        return SmtpLineStatus.Line;
    }

    private static bool EndsWithCr(in ReadOnlySequence<byte> raw)
    {
        if (raw.Length == 0) return false;
        return raw.Slice(raw.Length - 1).First.Span[0] == (byte)'\r';
    }

    private int LimitFor(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < 5) return MaxCommandLength;
        Span<byte> head = stackalloc byte[5];
        buffer.Slice(0, 5).CopyTo(head);
        int w = (head[0] | 0x20) << 24 | (head[1] | 0x20) << 16 | (head[2] | 0x20) << 8 | (head[3] | 0x20);
        if (head[4] != (byte)' ') return MaxCommandLength;
        if (w == ('m' << 24 | 'a' << 16 | 'i' << 8 | 'l') || w == ('r' << 24 | 'c' << 16 | 'p' << 8 | 't')) return MaxMailRcptLength;
        if (w == ('a' << 24 | 'u' << 16 | 't' << 8 | 'h')) return MaxAuthLength;
        return MaxCommandLength;
    }
}
