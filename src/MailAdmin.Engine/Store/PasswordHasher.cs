using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace MailAdmin.Store;

/// <summary>
/// Salted password hashes. New hashes are "scram-sha-256$iterations$salt$StoredKey$ServerKey" (RFC 5802 §3):
/// SaltedPassword = PBKDF2-HMAC-SHA256(password, salt, iterations) is exactly SCRAM's Hi(), so the same entry
/// checks a plain password (PLAIN, LOGIN, USER/PASS) and serves SCRAM-SHA-256 without the password, and
/// neither key lets anyone log in. The older "pbkdf2-sha256$iterations$salt$SaltedPassword" still verifies;
/// <see cref="Upgrade"/> turns it into the new form (the store does so after a successful login).
/// </summary>
public static class PasswordHasher
{
    public const string Scheme = "scram-sha-256";
    public const string LegacyScheme = "pbkdf2-sha256";
    /// <summary>
    /// PBKDF2 iterations of new hashes: 65,536 (2^16). SCRAM clients compute the same PBKDF2 at every login, and
    /// Cyrus SASL (the library of mbsync, mutt and others) refuses a count above 65,536 ("iteration-count is too
    /// big, refusing to compute"), so this is the strongest count every SCRAM-SHA-256 client takes: 16 times
    /// RFC 7677's minimum of 4,096. Accounts with another count are re-hashed at their next password login.
    /// </summary>
    public const int DefaultIterations = 65_536;

    /// <summary>The largest count SCRAM clients built on Cyrus SASL accept.</summary>
    public const int MaxScramIterations = 65_536;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>
    /// At most this many PBKDF2 computations run at once in the process (one per core): a stream of wrong
    /// passwords queues here instead of taking every core from the sessions that are already logged in.
    /// </summary>
    public static int MaxConcurrentHashes { get; } = Math.Max(1, Environment.ProcessorCount);
    private static readonly SemaphoreSlim HashSlots = new SemaphoreSlim(MaxConcurrentHashes, MaxConcurrentHashes);
    private static int hashesRunning, peakHashesRunning;

