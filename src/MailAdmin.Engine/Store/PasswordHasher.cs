using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace MailAdmin.Store
{
    /// <summary>
    /// Salted PBKDF2-HMAC-SHA256 password hashes in the form "pbkdf2-sha256$iterations$salt$hash" (salt and hash
    /// in base64). The scheme name leads so that another scheme can be added later.
    /// </summary>
    public static class PasswordHasher
    {
        public const string Scheme = "pbkdf2-sha256";
        public const int DefaultIterations = 210_000;
        private const int SaltBytes = 16;
        private const int HashBytes = 32;

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
            var hash = Derive(passwordUtf8, salt, iterations, HashBytes);
            return string.Join("$", Scheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
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
            if (passwordUtf8 is null || string.IsNullOrEmpty(encodedHash)) return false;
            var parts = encodedHash.Split('$');
            if (parts.Length != 4 || parts[0] != Scheme) return false;
            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1) return false;
            byte[] salt, expected;
            try
            {
                salt = Convert.FromBase64String(parts[2]);
                expected = Convert.FromBase64String(parts[3]);
            }
            catch (FormatException) { return false; }
            if (expected.Length == 0) return false;
            var actual = Derive(passwordUtf8, salt, iterations, expected.Length);
            return FixedTimeEquals(actual, expected);
        }

        private static byte[] Derive(byte[] password, byte[] salt, int iterations, int length)
        {
            var generator = new Pkcs5S2ParametersGenerator(new Sha256Digest());
            generator.Init(password, salt, iterations);
            var key = (KeyParameter)generator.GenerateDerivedMacParameters(length * 8);
            return key.GetKey();
        }

        private static bool FixedTimeEquals(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            var diff = 0;
            for (var i = 0; i < a.Length; i++) diff |= a[i] ^ b[i];
            return diff == 0;
        }
    }
}
