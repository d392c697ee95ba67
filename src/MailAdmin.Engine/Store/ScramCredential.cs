using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// What a server keeps for SCRAM-SHA-256 (RFC 5802 §3, RFC 7677): salt, iteration count, StoredKey and ServerKey.
/// StoredKey checks a client's proof, ServerKey signs the server's answer; neither is the password.
/// </summary>
public sealed class ScramCredential
{
    public ScramCredential(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey)
    {
        Salt = salt ?? throw new ArgumentNullException(nameof(salt));
        Iterations = iterations;
        StoredKey = storedKey ?? throw new ArgumentNullException(nameof(storedKey));
        ServerKey = serverKey ?? throw new ArgumentNullException(nameof(serverKey));
    }

    public byte[] Salt { get; }
    public int Iterations { get; }
    public byte[] StoredKey { get; }
    public byte[] ServerKey { get; }

    /// <summary>ClientKey = HMAC(SaltedPassword, "Client Key"), StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key").</summary>
    public static ScramCredential FromSaltedPassword(byte[] salt, int iterations, byte[] saltedPassword)
    {
        var clientKey = Hmac(saltedPassword, "Client Key");
        byte[] storedKey;
        using (var sha = SHA256.Create()) storedKey = sha.ComputeHash(clientKey);
        Array.Clear(clientKey, 0, clientKey.Length);
        return new ScramCredential(salt, iterations, storedKey, Hmac(saltedPassword, "Server Key"));
    }

    public string Encode() => string.Join("$", PasswordHasher.Scheme, Iterations.ToString(CultureInfo.InvariantCulture),
        Convert.ToBase64String(Salt), Convert.ToBase64String(StoredKey), Convert.ToBase64String(ServerKey));

    internal static byte[] Hmac(byte[] key, string text) => Hmac(key, Encoding.UTF8.GetBytes(text));

    internal static byte[] Hmac(byte[] key, byte[] data)
    {
        using var hmac = new HMACSHA256(key);
        return hmac.ComputeHash(data);
    }
}
