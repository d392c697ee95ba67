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
/// state needed to skip an over-long line that arrives in several reads (the framing itself is the
/// shared <see cref="LineFramer"/>; this adds SMTP's per-verb limits). Lines end with LF; a CR
/// before it is removed (bare LF is tolerated for commands; never for message data).</summary>
public struct SmtpLineReader
{
    private LineFramer _framer;

    /// <summary>Line length limits in bytes, including the CRLF.</summary>
    public int MaxCommandLength, MaxMailRcptLength, MaxAuthLength;

    public SmtpLineReader(int maxCommandLength, int maxMailRcptLength = 0, int maxAuthLength = 12288)
    {
        _framer = default;
        MaxCommandLength = maxCommandLength;
        MaxMailRcptLength = Math.Max(maxCommandLength, maxMailRcptLength);
        MaxAuthLength = Math.Max(maxCommandLength, maxAuthLength);
    }

    /// <summary>Tries to take one line off the front of <paramref name="buffer"/>. On Line and TooLong
    /// <paramref name="buffer"/> is moved past the line; on NeedMore it may be moved past bytes being
    /// discarded. <paramref name="saslResponse"/> applies the AUTH limit to a continuation line.</summary>
    public SmtpLineStatus TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line, bool saslResponse = false)
    {
        int limit = _framer.IsDiscarding ? 0 : saslResponse ? MaxAuthLength : LimitFor(buffer);
        return (SmtpLineStatus)_framer.TryReadLine(ref buffer, out line, limit);
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
