using System;
using System.IO;
using System.Security.Cryptography;

namespace MailAdmin.Security;

/// <summary>
/// Recomputes a signature's body hash (bh=) from the raw message, with the body
/// canonicalizations of RFC 6376 §3.4.3-3.4.5 and the l= limit. MimeKit's verifier only
/// says "invalid"; comparing bh= tells the user whether the body changed or a signed
/// header field did.
/// </summary>
internal static class DkimBodyHash
{
    /// <summary>True or false when it can tell; null when the signature's tags are not understood.</summary>
    public static bool? Matches(byte[] raw, DkimSignatureTags tags)
    {
        var expected = tags["bh"];
        var algorithm = tags["a"];
        if (expected == null || algorithm == null) return null;
        HashAlgorithm? hash = algorithm.EndsWith("sha256", StringComparison.OrdinalIgnoreCase) ? SHA256.Create()
            : algorithm.EndsWith("sha1", StringComparison.OrdinalIgnoreCase) ? SHA1.Create() : (HashAlgorithm?)null;
        if (hash == null) return null;
        var canonicalization = tags["c"] ?? "simple/simple";
        int slash = canonicalization.IndexOf('/');
        bool relaxed = (slash < 0 ? "simple" : canonicalization.Substring(slash + 1)).Equals("relaxed", StringComparison.OrdinalIgnoreCase);

        var body = Canonicalize(Body(raw), relaxed);
        long length = body.Length;
        if (tags["l"] != null)
        {
            if (!long.TryParse(tags["l"], out var limit) || limit > body.Length) return false;
            length = limit;
        }
        using (hash)
            return Convert.ToBase64String(hash.ComputeHash(body, 0, (int)length)) == expected;
    }

    /// <summary>The body's lines (without ends), after the header's blank line; a bare LF counts as a line end.</summary>
    private static string[] Body(byte[] raw)
    {
        var text = System.Text.Encoding.GetEncoding("ISO-8859-1").GetString(raw).Replace("\r\n", "\n");
        int start = text.IndexOf("\n\n", StringComparison.Ordinal);
        var body = start < 0 ? "" : text.Substring(start + 2);
        return body.Split('\n');
    }

    private static byte[] Canonicalize(string[] lines, bool relaxed)
    {
        int count = lines.Length;
        // Trailing empty lines are ignored (both methods); in relaxed, lines of only whitespace count as empty.
        while (count > 0 && (relaxed ? Relax(lines[count - 1]).Length == 0 : lines[count - 1].Length == 0))
            count--;
        using var output = new MemoryStream();
        var latin1 = System.Text.Encoding.GetEncoding("ISO-8859-1");
        for (int i = 0; i < count; i++)
        {
            var line = relaxed ? Relax(lines[i]) : lines[i];
            var bytes = latin1.GetBytes(line + "\r\n");
            output.Write(bytes, 0, bytes.Length);
        }
        // An empty body is one CRLF in simple and nothing in relaxed.
        if (count == 0 && !relaxed)
            output.Write(new byte[] { 13, 10 }, 0, 2);
        return output.ToArray();
    }

    private static string Relax(string line) =>
        System.Text.RegularExpressions.Regex.Replace(line, "[ \t]+", " ").TrimEnd(' ');
}
