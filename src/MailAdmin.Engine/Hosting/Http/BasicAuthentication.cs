using System;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace MailAdmin.Hosting.Http;

/// <summary>HTTP Basic authentication (RFC 7617) against one user name and password, compared in constant time.</summary>
internal sealed class BasicAuthentication
{
    private readonly byte[] _expected;

    public BasicAuthentication(NetworkCredential credential)
    {
        _expected = Hash(credential.UserName + ":" + credential.Password);
    }

    public bool Allows(HttpRequest request)
    {
        if (!request.Headers.TryGetValue("Authorization", out var value)) return false;
        const string scheme = "Basic ";
        if (!value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        string pair;
        try { pair = Encoding.UTF8.GetString(Convert.FromBase64String(value.Substring(scheme.Length).Trim())); }
        catch (FormatException) { return false; }
        return FixedTimeEquals(Hash(pair), _expected);
    }

    // Comparing hashes keeps the time independent of the password's length as well as of its content.
    private static byte[] Hash(string text)
    {
        using var sha = SHA256.Create();
        return sha.ComputeHash(Encoding.UTF8.GetBytes(text));
    }

    private static bool FixedTimeEquals(byte[] a, byte[] b)
    {
        var difference = a.Length ^ b.Length;
        for (var i = 0; i < a.Length && i < b.Length; i++) difference |= a[i] ^ b[i];
        return difference == 0;
    }
}
