using System;
using System.Globalization;
using System.Net;

namespace MailAdmin.Commands;

/// <summary>Checks of Start-MailServer's outbound values (-RelayNetwork, -Smarthost, -DnsServer, -Postmaster), with errors a user can act on.</summary>
internal static class OutboundArguments
{
    /// <summary>Null when <paramref name="value"/> is an address or CIDR network ("192.0.2.0/24", "::1/128", "127.0.0.1"); otherwise why not.</summary>
    public static string? CheckNetwork(string value)
    {
        var text = value.Trim();
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text.Substring(0, slash);
        if (!IPAddress.TryParse(addressText, out var address) || addressText.IndexOf(':') < 0 && addressText.Split('.').Length != 4)
            return "not an IP address or CIDR network (e.g. 192.0.2.0/24, 10.1.2.3, fd00::/8).";
        if (slash < 0) return null;
        var max = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
        if (!int.TryParse(text.Substring(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > max)
            return $"the prefix length must be a number from 0 to {max}.";
        return null;
    }

    /// <summary>
    /// Null when <paramref name="value"/> is "host", "host:port" or "[v6]:port" (with <paramref name="requireIpAddress"/>
    /// false) or, with it true, an IP address with an optional port (a DNS server); otherwise why not.
    /// </summary>
    public static string? CheckHostPort(string value, bool requireIpAddress)
    {
        var text = value.Trim();
        string host;
        string? port = null;
        if (text.StartsWith("[", StringComparison.Ordinal))
        {
            var close = text.IndexOf(']');
            if (close < 0) return "a '[' without its ']'.";
            host = text.Substring(1, close - 1);
            var rest = text.Substring(close + 1);
            if (rest.Length > 0)
            {
                if (rest[0] != ':') return "expected ':port' after ']'.";
                port = rest.Substring(1);
            }
            if (!IPAddress.TryParse(host, out _)) return "the part in [ ] is not an IPv6 address.";
        }
        else if (text.IndexOf(':') != text.LastIndexOf(':'))
        {
            host = text; // a bare IPv6 address, no port
            if (!IPAddress.TryParse(host, out _)) return "not an address; write an IPv6 address with a port as [address]:port.";
        }
        else
        {
            var colon = text.IndexOf(':');
            host = colon < 0 ? text : text.Substring(0, colon);
            if (colon >= 0) port = text.Substring(colon + 1);
        }
        if (host.Length == 0) return "the host is missing.";
        if (port != null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1 || number > 65535))
            return "the port must be a number from 1 to 65535.";
        if (requireIpAddress)
            return IPAddress.TryParse(host, out _) ? null : "a DNS server is given by IP address (optionally with :port).";
        return Uri.CheckHostName(host) == UriHostNameType.Unknown ? "not a host name or address." : null;
    }

    /// <summary>local@domain, both parts present: a postmaster mailbox.</summary>
    public static bool IsAddress(string value)
    {
        var text = value.Trim();
        var at = text.LastIndexOf('@');
        return at > 0 && at < text.Length - 1 && text.IndexOf(' ') < 0;
    }
}
