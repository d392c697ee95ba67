using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailAdmin.DnsChecks;

namespace MailAdmin.Addresses;

/// <summary>
/// An address checked against the RFC 5321 §4.1.2 Mailbox grammar, extended by RFC 6531
/// (UTF-8 in local parts and U-labels in domains): Local-part "@" ( Domain / address-literal ).
/// The local part is a Dot-string or a Quoted-string; the literal is [IPv4] or [IPv6:...].
/// </summary>
public sealed class MailAddressSyntax
{
    /// <summary>RFC 5321 §4.5.3.1: local part 64 octets, forward-path 256 (so an address of 254).</summary>
    public const int MaxLocalPartOctets = 64;
    public const int MaxAddressOctets = 254;

    private MailAddressSyntax(string address) => Address = address;

    public string Address { get; }

    public bool IsValid => Error == null;

    /// <summary>Why the address is not valid, or null.</summary>
    public string? Error { get; private set; }

    public string? LocalPart { get; private set; }

    /// <summary>The domain, or the address literal with its brackets.</summary>
    public string? Domain { get; private set; }

    /// <summary>The domain in A-labels (punycode); null for an address literal.</summary>
    public string? AsciiDomain { get; private set; }

    public bool IsQuoted { get; private set; }

    /// <summary>The IP address of an address literal ([192.0.2.1], [IPv6:2001:db8::1]).</summary>
    public IPAddress? AddressLiteral { get; private set; }

    /// <summary>Non-ASCII in the local part: the address can only travel over SMTPUTF8 (RFC 6531).</summary>
    public bool RequiresSmtpUtf8 { get; private set; }

    public override string ToString() => Address;

    /// <summary>The display name of a "Name &lt;address&gt;" form, without quotes; null for a bare address.</summary>
    public string? DisplayName { get; private set; }

    /// <summary>
    /// Checks a bare address, or one written with a display name as in a header
    /// ("Jörg Müller &lt;jorg@example.com&gt;"): then the address in the brackets is checked
    /// and the name kept in <see cref="DisplayName"/>.
    /// </summary>
    public static MailAddressSyntax Check(string address)
    {
        var open = address.LastIndexOf('<');
        if (open >= 0 && address.EndsWith(">", StringComparison.Ordinal) && address.IndexOf('>') == address.Length - 1)
        {
            var inner = address.Substring(open + 1, address.Length - open - 2).Trim();
            var named = new MailAddressSyntax(inner);
            var name = address.Substring(0, open).Trim();
            if (name.Length >= 2 && name[0] == '"' && name[name.Length - 1] == '"') name = name.Substring(1, name.Length - 2);
            named.DisplayName = name.Length > 0 ? name : null;
            named.Error = named.Parse(inner);
            return named;
        }
        var result = new MailAddressSyntax(address);
        result.Error = result.Parse(address);
        return result;
    }

    private string? Parse(string address)
    {
        if (string.IsNullOrEmpty(address)) return "the address is empty";
        // The local part ends at the last '@' outside quotes: quoted local parts may contain '@'.
        var at = address.LastIndexOf('@');
        if (at < 0) return "no '@'";
        var local = address.Substring(0, at);
        var domain = address.Substring(at + 1);
        if (local.Length == 0) return "the local part is empty";
        if (domain.Length == 0) return "the domain is empty";
        LocalPart = local;
        Domain = domain;

        var localError = local[0] == '"' ? CheckQuotedString(local) : CheckDotString(local);
        if (localError != null) return localError;
        IsQuoted = local[0] == '"';
        if (Encoding.UTF8.GetByteCount(local) > MaxLocalPartOctets)
            return $"the local part is longer than {MaxLocalPartOctets} octets";
        foreach (var c in local)
            if (c > 127) { RequiresSmtpUtf8 = true; break; }

        if (domain[0] == '[')
        {
            var literalError = CheckAddressLiteral(domain);
            if (literalError != null) return literalError;
        }
        else
        {
            var ascii = DomainName.TryToAscii(domain, out var domainError);
            if (ascii == null) return domainError;
            if (domain.EndsWith(".", StringComparison.Ordinal)) return "the domain ends with a dot";
            AsciiDomain = ascii;
        }
        var octets = Encoding.UTF8.GetByteCount(local) + 1 + (AsciiDomain ?? domain).Length;
        return octets > MaxAddressOctets ? $"the address is longer than {MaxAddressOctets} octets" : null;
    }

    /// <summary>Dot-string = Atom *("." Atom); atext per RFC 5322 §3.2.3 plus UTF8-non-ascii (RFC 6531).</summary>
    private static string? CheckDotString(string local)
    {
        if (local[0] == '.' || local[local.Length - 1] == '.') return "the local part starts or ends with a dot";
        if (local.IndexOf("..", StringComparison.Ordinal) >= 0) return "the local part has two dots in a row (quote it to allow that)";
        foreach (var c in local)
            if (c != '.' && !IsAtext(c)) return $"'{c}' is not allowed in an unquoted local part";
        return null;
    }

    private static bool IsAtext(char c) =>
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        "!#$%&'*+-/=?^_`{|}~".IndexOf(c) >= 0 || (c > 127 && !char.IsControl(c) && !char.IsWhiteSpace(c));

    /// <summary>Quoted-string = DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE (RFC 5321 §4.1.2).</summary>
    private static string? CheckQuotedString(string local)
    {
        if (local.Length < 2 || local[local.Length - 1] != '"') return "the quoted local part is not closed";
        for (var i = 1; i < local.Length - 1; i++)
        {
            var c = local[i];
            if (c == '\\')
            {
                // quoted-pairSMTP = "\" followed by any printable ASCII or space.
                if (++i >= local.Length - 1 || local[i] < 32 || local[i] > 126) return "a backslash in the quoted local part escapes nothing printable";
            }
            else if (c == '"') return "an unescaped '\"' inside the quoted local part";
            else if (c < 32 || c == 127) return "a control character in the quoted local part";
        }
        return null;
    }

    /// <summary>address-literal = "[" ( IPv4-address-literal / "IPv6:" IPv6-addr ) "]".</summary>
    private string? CheckAddressLiteral(string domain)
    {
        if (domain[domain.Length - 1] != ']') return "the address literal is not closed with ']'";
        var inner = domain.Substring(1, domain.Length - 2);
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            if (!IPAddress.TryParse(inner.Substring(5), out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6 || inner.IndexOf('%') >= 0)
                return $"'{inner.Substring(5)}' is not an IPv6 address";
            AddressLiteral = v6;
            return null;
        }
        // IPv4-address-literal = Snum 3("." Snum): exactly four decimal parts, 0-255.
        var parts = inner.Split('.');
        if (parts.Length != 4) return $"'{inner}' is not an IPv4 address (an IPv6 literal starts with 'IPv6:')";
        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            if (parts[i].Length == 0 || parts[i].Length > 3 || !byte.TryParse(parts[i], System.Globalization.NumberStyles.None, null, out bytes[i]))
                return $"'{inner}' is not an IPv4 address";
        }
        AddressLiteral = new IPAddress(bytes);
        return null;
    }
}
