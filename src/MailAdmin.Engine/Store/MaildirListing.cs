using System;
using System.IO;
using System.Runtime.InteropServices;

namespace MailAdmin.Store;

/// <summary>
/// The message files one listing of new/ then cur/ found, one per base name (the first seen: new/ before cur/,
/// as a message moves only that way), without dot files and names with CR or LF. A rescan of a big folder
/// compares every indexed message with this, and almost always finds it at the very name it expects: so the names
/// are kept back to back in one buffer and looked up by base name through a hash table over that buffer, and no
/// string or object is made per file. A name's strings are made (<see cref="FileName"/>, <see cref="BaseName"/>)
/// only for a file the index does not know or knows under another name. Dispose keeps the buffers for the next
/// listing (<see cref="Spare{T}"/>).
/// </summary>
internal sealed class MaildirListing : IDisposable
{
    /// <summary>Per process, so no one can choose names that all land in one bucket.</summary>
    private static readonly ulong HashSeed = (ulong)new Random().Next() << 32 | (uint)Environment.TickCount;

    private static readonly Spare<char> SpareChars = new Spare<char>();
    private static readonly Spare<Name> SpareNames = new Spare<Name>();
    private static readonly Spare<int> SpareTable = new Spare<int>();

    private struct Name
    {
        internal int Start;
        internal int Length;
        internal int BaseLength;
        internal int Hash;
        internal bool IsNew;
        /// <summary>An indexed message was found here (see <see cref="Find"/>).</summary>
        internal bool Matched;
    }

    private char[] chars;
    private int used;
    private Name[] names;
    /// <summary>How many names the table is made for (a spare <see cref="names"/> may be longer).</summary>
    private int capacity;
    /// <summary>
    /// Open addressing, linear probing: 1 + the position in <see cref="names"/>, 0 for an empty slot. Only its first
    /// <see cref="tableMask"/> + 1 places are used: a power of two, at least twice <see cref="capacity"/>.
    /// </summary>
    private int[] table = Array.Empty<int>();
    private int tableMask;

    private MaildirListing(int expected)
    {
        // Room for a few more files than indexed (new deliveries), with names as long as usual ones; more grows.
        capacity = Math.Max(16, expected + expected / 8);
        chars = SpareChars.Take(capacity * 64);
        names = SpareNames.Take(capacity);
        NewTable();
    }

    /// <summary>How many distinct base names were found.</summary>
    internal int Count { get; private set; }

    /// <summary>Lists <paramref name="newDir"/> then <paramref name="curDir"/>; <paramref name="expected"/>: about how many files (the index's size), to size the buffers once.</summary>
    internal static MaildirListing Read(string newDir, string curDir, int expected)
    {
        var listing = new MaildirListing(expected);
        try
        {
            listing.Add(newDir, true);
            listing.Add(curDir, false);
            return listing;
        }
        catch
        {
            listing.Dispose();
            throw;
        }
    }

