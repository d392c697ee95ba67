using System.Text;

namespace MailAdmin.Store;

/// <summary>Comparisons of secrets whose time depends on the length only, never on where the first difference is.</summary>
public static class FixedTime
{
    public static bool AreEqual(byte[]? a, byte[]? b)
    {
        if (a is null || b is null) return false;
        var diff = a.Length ^ b.Length;
        for (var i = 0; i < a.Length && i < b.Length; i++) diff |= a[i] ^ b[i];
        return diff == 0;
    }

    public static bool AreEqual(string? a, string? b)
        => a != null && b != null && AreEqual(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
