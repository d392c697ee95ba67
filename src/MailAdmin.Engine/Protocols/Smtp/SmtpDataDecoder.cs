using System;
using System.Buffers;

namespace MailAdmin.Protocols.Smtp;

/// <summary>Incremental reader of DATA content (RFC 5321 §4.1.1.4, §4.5.2): finds the end of data,
/// removes dot-stuffing, and flags bare CR / bare LF. Only &lt;CRLF&gt;.&lt;CRLF&gt; ends the data
/// (the CRLF before the dot may be the one that ended the DATA command line). A bare CR or bare LF
/// never starts a line, so "\n.\n", "\r.\r", "\n.\r\n" or "\r\n.\n" never end the data — they are
/// content, and the message is flagged so the session rejects it with 550 5.5.2 (no SMTP
/// smuggling: one transaction never turns into two). Input can arrive split anywhere.</summary>
public sealed class SmtpDataDecoder
{
    private enum State : byte { LineStart, Mid, Cr, Dot, DotCr }

    private State _state = State.LineStart;
    private long _maxSize;
    private IByteSink? _output;

    /// <summary>Content bytes after unstuffing (counted even when no longer stored).</summary>
    public long Size { get; private set; }
    /// <summary>A CR not followed by LF, or an LF not preceded by CR, was seen.</summary>
    public bool HasBareLineEnding { get; private set; }
    /// <summary>The content exceeded the size limit; bytes beyond it were not stored.</summary>
    public bool TooLarge { get; private set; }
    /// <summary>The terminating line was seen.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Starts a new message: content is written to <paramref name="output"/> as it is decoded
    /// (nothing is buffered here), up to <paramref name="maxSize"/> bytes (0 = no limit); past the
    /// limit nothing more is written, and the message is only counted.</summary>
    public void Reset(IByteSink output, long maxSize)
    {
        _output = output;
        _maxSize = maxSize <= 0 ? long.MaxValue : maxSize;
        _state = State.LineStart;
        Size = 0;
        HasBareLineEnding = TooLarge = IsComplete = false;
    }

    /// <summary>Feeds a sequence; returns how many bytes were consumed (all of them unless the end
    /// of data was found, in which case the count includes the terminator).</summary>
    public long Feed(in ReadOnlySequence<byte> input)
    {
        long total = 0;
        foreach (var segment in input)
        {
            int used = Feed(segment.Span);
            total += used;
            if (IsComplete) break;
        }
        return total;
    }

    /// <summary>Feeds bytes; returns the number consumed (less than the input only when the end
    /// of data was found: the rest belongs to the next command).</summary>
    public int Feed(ReadOnlySpan<byte> input)
    {
        if (IsComplete) return 0;
        int i = 0;
        while (i < input.Length)
        {
            switch (_state)
            {
                case State.Mid:
                    {
                        // Fast path: copy the run up to the next CR or LF in one go.
                        var rest = input.Slice(i);
                        int k = rest.IndexOfAny((byte)'\r', (byte)'\n');
                        if (k < 0) { Emit(rest); return input.Length; }
                        if (k > 0) Emit(rest.Slice(0, k));
                        i += k;
                        if (input[i] == (byte)'\r') _state = State.Cr;
                        else { HasBareLineEnding = true; Emit((byte)'\n'); }
                        i++;
                        break;
                    }
                case State.LineStart:
                    {
                        byte b = input[i];
                        if (b == (byte)'.') { _state = State.Dot; i++; }
                        else _state = State.Mid;   // reprocess in Mid (handles CR, LF and text)
                        break;
                    }
                case State.Cr:
                    {
                        byte b = input[i];
                        if (b == (byte)'\n') { EmitCrLf(); _state = State.LineStart; i++; }
                        else { HasBareLineEnding = true; Emit((byte)'\r'); _state = State.Mid; }   // reprocess b
                        break;
                    }
                case State.Dot:
                    {
                        byte b = input[i];
                        if (b == (byte)'\r') { _state = State.DotCr; i++; }
                        else _state = State.Mid;   // the leading dot was stuffing: drop it, reprocess b
                        break;
                    }
                case State.DotCr:
                    {
                        byte b = input[i];
                        if (b == (byte)'\n') { IsComplete = true; return i + 1; }
                        // "." CR x: the dot was stuffing; the CR is bare.
                        HasBareLineEnding = true;
                        Emit((byte)'\r');
                        _state = State.Mid;
                        break;
                    }
            }
        }
        return input.Length;
    }

    private static ReadOnlySpan<byte> CrLf => new byte[] { (byte)'\r', (byte)'\n' };
    private static ReadOnlySpan<byte> Cr => new byte[] { (byte)'\r' };
    private static ReadOnlySpan<byte> Lf => new byte[] { (byte)'\n' };

    private void EmitCrLf()
    {
        Size += 2;
        if (Size > _maxSize) { TooLarge = true; return; }
        _output!.Write(CrLf);
    }

    private void Emit(byte b)
    {
        Size++;
        if (Size > _maxSize) { TooLarge = true; return; }
        _output!.Write(b == (byte)'\r' ? Cr : Lf);
    }

    private void Emit(ReadOnlySpan<byte> run)
    {
        Size += run.Length;
        if (Size > _maxSize) { TooLarge = true; return; }
        _output!.Write(run);
    }
}