    /// <summary>The most bounded hash computations seen running at once in this process (for tests).</summary>
    internal static int PeakConcurrentHashes => Volatile.Read(ref peakHashesRunning);

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        if (password is null) throw new ArgumentNullException(nameof(password));
        var bytes = Encoding.UTF8.GetBytes(password);
        try { return Hash(bytes, iterations); }
        finally { Array.Clear(bytes, 0, bytes.Length); }
    }

    /// <summary>Hashes the UTF-8 bytes of a password.</summary>
    public static string Hash(byte[] passwordUtf8, int iterations = DefaultIterations)
    {
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations));
        var salt = new byte[SaltBytes];
        using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(salt);
        var salted = Derive(passwordUtf8, salt, iterations, HashBytes);
        try { return ScramCredential.FromSaltedPassword(salt, iterations, salted).Encode(); }
        finally { Array.Clear(salted, 0, salted.Length); }
    }

    public static bool Verify(string password, string encodedHash)
    {
        if (password is null) return false;
        var bytes = Encoding.UTF8.GetBytes(password);
        try { return Verify(bytes, encodedHash); }
        finally { Array.Clear(bytes, 0, bytes.Length); }
    }

    /// <summary>True when the password matches; false for a wrong password or a malformed/unknown hash.</summary>
    public static bool Verify(byte[] passwordUtf8, string encodedHash)
    {
        if (passwordUtf8 is null || !TryParse(encodedHash, out var scheme, out var iterations, out var salt, out var keys)) return false;
        if (scheme == LegacyScheme)
        {
            var actual = Derive(passwordUtf8, salt, iterations, keys[0].Length);
            return FixedTime.AreEqual(actual, keys[0]);
        }
        var salted = Derive(passwordUtf8, salt, iterations, HashBytes);
        var computed = ScramCredential.FromSaltedPassword(salt, iterations, salted);
        Array.Clear(salted, 0, salted.Length);
        return FixedTime.AreEqual(computed.StoredKey, keys[0]);
    }

    /// <summary><see cref="Verify(byte[], string)"/> in one of the process's <see cref="MaxConcurrentHashes"/> hash slots.</summary>
    public static async Task<bool> VerifyBoundedAsync(byte[] passwordUtf8, string encodedHash, CancellationToken cancellationToken)
    {
        await HashSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        EnterSlot();
        try { return Verify(passwordUtf8, encodedHash); }
        finally { LeaveSlot(); }
    }

    /// <summary><see cref="Hash(byte[], int)"/> in one of the process's hash slots.</summary>
    public static async Task<string> HashBoundedAsync(byte[] passwordUtf8, int iterations, CancellationToken cancellationToken)
    {
        await HashSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        EnterSlot();
        try { return Hash(passwordUtf8, iterations); }
        finally { LeaveSlot(); }
    }

    private static void EnterSlot()
    {
        var running = Interlocked.Increment(ref hashesRunning);
        int peak;
        while (running > (peak = Volatile.Read(ref peakHashesRunning)) && Interlocked.CompareExchange(ref peakHashesRunning, running, peak) != peak) { }
    }

    private static void LeaveSlot()
    {
        Interlocked.Decrement(ref hashesRunning);
        HashSlots.Release();
    }

    /// <summary>The SCRAM-SHA-256 keys of a stored hash (either form), or null when it has none.</summary>
    public static ScramCredential? ToScram(string encodedHash)
    {
        if (!TryParse(encodedHash, out var scheme, out var iterations, out var salt, out var keys)) return null;
        if (scheme == Scheme) return new ScramCredential(salt, iterations, keys[0], keys[1]);
        // The legacy form stores SaltedPassword itself: the keys follow without the password.
        return keys[0].Length == HashBytes ? ScramCredential.FromSaltedPassword(salt, iterations, keys[0]) : null;
    }

    /// <summary>The iteration count of a stored hash (either form), or 0 when it is malformed.</summary>
    public static int IterationsOf(string encodedHash)
        => TryParse(encodedHash, out _, out var iterations, out _, out _) ? iterations : 0;

    /// <summary>The current form of a legacy hash (same salt and iterations), or null when it is current or cannot be converted.</summary>
    public static string? Upgrade(string encodedHash)
    {
        if (encodedHash is null || !encodedHash.StartsWith(LegacyScheme + "$", StringComparison.Ordinal)) return null;
        return ToScram(encodedHash)?.Encode();
    }

    private static bool TryParse(string encoded, out string scheme, out int iterations, out byte[] salt, out byte[][] keys)
    {
        scheme = ""; iterations = 0; salt = Array.Empty<byte>(); keys = Array.Empty<byte[]>();
        if (string.IsNullOrEmpty(encoded)) return false;
        var parts = encoded.Split('$');
        if (parts[0] == LegacyScheme ? parts.Length != 4 : parts[0] != Scheme || parts.Length != 5) return false;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 1) return false;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            keys = new byte[parts.Length - 3][];
            for (var i = 3; i < parts.Length; i++) keys[i - 3] = Convert.FromBase64String(parts[i]);
        }
        catch (FormatException) { return false; }
        foreach (var key in keys) if (key.Length == 0) return false;
        if (parts[0] == Scheme && (keys[0].Length != HashBytes || keys[1].Length != HashBytes)) return false;
        scheme = parts[0];
        return true;
    }

    private static byte[] Derive(byte[] password, byte[] salt, int iterations, int length)
    {
        var generator = new Pkcs5S2ParametersGenerator(new Sha256Digest());
        generator.Init(password, salt, iterations);
        var key = (KeyParameter)generator.GenerateDerivedMacParameters(length * 8);
        return key.GetKey();
    }
}
