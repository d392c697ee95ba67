using System;
using System.Collections.Concurrent;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using MailAdmin.Protocols.Imap.Mime;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// The top-level header blocks of messages, kept per store so that the FETCHes a client
/// makes when it opens a folder (ENVELOPE, header fields) do not read every message file
/// again. A message's bytes never change under its UID, and UIDs are never reused within a
/// UIDVALIDITY, so entries never go stale; the cache is only bounded in size. APPEND puts
/// the header in as the message is stored (it has the bytes at hand), so the first FETCH
/// after it opens no files, as Dovecot's index cache does.
/// Bound: <see cref="MaxBytes"/> (64 MiB) per store, counting each entry's header bytes, its
/// rendered ENVELOPEs and an estimate of its bookkeeping (<see cref="EntryOverhead"/> plus
/// <see cref="FieldOverhead"/> per header field: the parsed field list, the dictionary slot);
/// when full it is emptied and starts again. Stated in docs/imap.md.
/// </summary>
internal static class ImapHeaderCache
{
    private const long MaxBytes = 64L * 1024 * 1024;
    /// <summary>Objects per entry besides the bytes: entry, parsed list, key and dictionary slot (measured sizes, rounded up).</summary>
    private const int EntryOverhead = 256;
    /// <summary>Per parsed header field: the field struct and its name string.</summary>
    private const int FieldOverhead = 64;
    private const int ReadChunk = 4096;
    private static readonly ConditionalWeakTable<IMailStore, Cache> PerStore = new ConditionalWeakTable<IMailStore, Cache>();

    internal sealed class Cache
    {
        public readonly ConcurrentDictionary<(string Account, string Folder, uint UidValidity, uint Uid), Entry> Entries =
            new ConcurrentDictionary<(string, string, uint, uint), Entry>();
        public long Bytes;
    }

    /// <summary>
    /// A header block, its parsed fields and, once asked for, its rendered ENVELOPE (all
    /// immutable once made, so sessions share an entry).
    /// </summary>
    public sealed class Entry
    {
        private readonly Cache? _owner;
        private readonly bool _eightBit;
        private byte[]? _envelope, _envelopeUtf8;

        internal Entry(byte[] bytes, Cache? owner = null)
        {
            Bytes = bytes;
            Headers = RawHeaderList.Parse(bytes, 0, bytes.Length);
            _owner = owner;
            _eightBit = Array.FindIndex(bytes, b => b >= 0x80) >= 0;
        }

        public byte[] Bytes { get; }
        internal RawHeaderList Headers { get; }

        /// <summary>What the entry counts against <see cref="MaxBytes"/> when added.</summary>
        internal long Cost => Bytes.Length + EntryOverhead + (long)FieldOverhead * Headers.Count;

        /// <summary>
        /// The ENVELOPE's parenthesised value, rendered on first use. ENVELOPE is most of
        /// the work of a folder-opening FETCH (address parsing above all), and its answer
        /// depends only on these bytes and on UTF8=ACCEPT, which matters only for 8-bit text.
        /// </summary>
        internal byte[] Envelope(bool utf8)
        {
            // Without 8-bit bytes both answers are the same, and one copy serves both.
            bool variant = utf8 && _eightBit;
            var rendered = variant ? Volatile.Read(ref _envelopeUtf8) : Volatile.Read(ref _envelope);
            if (rendered != null) return rendered;
            rendered = EnvelopeWriter.Render(Headers, utf8);
            // A race renders twice and keeps either copy: both are the same bytes.
            if (variant) Volatile.Write(ref _envelopeUtf8, rendered);
            else Volatile.Write(ref _envelope, rendered);
            if (_owner != null) Interlocked.Add(ref _owner.Bytes, rendered.Length);
            return rendered;
        }
    }

    /// <summary>The message's header block, up to and including the blank line that ends it.</summary>
    public static Entry Get(IMailStore store, string account, string folder, uint uidValidity, uint uid)
    {
        var cache = PerStore.GetValue(store, _ => new Cache());
        var key = (account, folder, uidValidity, uid);
        if (cache.Entries.TryGetValue(key, out var entry))
            return entry;
        byte[] header;
        using (var stream = store.OpenMessage(account, folder, uid))
            header = ReadHeader(stream);
        return Put(cache, key, header);
    }

    /// <summary>Caches the header of a message just stored from <paramref name="message"/> (its whole bytes).</summary>
    public static void Add(IMailStore store, string account, string folder, uint uidValidity, uint uid, byte[] message)
    {
        var cache = PerStore.GetValue(store, _ => new Cache());
        int end = HeaderEnd(message, message.Length, 0);
        Put(cache, (account, folder, uidValidity, uid), end < 0 ? message : Slice(message, end));
    }

    /// <summary>
    /// As <see cref="Add"/> from the first bytes of a message streamed to the store; nothing is
    /// cached when its header does not end within them (the first FETCH reads it from the file).
    /// </summary>
    public static void AddHead(IMailStore store, string account, string folder, uint uidValidity, uint uid, ReadOnlySpan<byte> head)
    {
        var bytes = head.ToArray();
        int end = HeaderEnd(bytes, bytes.Length, 0);
        if (end < 0) return;
        var cache = PerStore.GetValue(store, _ => new Cache());
        Put(cache, (account, folder, uidValidity, uid), Slice(bytes, end));
    }

    private static Entry Put(Cache cache, (string, string, uint, uint) key, byte[] header)
    {
        var entry = new Entry(header, cache);
        long cost = entry.Cost;
        if (Interlocked.Add(ref cache.Bytes, cost) > MaxBytes)
        {
            // Simple bound: start again rather than track recency on every hit.
            cache.Entries.Clear();
            Interlocked.Exchange(ref cache.Bytes, cost);
        }
        cache.Entries[key] = entry;
        return entry;
    }

    /// <summary>Reads until the first empty line (LF LF or LF CR LF), or the end of the message.</summary>
    internal static byte[] ReadHeader(Stream stream)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[ReadChunk];
        int searchFrom = 0;
        while (true)
        {
            int n = stream.Read(chunk, 0, chunk.Length);
            if (n == 0) return buffer.ToArray();
            buffer.Write(chunk, 0, n);
            int length = (int)buffer.Length;
            int end = HeaderEnd(buffer.GetBuffer(), length, searchFrom);
            if (end >= 0) return Slice(buffer.GetBuffer(), end);
            searchFrom = length;
        }
    }

    /// <summary>
    /// The length of the header block in data[0..length), up to and including its empty line,
    /// or -1 when it does not end there. <paramref name="searchFrom"/>: bytes before it were
    /// searched already (the empty line may straddle it).
    /// </summary>
    internal static int HeaderEnd(byte[] data, int length, int searchFrom)
    {
        // A message without header fields: its header block is the empty line alone.
        if (searchFrom < 2 && length >= 1 && data[0] == (byte)'\n') return 1;
        if (searchFrom < 2 && length >= 2 && data[0] == (byte)'\r' && data[1] == (byte)'\n') return 2;
        for (int i = Math.Max(1, searchFrom); i < length; i++)
        {
            if (data[i] != (byte)'\n') continue;
            if (data[i - 1] == (byte)'\n')
                return i + 1;
            if (i >= 2 && data[i - 1] == (byte)'\r' && data[i - 2] == (byte)'\n')
                return i + 1;
        }
        return -1;
    }

    private static byte[] Slice(byte[] data, int length)
    {
        var result = new byte[length];
        Buffer.BlockCopy(data, 0, result, 0, length);
        return result;
    }
}