    private void Add(string directory, bool isNew)
    {
        // Each path is garbage as soon as its name is copied: nothing of it survives to be promoted by a collection.
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var name = path.AsSpan(NameStart(path));
            if (name.Length == 0 || name[0] == '.' || name.IndexOfAny('\r', '\n') >= 0) continue;
            var baseName = name.Slice(0, MaildirFileName.BaseLengthOf(name));
            var hash = HashOf(baseName);
            // The same message twice (an outside tool's half-done move): keep the first.
            if (Slot(baseName, hash, out var slot) >= 0) continue;
            if (Count == capacity)
            {
                capacity *= 2;
                if (capacity > names.Length) Grow(ref names, capacity);
                NewTable();
                Slot(baseName, hash, out slot);
            }
            if (used + name.Length > chars.Length) Grow(ref chars, Math.Max(chars.Length * 2, used + name.Length));
            name.CopyTo(chars.AsSpan(used));
            names[Count] = new Name { Start = used, Length = name.Length, BaseLength = baseName.Length, Hash = hash, IsNew = isNew };
            used += name.Length;
            table[slot] = ++Count;
        }
    }

    /// <summary>Where the file name begins in a path Directory.EnumerateFiles returned (as Path.GetFileName finds it).</summary>
    private static int NameStart(string path)
        => path.AsSpan().LastIndexOfAny(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + 1;

    /// <summary>
    /// The position of the file with this base name, else -1; marks it as matched (see <see cref="IsMatched"/>).
    /// Each indexed message asks once (base names are unique in the index), so what is left unmatched is new to it.
    /// </summary>
    internal int Find(string baseName)
    {
        var key = baseName.AsSpan();
        var i = Slot(key, HashOf(key), out _);
        if (i >= 0) names[i].Matched = true;
        return i;
    }

    /// <summary>Whether this listing found <paramref name="fileName"/> (in new/ when <paramref name="isNew"/>, else in cur/).</summary>
    internal bool Has(ReadOnlySpan<char> fileName, bool isNew)
    {
        var baseName = fileName.Slice(0, MaildirFileName.BaseLengthOf(fileName));
        var i = Slot(baseName, HashOf(baseName), out _);
        return i >= 0 && names[i].IsNew == isNew && NameAt(i).SequenceEqual(fileName);
    }

    /// <summary>An indexed message was found at position <paramref name="i"/> (by <see cref="Find"/>).</summary>
    internal bool IsMatched(int i) => names[i].Matched;

    internal bool IsNew(int i) => names[i].IsNew;

    /// <summary>The name without copying it; valid until Dispose.</summary>
    internal ReadOnlySpan<char> NameAt(int i) => chars.AsSpan(names[i].Start, names[i].Length);

    internal string FileName(int i) => NameAt(i).ToString();

    internal string BaseName(int i) => chars.AsSpan(names[i].Start, names[i].BaseLength).ToString();

    /// <summary>The position of <paramref name="key"/> (-1 when absent) and the table slot that holds it or would.</summary>
    private int Slot(ReadOnlySpan<char> key, int hash, out int slot)
    {
        for (slot = hash & tableMask; ; slot = (slot + 1) & tableMask)
        {
            var at = table[slot] - 1;
            if (at < 0) return -1;
            ref var n = ref names[at];
            if (n.Hash == hash && n.BaseLength == key.Length && chars.AsSpan(n.Start, n.BaseLength).SequenceEqual(key)) return at;
        }
    }

    /// <summary>A table for <see cref="capacity"/> names, holding those listed so far.</summary>
    private void NewTable()
    {
        var length = 32;
        while (length < capacity * 2) length *= 2;
        SpareTable.Give(table);
        table = SpareTable.Take(length);
        Array.Clear(table, 0, length);
        tableMask = length - 1;
        for (var i = 0; i < Count; i++)
        {
            var slot = names[i].Hash & tableMask;
            while (table[slot] != 0) slot = (slot + 1) & tableMask;
            table[slot] = i + 1;
        }
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        var bigger = new T[length];
        Array.Copy(array, bigger, array.Length);
        array = bigger;
    }

    /// <summary>A seeded 64-bit hash of a base name, four characters at a time.</summary>
    private static int HashOf(ReadOnlySpan<char> key)
    {
        var h = HashSeed ^ (ulong)key.Length;
        var words = MemoryMarshal.Cast<char, ulong>(key);
        foreach (var w in words) h = (h ^ w) * 0x100000001b3UL;
        for (var i = words.Length * 4; i < key.Length; i++) h = (h ^ key[i]) * 0x100000001b3UL;
        // Mix the high bits down: the table uses the low ones.
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        return (int)h;
    }

    public void Dispose()
    {
        SpareChars.Give(chars);
        SpareNames.Give(names);
        SpareTable.Give(table);
        chars = Array.Empty<char>();
        names = Array.Empty<Name>();
        table = Array.Empty<int>();
    }

    /// <summary>
    /// One array kept from a listing for the next (of any folder), so that listing a big folder again does not
    /// allocate its large buffers anew each time. Held weakly: it costs no memory beyond the next full collection
    /// (an open folder's memory is its index), and a listing that finds it taken or collected allocates its own.
    /// </summary>
    private sealed class Spare<T>
    {
        private readonly WeakReference<T[]> held = new WeakReference<T[]>(Array.Empty<T>());

        internal T[] Take(int length)
        {
            lock (held)
            {
                if (held.TryGetTarget(out var spare) && spare.Length >= length)
                {
                    held.SetTarget(Array.Empty<T>());
                    return spare;
                }
            }
            return new T[length];
        }

        /// <summary>Keeps <paramref name="array"/> unless a larger one is kept already.</summary>
        internal void Give(T[] array)
        {
            lock (held)
                if (!held.TryGetTarget(out var spare) || spare.Length < array.Length) held.SetTarget(array);
        }
    }
}
