using System;
using System.Globalization;

namespace MailAdmin.Delivery;

/// <summary>A smarthost as given to -Smarthost: "host", "host:port", "[v6]" or "[v6]:port" (a bare IPv6 address has no port).</summary>
internal sealed class NextHop
{
    private NextHop(string host, int? port) { Host = host; Port = port; }

    public string Host { get; }
    /// <summary>Null when not given: the caller picks the default for the security mode.</summary>
    public int? Port { get; }

    public static NextHop Parse(string text)
    {
        if (text == null) throw new ArgumentNullException(nameof(text));
        var value = text.Trim();
        if (value.Length == 0) throw new FormatException("The smarthost is empty.");
        if (value[0] == '[')
        {
            var close = value.IndexOf(']');
            if (close < 2) throw new FormatException($"'{text}' lacks the closing ']'.");
            var host = value.Substring(1, close - 1);
            if (close + 1 == value.Length) return new NextHop(host, null);
            if (value[close + 1] != ':') throw new FormatException($"'{text}' is not [address]:port.");
            return new NextHop(host, ParsePort(value.Substring(close + 2), text));
        }
        var colon = value.IndexOf(':');
        // Several colons: a bare IPv6 address, which cannot carry a port without brackets.
        if (colon < 0 || value.IndexOf(':', colon + 1) >= 0) return new NextHop(value, null);
        if (colon == 0) throw new FormatException($"'{text}' has no host name.");
        return new NextHop(value.Substring(0, colon), ParsePort(value.Substring(colon + 1), text));
    }

    private static int ParsePort(string port, string text)
    {
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > 65535)
            throw new FormatException($"'{text}' has no valid port (1-65535).");
        return value;
    }

    public override string ToString() => Port == null ? Host : (Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host) + ":" + Port.Value.ToString(CultureInfo.InvariantCulture);
}
