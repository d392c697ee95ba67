using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Protocols.Sasl;

/// <summary>
/// A delay per client address that grows with its failed logins (as Dovecot's auth_penalty): after n failures
/// in a row each new attempt from that address waits Initial·2^(n-1), capped at Max (2, 4, 8, 15, 15… s by
/// default), and the attempts of one address are checked one at a time, so opening more connections buys
/// neither more guesses nor more of the hash slots (<see cref="MailAdmin.Store.PasswordHasher.MaxConcurrentHashes"/>). A success clears the address; so does an hour without failures. The wait is an async
/// delay: no thread is held, and other addresses are not slowed at all. IPv6 clients are counted per /64,
/// the block a single host usually has. At most <see cref="MaxAddresses"/> addresses are tracked.
/// </summary>
public sealed class LoginPenalty
{
    public const int MaxAddresses = 100_000;
    public static readonly TimeSpan DefaultInitial = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultMax = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromHours(1);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public LoginPenalty() : this(DefaultInitial, DefaultMax) { }

    /// <param name="initial">The delay after the first failure; zero turns the penalty off.</param>
    /// <param name="max">The cap.</param>
    public LoginPenalty(TimeSpan initial, TimeSpan max)
    {
        if (initial < TimeSpan.Zero || max < initial) throw new ArgumentOutOfRangeException(nameof(max));
        Initial = initial;
        Max = max;
    }

    public TimeSpan Initial { get; }
    public TimeSpan Max { get; }

    /// <summary>A penalty that never delays (engine tests, single sessions).</summary>
    public static LoginPenalty None { get; } = new(TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>The delay after <paramref name="failures"/> failures in a row.</summary>
    public TimeSpan DelayAfter(int failures)
    {
        if (failures <= 0 || Initial == TimeSpan.Zero) return TimeSpan.Zero;
        var ticks = Initial.Ticks;
        for (int i = 1; i < failures && ticks < Max.Ticks; i++) ticks *= 2;
        return TimeSpan.FromTicks(Math.Min(ticks, Max.Ticks));
    }

    /// <summary>Failures in a row of an address now (0 when forgotten).</summary>
    public int Failures(IPAddress? client)
    {
        var key = Key(client);
        if (key == null) return 0;
        lock (_gate) return _entries.TryGetValue(key, out var e) && !e.Forgotten(DateTime.UtcNow) ? e.Count : 0;
    }

    /// <summary>
    /// Waits until an attempt from this address may be checked. Dispose the result when the attempt is decided
    /// (after <see cref="Failed"/> or <see cref="Succeeded"/>): an address has one attempt checked at a time.
    /// </summary>
    /// <param name="client">The client's address (null: no penalty).</param>
    /// <param name="cancellationToken">Ends the wait (the connection closes).</param>
    /// <param name="delay">False for a later step of an exchange that waited already: its turn, but no second delay.</param>
    public async Task<IDisposable?> EnterAsync(IPAddress? client, CancellationToken cancellationToken, bool delay = true)
    {
        var key = Key(client);
        if (key == null || Initial == TimeSpan.Zero) return null;
        Entry? entry;
        var now = DateTime.UtcNow;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out entry))
            {
                if (_entries.Count >= MaxAddresses) Prune(now);
                _entries[key] = entry = new Entry();
            }
            else if (entry.Count > 0 && entry.Forgotten(now))
            {
                entry.Count = 0;
                entry.NextAttempt = DateTime.MinValue;
            }
        }
        // One attempt at a time per address, penalised or not: a burst of connections from one address then
        // takes one hash slot, not all of them, and cannot delay the logins of other addresses.
        await entry.Turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (delay)
            {
                TimeSpan wait;
                lock (_gate) wait = entry.NextAttempt - DateTime.UtcNow;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                lock (_gate) entry.NextAttempt = DateTime.UtcNow + DelayAfter(entry.Count);
            }
            return new Release(entry.Turn);
        }
        catch
        {
            entry.Turn.Release();
            throw;
        }
    }

    public void Failed(IPAddress? client)
    {
        var key = Key(client);
        if (key == null || Initial == TimeSpan.Zero) return;
        var now = DateTime.UtcNow;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                if (_entries.Count >= MaxAddresses) Prune(now);
                _entries[key] = entry = new Entry();
            }
            else if (entry.Forgotten(now)) entry.Count = 0;
            entry.Count++;
            entry.LastFailure = now;
            var next = now + DelayAfter(entry.Count);
            if (next > entry.NextAttempt) entry.NextAttempt = next;
        }
    }

    public void Succeeded(IPAddress? client)
    {
        var key = Key(client);
        if (key == null) return;
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                entry.Count = 0;
                entry.NextAttempt = DateTime.MinValue;
            }
        }
    }

    private void Prune(DateTime now)
    {
        var stale = new List<string>();
        foreach (var pair in _entries)
            if (pair.Value.Forgotten(now) || pair.Value.Count == 0) stale.Add(pair.Key);
        foreach (var key in stale) _entries.Remove(key);
        if (_entries.Count >= MaxAddresses) _entries.Clear();   // a flood of addresses: start over rather than grow
    }

    private static string? Key(IPAddress? address)
    {
        if (address == null) return null;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        for (int i = 8; i < 16; i++) bytes[i] = 0;
        return new IPAddress(bytes) + "/64";
    }

    private sealed class Entry
    {
        public int Count;
        public DateTime LastFailure, NextAttempt;
        public readonly SemaphoreSlim Turn = new(1, 1);
        public bool Forgotten(DateTime now) => now - LastFailure > ForgetAfter;
    }

    private sealed class Release : IDisposable
    {
        private SemaphoreSlim? _turn;
        public Release(SemaphoreSlim turn) => _turn = turn;
        public void Dispose() => Interlocked.Exchange(ref _turn, null)?.Release();
    }
}
