using System;
using System.Globalization;
using System.Linq;
using System.Net;

namespace MailAdmin.Security
{
    /// <summary>
    /// Parses a -DnsServer value: an address or host name, with an optional port
    /// ("192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]:53", "ns.example.net").
    /// </summary>
    public static class DnsServerAddress
    {
        public static IPEndPoint Parse(string text)
        {
            if (string.IsNullOrWhiteSpace(text))
                throw new FormatException("The DNS server is empty.");
            text = text.Trim();
            string host = text;
            int port = 53;
            if (text.StartsWith("[", StringComparison.Ordinal))
            {
                int close = text.IndexOf(']');
                if (close < 0) throw new FormatException($"'{text}' is not a DNS server address.");
                host = text.Substring(1, close - 1);
                if (close + 1 < text.Length)
                    port = ParsePort(text.Substring(close + 1).TrimStart(':'), text);
            }
            else if (text.Count(c => c == ':') == 1)
            {
                int colon = text.IndexOf(':');
                host = text.Substring(0, colon);
                port = ParsePort(text.Substring(colon + 1), text);
            }
            if (IPAddress.TryParse(host, out var address))
                return new IPEndPoint(address, port);
            var addresses = Dns.GetHostAddresses(host);
            if (addresses.Length == 0)
                throw new FormatException($"The DNS server '{host}' has no address.");
            return new IPEndPoint(addresses[0], port);
        }

        private static int ParsePort(string text, string whole)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < 1 || port > 65535)
                throw new FormatException($"'{whole}' has no valid port.");
            return port;
        }
    }
}
