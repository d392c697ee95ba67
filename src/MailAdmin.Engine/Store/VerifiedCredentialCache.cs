using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// Remembers, in memory only, that a password was right, so a client that logs in again and again (a mail
/// client polling, a POP3 fetcher) costs an HMAC instead of a PBKDF2 run (as Dovecot's auth cache). Each entry
/// holds a keyed hash, HMAC-SHA256 with a random per-process key, of (account, password) — never the password —
/// and the stored password hash it was checked against: an entry counts only while the account still has that
/// hash and is enabled, so a change of password or account, by this process or another one writing the accounts
/// file, ends it at once. Bounds: <see cref="Ttl"/> per entry and <see cref="MaxEntries"/> entries (one per account).
/// </summary>
internal sealed class VerifiedCredentialCache
{
    /// <summary>The count bound: at most this many accounts are remembered (about 150 bytes each).</summary>
    public const int MaxEntries = 10_000;

    private readonly byte[] key = new byte[32];
    private readonly Dictionary<string, Entry> entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
    private readonly object gate = new object();

    public VerifiedCredentialCache()
    {
        using var rng = RandomNumberGenerator.Create();
        rng.GetBytes(key);
    }

    /// <summary>How long a verified password is remembered; zero turns the cache off.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.Zero;

    public int Count { get { lock (gate) return entries.Count; } }

    /// <summary>True when this password was verified for the account, while it had <paramref name="passwordHash"/>, less than <see cref="Ttl"/> ago.</summary>
    public bool Contains(string address, string passwordHash, byte[] password)
    {
        if (Ttl <= TimeSpan.Zero) return false;
        Entry entry;
        lock (gate)
        {
            if (!entries.TryGetValue(address, out entry)) return false;
            if (entry.Expires <= DateTime.UtcNow || !ReferenceEquals(entry.PasswordHash, passwordHash) && entry.PasswordHash != passwordHash)
            {
                entries.Remove(address);
                return false;
            }
        }
        return FixedTime.AreEqual(entry.Tag, Tag(address, password));
    }

    public void Add(string address, string passwordHash, byte[] password)
    {
        var ttl = Ttl;
        if (ttl <= TimeSpan.Zero) return;
        var entry = new Entry(Tag(address, password), passwordHash, DateTime.UtcNow + ttl);
        lock (gate)
        {
            if (entries.Count >= MaxEntries && !entries.ContainsKey(address)) MakeRoom();
            entries[address] = entry;
        }
    }

    public void Remove(string address) { lock (gate) entries.Remove(address); }

    public void Clear() { lock (gate) entries.Clear(); }

    private void MakeRoom()
    {
        var now = DateTime.UtcNow;
        string? oldest = null;
        var oldestExpiry = DateTime.MaxValue;
        var expired = new List<string>();
        foreach (var pair in entries)
        {
            if (pair.Value.Expires <= now) expired.Add(pair.Key);
            else if (pair.Value.Expires < oldestExpiry) { oldest = pair.Key; oldestExpiry = pair.Value.Expires; }
        }
        foreach (var address in expired) entries.Remove(address);
        if (entries.Count >= MaxEntries && oldest != null) entries.Remove(oldest);
    }

    private byte[] Tag(string address, byte[] password)
    {
        var name = Encoding.UTF8.GetBytes(address);
        var data = new byte[name.Length + 1 + password.Length];
        Buffer.BlockCopy(name, 0, data, 0, name.Length);
        Buffer.BlockCopy(password, 0, data, name.Length + 1, password.Length);
        try { return ScramCredential.Hmac(key, data); }
        finally { Array.Clear(data, 0, data.Length); }
    }

    private readonly struct Entry
    {
        public Entry(byte[] tag, string passwordHash, DateTime expires) { Tag = tag; PasswordHash = passwordHash; Expires = expires; }
        public byte[] Tag { get; }
        public string PasswordHash { get; }
        public DateTime Expires { get; }
    }
}
