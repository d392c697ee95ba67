using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;

namespace MailAdmin.Protocols.Smtp;

/// <summary>RFC 5321 §4.1.2 grammar, one TryParse method per rule, with the RFC 6531 (SMTPUTF8)
/// additions: UTF8-non-ascii in atext, qtextSMTP, esmtp-value and U-labels. Every method takes
/// the text and a position; on success it moves the position past the rule, on failure it leaves
/// the position unchanged.</summary>
public static class SmtpGrammar
{
    public const int MaxLocalPartLength = 64;
    public const int MaxDomainLength = 255;
    public const int MaxPathLength = 256;

    private static bool IsAlpha(char c) => (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    private static bool IsDigit(char c) => c >= '0' && c <= '9';
    private static bool IsNonAscii(char c) => c >= 0x80;
    private static bool IsLetDig(char c) => IsAlpha(c) || IsDigit(c) || IsNonAscii(c);

    /// <summary>atext (RFC 5322 §3.2.3), plus UTF8-non-ascii (RFC 6531).</summary>
    public static bool IsAtext(char c) => IsAlpha(c) || IsDigit(c) || IsNonAscii(c) || c switch
    {
        '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '/' or '=' or '?' or '^' or '_' or '`' or '{' or '|' or '}' or '~' => true,
        _ => false,
    };

    /// <summary>Reverse-path = Path / "&lt;&gt;". The null path yields "".</summary>
    public static bool TryParseReversePath(string s, ref int pos, out string address)
    {
        if (pos + 1 < s.Length && s[pos] == '<' && s[pos + 1] == '>') { pos += 2; address = ""; return true; }
        return TryParsePath(s, ref pos, out address);
    }

    /// <summary>Forward-path = Path, or the special "&lt;Postmaster&gt;" (RFC 5321 §4.1.1.3).</summary>
    public static bool TryParseForwardPath(string s, ref int pos, out string address)
    {
        const string pm = "<postmaster>";
        if (string.Compare(s, pos, pm, 0, pm.Length, StringComparison.OrdinalIgnoreCase) == 0)
        {
            address = s.Substring(pos + 1, pm.Length - 2);
            pos += pm.Length;
            return true;
        }
        return TryParsePath(s, ref pos, out address);
    }

    /// <summary>Path = "&lt;" [ A-d-l ":" ] Mailbox "&gt;". A source route is accepted and ignored (§3.3).</summary>
    public static bool TryParsePath(string s, ref int pos, out string mailbox)
    {
        mailbox = "";
        int p = pos;
        if (p >= s.Length || s[p] != '<') return false;
        p++;
        int save = p;
        if (TryParseAdl(s, ref p))
        {
            if (p < s.Length && s[p] == ':') p++;
            else p = save;
        }
        if (!TryParseMailbox(s, ref p, out mailbox)) return false;
        if (p >= s.Length || s[p] != '>') return false;
        p++;
        if (mailbox.Length > MaxPathLength - 2) return false;
        pos = p;
        return true;
    }

    /// <summary>A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain.</summary>
    public static bool TryParseAdl(string s, ref int pos)
    {
        int p = pos;
        do
        {
            if (p >= s.Length || s[p] != '@') return false;
            p++;
            if (!TryParseDomain(s, ref p, out _)) return false;
        } while (p < s.Length && s[p] == ',' && ++p > 0);
        pos = p;
        return true;
    }

    /// <summary>Mailbox = Local-part "@" ( Domain / address-literal ).</summary>
    public static bool TryParseMailbox(string s, ref int pos, out string mailbox)
    {
        mailbox = "";
        int p = pos;
        if (!TryParseLocalPart(s, ref p, out _)) return false;
        if (p - pos > MaxLocalPartLength) return false;
        if (p >= s.Length || s[p] != '@') return false;
        p++;
        if (!TryParseDomain(s, ref p, out _) && !TryParseAddressLiteral(s, ref p, out _)) return false;
        mailbox = s.Substring(pos, p - pos);
        pos = p;
        return true;
    }

    /// <summary>Local-part = Dot-string / Quoted-string.</summary>
    public static bool TryParseLocalPart(string s, ref int pos, out string localPart)
    {
        int p = pos;
        if (TryParseDotString(s, ref p) || TryParseQuotedString(s, ref p))
        {
            localPart = s.Substring(pos, p - pos);
            pos = p;
            return true;
        }
        localPart = "";
        return false;
    }

    /// <summary>Dot-string = Atom *("." Atom).</summary>
    public static bool TryParseDotString(string s, ref int pos)
    {
        int p = pos;
        if (!TryParseAtom(s, ref p)) return false;
        while (p + 1 < s.Length && s[p] == '.' && IsAtext(s[p + 1]))
        {
            p++;
            TryParseAtom(s, ref p);
        }
        pos = p;
        return true;
    }

    /// <summary>Atom = 1*atext.</summary>
    public static bool TryParseAtom(string s, ref int pos)
    {
        int p = pos;
        while (p < s.Length && IsAtext(s[p])) p++;
        if (p == pos) return false;
        pos = p;
        return true;
    }

    /// <summary>Quoted-string = DQUOTE *QcontentSMTP DQUOTE.</summary>
    public static bool TryParseQuotedString(string s, ref int pos)
    {
        int p = pos;
        if (p >= s.Length || s[p] != '"') return false;
        p++;
        while (p < s.Length)
        {
            char c = s[p];
            if (c == '"') { pos = p + 1; return true; }
            if (c == '\\')
            {
                // quoted-pairSMTP = %d92 %d32-126
                if (p + 1 >= s.Length || s[p + 1] < 32 || s[p + 1] > 126) return false;
                p += 2;
                continue;
            }
            // qtextSMTP = %d32-33 / %d35-91 / %d93-126 / UTF8-non-ascii
            if ((c >= 32 && c <= 126) || IsNonAscii(c)) { p++; continue; }
            return false;
        }
        return false;
    }

    /// <summary>Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str] (or a U-label).</summary>
    public static bool TryParseDomain(string s, ref int pos, out string domain)
    {
        domain = "";
        int p = pos;
        if (!TryParseSubDomain(s, ref p)) return false;
        while (p + 1 < s.Length && s[p] == '.' && IsLetDig(s[p + 1]))
        {
            p++;
            if (!TryParseSubDomain(s, ref p)) return false;
        }
        if (p - pos > MaxDomainLength) return false;
        domain = s.Substring(pos, p - pos);
        pos = p;
        return true;
    }

    /// <summary>sub-domain = Let-dig [Ldh-str]; Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig. Labels of at most 63 characters.</summary>
    public static bool TryParseSubDomain(string s, ref int pos)
    {
        int p = pos;
        if (p >= s.Length || !IsLetDig(s[p])) return false;
        p++;
        while (p < s.Length && (IsLetDig(s[p]) || s[p] == '-')) p++;
        while (s[p - 1] == '-') p--;   // Ldh-str ends with Let-dig
        if (p - pos > 63) return false;
        pos = p;
        return true;
    }

    /// <summary>address-literal = "[" ( IPv4-address-literal / IPv6-address-literal / General-address-literal ) "]".</summary>
    public static bool TryParseAddressLiteral(string s, ref int pos, out string literal)
    {
        literal = "";
        int p = pos;
        if (p >= s.Length || s[p] != '[') return false;
        int close = s.IndexOf(']', p + 1);
        if (close < 0) return false;
        string inner = s.Substring(p + 1, close - p - 1);
        if (!IsIPv4Literal(inner) && !IsIPv6Literal(inner) && !IsGeneralLiteral(inner)) return false;
        literal = s.Substring(p, close - p + 1);
        pos = close + 1;
        return true;
    }

    /// <summary>IPv4-address-literal = Snum 3("." Snum); Snum = 1*3DIGIT representing 0-255.</summary>
    public static bool IsIPv4Literal(string s)
    {
        int parts = 0, i = 0;
        while (true)
        {
            int start = i, value = 0;
            while (i < s.Length && IsDigit(s[i]) && i - start < 3) value = value * 10 + (s[i++] - '0');
            if (i == start || value > 255) return false;
            parts++;
            if (i == s.Length) return parts == 4;
            if (s[i] != '.' || parts == 4) return false;
            i++;
        }
    }

    /// <summary>IPv6-address-literal = "IPv6:" IPv6-addr.</summary>
    public static bool IsIPv6Literal(string s)
    {
        if (!s.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase)) return false;
        string addr = s.Substring(5);
        if (addr.Length == 0 || addr.IndexOf('%') >= 0) return false;
        foreach (char c in addr)
            if (!(IsDigit(c) || (c | 0x20) >= 'a' && (c | 0x20) <= 'f' || c == ':' || c == '.')) return false;
        return IPAddress.TryParse(addr, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;
    }

    /// <summary>General-address-literal = Standardized-tag ":" 1*dcontent; dcontent = %d33-90 / %d94-126.</summary>
    public static bool IsGeneralLiteral(string s)
    {
        int colon = s.IndexOf(':');
        if (colon <= 0 || colon == s.Length - 1) return false;
        int tag = 0;
        if (!TryParseKeyword(s.Substring(0, colon), ref tag) || tag != colon) return false;
        if (colon == 4 && s.StartsWith("IPv6", StringComparison.OrdinalIgnoreCase)) return false;   // must be a valid IPv6 literal
        for (int i = colon + 1; i < s.Length; i++)
            if (!(s[i] >= 33 && s[i] <= 90 || s[i] >= 94 && s[i] <= 126)) return false;
        return true;
    }

    /// <summary>esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"); also Ldh-str for tags.</summary>
    public static bool TryParseKeyword(string s, ref int pos)
    {
        int p = pos;
        if (p >= s.Length || !(IsAlpha(s[p]) || IsDigit(s[p]))) return false;
        p++;
        while (p < s.Length && (IsAlpha(s[p]) || IsDigit(s[p]) || s[p] == '-')) p++;
        pos = p;
        return true;
    }

    /// <summary>esmtp-value = 1*(%d33-60 / %d62-126 / UTF8-non-ascii).</summary>
    public static bool TryParseEsmtpValue(string s, ref int pos)
    {
        int p = pos;
        while (p < s.Length && (s[p] >= 33 && s[p] <= 126 && s[p] != '=' || IsNonAscii(s[p]))) p++;
        if (p == pos) return false;
        pos = p;
        return true;
    }

    /// <summary>Mail-parameters / Rcpt-parameters = esmtp-param *(SP esmtp-param); esmtp-param = esmtp-keyword ["=" esmtp-value].
    /// Keywords are returned upper-cased.</summary>
    public static bool TryParseEsmtpParams(string s, ref int pos, out List<SmtpParameter> parameters)
    {
        parameters = new List<SmtpParameter>(2);
        int p = pos;
        while (true)
        {
            int k = p;
            if (!TryParseKeyword(s, ref p)) return false;
            string keyword = s.Substring(k, p - k).ToUpperInvariant();
            string? value = null;
            if (p < s.Length && s[p] == '=')
            {
                p++;
                int v = p;
                if (!TryParseEsmtpValue(s, ref p)) return false;
                value = s.Substring(v, p - v);
            }
            parameters.Add(new SmtpParameter(keyword, value));
            if (p == s.Length) break;
            if (s[p] != ' ') return false;
            while (p < s.Length && s[p] == ' ') p++;   // tolerate several spaces
            if (p == s.Length) break;
        }
        pos = p;
        return true;
    }

    /// <summary>xtext (RFC 3461 §4): decodes "+XX" hex escapes; false when malformed.</summary>
    public static bool TryDecodeXtext(string s, out string decoded)
    {
        var sb = new System.Text.StringBuilder(s.Length);
        decoded = "";
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '+')
            {
                if (i + 2 >= s.Length || !IsUpperHex(s[i + 1]) || !IsUpperHex(s[i + 2])) return false;
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c >= 33 && c <= 126 && c != '=') sb.Append(c);
            else return false;
        }
        decoded = sb.ToString();
        return true;
    }

    private static bool IsUpperHex(char c) => IsDigit(c) || c >= 'A' && c <= 'F';

    /// <summary>True when the whole string is a Domain or an address-literal (the EHLO argument).</summary>
    public static bool IsDomainOrAddressLiteral(string s)
    {
        int p = 0;
        if (TryParseDomain(s, ref p, out _) && p == s.Length) return true;
        // A trailing dot on an FQDN is seen in the wild; accept it.
        if (p == s.Length - 1 && s[p] == '.') return true;
        p = 0;
        return TryParseAddressLiteral(s, ref p, out _) && p == s.Length;
    }
}
