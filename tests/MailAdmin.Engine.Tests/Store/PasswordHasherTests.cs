using System.Text;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

public sealed class PasswordHasherTests
{
    [Theory]
    [InlineData("secret")]
    [InlineData("")]
    [InlineData("pässwörd with spaces and ☃")]
    public void Hash_verifies_the_right_password_only(string password)
    {
        var hash = PasswordHasher.Hash(password, 1000);
        Assert.StartsWith("scram-sha-256$1000$", hash);
        Assert.Equal(5, hash.Split('$').Length);
        if (password.Length > 0) Assert.DoesNotContain(password, hash);
        // Nor its base64 form; only for passwords long enough that a random hash cannot hold
        // the same few characters by chance.
        if (password.Length >= 6) Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(password)).TrimEnd('='), hash);
        Assert.True(PasswordHasher.Verify(password, hash));
        Assert.False(PasswordHasher.Verify(password + "x", hash));
        Assert.False(PasswordHasher.Verify(password.ToUpperInvariant() + "!", hash));
    }

    [Fact]
    public void Each_hash_has_its_own_salt()
    {
        Assert.NotEqual(PasswordHasher.Hash("same", 1000), PasswordHasher.Hash("same", 1000));
    }

    [Fact]
    public void Known_vector_matches_pbkdf2_hmac_sha256()
    {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1, dkLen=64; first 32 bytes
        var salt = Convert.ToBase64String(Encoding.ASCII.GetBytes("salt"));
        var expected = Convert.ToBase64String(Convert.FromHexString("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"));
        Assert.True(PasswordHasher.Verify("passwd", $"pbkdf2-sha256$1${salt}${expected}"));
        Assert.False(PasswordHasher.Verify("passwd2", $"pbkdf2-sha256$1${salt}${expected}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("md5$1$x$y")]
    [InlineData("pbkdf2-sha256$0$c2FsdA==$AAAA")]
    [InlineData("pbkdf2-sha256$x$c2FsdA==$AAAA")]
    [InlineData("pbkdf2-sha256$1$not base64$AAAA")]
    [InlineData("scram-sha-256$1$c2FsdA==$AAAA")]
    [InlineData("scram-sha-256$1$c2FsdA==$AAAA$AAAA")]
    [InlineData("scram-sha-256$1$c2FsdA==$AAAA$AAAA$AAAA")]
    public void Malformed_hashes_never_verify(string hash)
    {
        Assert.False(PasswordHasher.Verify("plain", hash));
    }

    [Fact]
    public void Default_iterations_are_strong()
    {
        // At least 16 times RFC 7677's minimum of 4096, and no more than Cyrus SASL's SCRAM clients accept.
        Assert.InRange(PasswordHasher.DefaultIterations, 16 * 4096, PasswordHasher.MaxScramIterations);
        Assert.Contains($"${PasswordHasher.DefaultIterations}$", PasswordHasher.Hash("x"));
    }
}
