using System;
using System.IO;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// Builds one IMAP response in memory and writes it in one go: atoms, numbers, strings that
/// are quoted or sent as literals as RFC 3501 §4.3 requires. Raw header text is handled as
/// Latin-1 strings (one char per byte), so 8-bit bytes go out unchanged.
/// </summary>
internal sealed class ImapResponseBuffer
{
    /// <summary>Strings longer than this go as literals.</summary>
    public const int MaxQuotedLength = 1024;

    /// <summary>
    /// Content at least this large is written straight from its array to the output, not copied here
    /// first: a message body of a few KiB (FETCH BODY[] of 1:*) then takes one copy, not two.
    /// </summary>
    private const int DirectWriteThreshold = 4 * 1024;

    [ThreadStatic] private static ImapResponseBuffer? _cached;

    private byte[] _buffer;
    private int _length;
    private Stream? _output;

    private ImapResponseBuffer() => _buffer = new byte[4096];

    /// <summary>A buffer of its own (not the per-thread one, which may be in use), for a value rendered once and kept.</summary>
    public ImapResponseBuffer(Stream output, int capacity)
    {
        _buffer = new byte[capacity];
        _output = output;
    }

    public static ImapResponseBuffer Rent(Stream output)
    {
        var b = _cached ?? new ImapResponseBuffer();
        _cached = null;
        b._output = output;
        b._length = 0;
        return b;
    }

    public static void Return(ImapResponseBuffer buffer)
    {
        buffer._output = null;
        if (buffer._buffer.Length <= 256 * 1024) _cached = buffer;
    }

    public int Length => _length;

    public void Flush()
    {
        if (_length > 0)
        {
            _output!.Write(_buffer, 0, _length);
            _length = 0;
        }
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length) return;
        int size = Math.Max(_buffer.Length * 2, _length + extra);
        Array.Resize(ref _buffer, size);
    }

    public void Byte(byte b)
    {
        if (_length == _buffer.Length) Ensure(1);
        _buffer[_length++] = b;
    }

    public void Space() => Byte((byte)' ');

    /// <summary>ASCII text as is (atoms, keywords, punctuation).</summary>
    public void Ascii(string s)
    {
        Ensure(s.Length);
        for (int i = 0; i < s.Length; i++) _buffer[_length++] = (byte)s[i];
    }

    public void Number(long n)
    {
        if (n < 0) { Byte((byte)'-'); n = -n; }
        Ensure(20);
        if (n == 0) { _buffer[_length++] = (byte)'0'; return; }
        int start = _length;
        while (n > 0) { _buffer[_length++] = (byte)('0' + (int)(n % 10)); n /= 10; }
        Array.Reverse(_buffer, start, _length - start);
    }

    public void Bytes(byte[] data, int offset, int count)
    {
        if (count >= DirectWriteThreshold)
        {
            Flush();
            _output!.Write(data, offset, count);
            return;
        }
        Ensure(count);
        Buffer.BlockCopy(data, offset, _buffer, _length, count);
        _length += count;
    }

    public void Nil() => Ascii("NIL");

    /// <summary>A literal: "{n}\r\n" and the bytes.</summary>
    public void Literal(byte[] data, int offset, int count)
    {
        Byte((byte)'{');
        Number(count);
        Ascii("}\r\n");
        Bytes(data, offset, count);
    }

    /// <summary>An nstring of raw (Latin-1) text: NIL for null.</summary>
    public void NString(string? latin1, bool utf8)
    {
        if (latin1 == null) Nil();
        else String(latin1, utf8);
    }

    /// <summary>
    /// Text meant for people (ENVELOPE subject and display names): runs of white space become one
    /// space, and text with quote characters goes as a literal, which clients display unmangled.
    /// </summary>
    public void HumanNString(string? latin1, bool utf8)
    {
        if (latin1 == null)
        {
            Nil();
            return;
        }
        bool special = false, collapse = false;
        for (int i = 0; i < latin1.Length; i++)
        {
            char c = latin1[i];
            if (c == '"' || c == '\\') special = true;
            else if (c == '\t' || (c == ' ' && i > 0 && (latin1[i - 1] == ' ' || latin1[i - 1] == '\t'))) collapse = true;
        }
        if (collapse)
        {
            var sb = new System.Text.StringBuilder(latin1.Length);
            bool lastSpace = false;
            foreach (char c in latin1)
            {
                bool space = c == ' ' || c == '\t';
                if (space && lastSpace) continue;
                sb.Append(space ? ' ' : c);
                lastSpace = space;
            }
            latin1 = sb.ToString().Trim(' ');
        }
        if (special)
        {
            var bytes = new byte[latin1.Length];
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)latin1[i];
            Literal(bytes, 0, bytes.Length);
            return;
        }
        String(latin1, utf8);
    }

    /// <summary>A string of raw (Latin-1) text: quoted when it can be, otherwise a literal.</summary>
    public void String(string latin1, bool utf8)
    {
        bool literal = latin1.Length > MaxQuotedLength;
        bool eightBit = false;
        for (int i = 0; i < latin1.Length && !literal; i++)
        {
            char c = latin1[i];
            if (c == '\r' || c == '\n' || c == '\0') literal = true;
            else if (c >= 0x80) eightBit = true;
        }
        if (!literal && eightBit && !(utf8 && IsValidUtf8(latin1))) literal = true;
        if (literal)
        {
            var bytes = new byte[latin1.Length];
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)latin1[i];
            Literal(bytes, 0, bytes.Length);
            return;
        }
        Ensure(latin1.Length * 2 + 2);
        _buffer[_length++] = (byte)'"';
        for (int i = 0; i < latin1.Length; i++)
        {
            char c = latin1[i];
            if (c == '"' || c == '\\') _buffer[_length++] = (byte)'\\';
            _buffer[_length++] = (byte)c;
        }
        _buffer[_length++] = (byte)'"';
    }

    /// <summary>Whether the bytes (one per char) form valid UTF-8.</summary>
    internal static bool IsValidUtf8(string latin1)
    {
        int i = 0, n = latin1.Length;
        while (i < n)
        {
            int c = latin1[i];
            if (c < 0x80) { i++; continue; }
            int follow;
            int min;
            if ((c & 0xE0) == 0xC0) { follow = 1; min = 0x80; c &= 0x1F; }
            else if ((c & 0xF0) == 0xE0) { follow = 2; min = 0x800; c &= 0x0F; }
            else if ((c & 0xF8) == 0xF0) { follow = 3; min = 0x10000; c &= 0x07; }
            else return false;
            for (int k = 1; k <= follow; k++)
            {
                if (i + k >= n) return false;
                int d = latin1[i + k];
                if ((d & 0xC0) != 0x80) return false;
                c = (c << 6) | (d & 0x3F);
            }
            if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
            i += follow + 1;
        }
        return true;
    }
}
