using System;
using System.Globalization;

namespace MailAdmin.DnsChecks;

/// <summary>Domain names as DNS wants them: IDN labels in punycode (IDNA2008 through .NET's IdnMapping).</summary>
public static class DomainName
{
    private static readonly IdnMapping Idn = new IdnMapping { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>
    /// The A-label form of <paramref name="domain"/>, lower-cased, without a trailing dot.
    /// Throws ArgumentException when it is not a valid host name (empty label, label over 63
    /// octets, name over 253, characters outside letters, digits and hyphen).
    /// </summary>
    public static string ToAscii(string domain)
    {
        var name = domain.Trim();
        if (name.EndsWith(".", StringComparison.Ordinal)) name = name.Substring(0, name.Length - 1);
        if (name.Length == 0) throw new ArgumentException("The domain is empty.");
        // Say which character is wrong rather than .NET's "Decoded string is not a valid IDN name".
        foreach (var c in name)
            if (c < 128 && !(char.IsLetterOrDigit(c) || c == '-' || c == '.'))
                throw new ArgumentException($"'{domain}' is not a valid domain name: '{c}' is not allowed in a host name (letters, digits, hyphens and dots only).");
        string ascii;
        try { ascii = Idn.GetAscii(name); }
        catch (ArgumentException ex) { throw new ArgumentException($"'{domain}' is not a valid domain name: it is not a valid internationalized name (IDNA).", ex); }
        if (ascii.Length > 253) throw new ArgumentException($"'{domain}' is longer than 253 octets.");
        foreach (var label in ascii.Split('.'))
        {
            if (label.Length == 0 || label.Length > 63)
                throw new ArgumentException($"'{domain}' has an empty label or one longer than 63 octets.");
            if (label[0] == '-' || label[label.Length - 1] == '-')
                throw new ArgumentException($"'{domain}' has a label that starts or ends with a hyphen.");
        }
        return ascii.ToLowerInvariant();
    }

    /// <summary>
    /// A domain as a key for comparing (local domains, queue destinations): the A-label form,
    /// lower-cased, without a trailing dot; a name IDNA refuses is only lower-cased (whoever uses
    /// it later says what is wrong with it).
    /// </summary>
    public static string Normalize(string domain)
    {
        domain = domain.Trim().TrimEnd('.');
        try { return new IdnMapping().GetAscii(domain).ToLowerInvariant(); }
        catch (ArgumentException) { return domain.ToLowerInvariant(); }
    }

    /// <summary>Like <see cref="ToAscii"/>, but null instead of an exception.</summary>
    public static string? TryToAscii(string domain, out string? error)
    {
        try { error = null; return ToAscii(domain); }
        catch (ArgumentException ex) { error = ex.Message; return null; }
    }
}
