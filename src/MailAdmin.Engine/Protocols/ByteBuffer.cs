using System;
using System.Buffers;

namespace MailAdmin.Protocols;

/// <summary>A growable byte buffer backed by <see cref="ArrayPool{T}"/>; reused across messages
/// and replies so that a session does not allocate per line or per message.</summary>
public sealed class ByteBuffer : IDisposable, IByteSink
{
    private byte[] _array;
    private int _length;

    public ByteBuffer(int initialCapacity = 4096) => _array = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length => _length;
    public ReadOnlyMemory<byte> Memory => new(_array, 0, _length);
    public ReadOnlySpan<byte> Span => new(_array, 0, _length);
    internal byte[] Array => _array;

    public void Append(ReadOnlySpan<byte> data)
    {
        Ensure(data.Length);
        data.CopyTo(new Span<byte>(_array, _length, data.Length));
        _length += data.Length;
    }

    void IByteSink.Write(ReadOnlySpan<byte> data) => Append(data);

    public void Append(byte b)
    {
        Ensure(1);
        _array[_length++] = b;
    }

    /// <summary>Appends ASCII/UTF-8 text.</summary>
    public void AppendText(string text)
    {
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        Ensure(max);
        _length += System.Text.Encoding.UTF8.GetBytes(text, 0, text.Length, _array, _length);
    }

    /// <summary>Empties the buffer; a buffer that grew large is given back to the pool.</summary>
    public void Clear()
    {
        _length = 0;
        if (_array.Length > 1 << 20)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = ArrayPool<byte>.Shared.Rent(4096);
        }
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _array.Length) return;
        long wanted = Math.Max((long)_array.Length * 2, (long)_length + extra);
        if (wanted > int.MaxValue - 64) wanted = int.MaxValue - 64;
        var next = ArrayPool<byte>.Shared.Rent((int)wanted);
        Buffer.BlockCopy(_array, 0, next, 0, _length);
        ArrayPool<byte>.Shared.Return(_array);
        _array = next;
    }

    public void Dispose()
    {
        var a = _array;
        _array = System.Array.Empty<byte>();
        _length = 0;
        if (a.Length > 0) ArrayPool<byte>.Shared.Return(a);
    }
}
