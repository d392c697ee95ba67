using System;
using System.Collections.Concurrent;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using MailAdmin.Protocols.Imap.Mime;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap
{
    /// <summary>
    /// The top-level header blocks of messages, kept per store so that the FETCHes a client
    /// makes when it opens a folder (ENVELOPE, header fields) do not read every message file
    /// again. A message's bytes never change under its UID, and UIDs are never reused within a
    /// UIDVALIDITY, so entries never go stale; the cache is only bounded in size.
    /// </summary>
    internal static class ImapHeaderCache
    {
        private const long MaxBytes = 64L * 1024 * 1024;
        private const int ReadChunk = 4096;
        private static readonly ConditionalWeakTable<IMailStore, Cache> PerStore = new ConditionalWeakTable<IMailStore, Cache>();

        private sealed class Cache
        {
            public readonly ConcurrentDictionary<(string Account, string Folder, uint UidValidity, uint Uid), Entry> Entries =
                new ConcurrentDictionary<(string, string, uint, uint), Entry>();
            public long Bytes;
        }

        /// <summary>A header block and its parsed fields (immutable, so sessions share it).</summary>
        public sealed class Entry
        {
            public Entry(byte[] bytes)
            {
                Bytes = bytes;
                Headers = RawHeaderList.Parse(bytes, 0, bytes.Length);
            }

            public byte[] Bytes { get; }
            internal RawHeaderList Headers { get; }
        }

        /// <summary>The message's header block, up to and including the blank line that ends it.</summary>
        public static Entry Get(IMailStore store, string account, string folder, uint uidValidity, uint uid)
        {
            var cache = PerStore.GetValue(store, _ => new Cache());
            var key = (account, folder, uidValidity, uid);
            if (cache.Entries.TryGetValue(key, out var entry))
                return entry;
            using (var stream = store.OpenMessage(account, folder, uid))
                entry = new Entry(ReadHeader(stream));
            if (Interlocked.Add(ref cache.Bytes, entry.Bytes.Length) > MaxBytes)
            {
                // Simple bound: start again rather than track recency on every hit.
                cache.Entries.Clear();
                Interlocked.Exchange(ref cache.Bytes, entry.Bytes.Length);
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
                var data = buffer.GetBuffer();
                int length = (int)buffer.Length;
                // A message without header fields: its header block is the empty line alone.
                if (searchFrom == 0 && data[0] == (byte)'\n') return Slice(data, 1);
                if (searchFrom == 0 && length >= 2 && data[0] == (byte)'\r' && data[1] == (byte)'\n') return Slice(data, 2);
                for (int i = Math.Max(1, searchFrom); i < length; i++)
                {
                    if (data[i] != (byte)'\n') continue;
                    if (data[i - 1] == (byte)'\n')
                        return Slice(data, i + 1);
                    if (i >= 2 && data[i - 1] == (byte)'\r' && data[i - 2] == (byte)'\n')
                        return Slice(data, i + 1);
                }
                searchFrom = length;
            }
        }

        private static byte[] Slice(byte[] data, int length)
        {
            var result = new byte[length];
            Buffer.BlockCopy(data, 0, result, 0, length);
            return result;
        }
    }
}
