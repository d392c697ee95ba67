using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MailAdmin.Protocols.Smtp;

/// <summary>
/// The client networks that may relay without AUTH (-RelayNetwork): CIDR blocks ("10.0.0.0/8",
/// "::1/128") or single addresses. An IPv4-mapped IPv6 client ("::ffff:10.1.2.3", what a dual-stack
/// socket reports) matches the IPv4 blocks.
/// </summary>
public sealed class SmtpRelayNetworks
{
    private readonly List<(byte[] Prefix, int Bits)> _networks;

    private SmtpRelayNetworks(List<(byte[] Prefix, int Bits)> networks) => _networks = networks;

    /// <summary>No network: only authenticated clients relay.</summary>
    public static readonly SmtpRelayNetworks None = new(new List<(byte[], int)>());

    public int Count => _networks.Count;

    /// <summary>Parses every entry; the first invalid one throws <see cref="ArgumentException"/> naming it.</summary>
    public static SmtpRelayNetworks Parse(IEnumerable<string>? entries)
    {
        var networks = new List<(byte[], int)>();
        if (entries == null) return None;
        foreach (var raw in entries)
        {
            var entry = raw?.Trim() ?? "";
            if (!TryParse(entry, out var prefix, out int bits))
                throw new ArgumentException($"'{raw}' is not a relay network: use an address or a CIDR block such as 192.0.2.0/24 or 2001:db8::/32.");
            networks.Add((prefix, bits));
        }
        return networks.Count == 0 ? None : new SmtpRelayNetworks(networks);
    }

    private static bool TryParse(string entry, out byte[] prefix, out int bits)
    {
        prefix = Array.Empty<byte>();
        bits = 0;
        if (entry.Length == 0) return false;
        int slash = entry.IndexOf('/');
        string addressText = slash < 0 ? entry : entry.Substring(0, slash);
        // IPAddress.TryParse takes "10" or "1.2" as shorthand forms; a relay rule should mean what it shows.
        if (!IPAddress.TryParse(addressText, out var address)) return false;
        if (address.AddressFamily == AddressFamily.InterNetwork && addressText.Split('.').Length != 4) return false;
        prefix = address.GetAddressBytes();
        int max = prefix.Length * 8;
        if (slash < 0) bits = max;
        else if (!int.TryParse(entry.Substring(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out bits) || bits > max) return false;
        // "::ffff:10.0.0.0/104" is the IPv4 block 10.0.0.0/8, matched like one.
        if (address.IsIPv4MappedToIPv6 && bits >= 96)
        {
            prefix = address.MapToIPv4().GetAddressBytes();
            bits -= 96;
        }
        Mask(prefix, bits);
        return true;
    }

    /// <summary>Clears the host bits, so that "10.1.2.3/8" means 10.0.0.0/8.</summary>
    private static void Mask(byte[] bytes, int bits)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Max(0, Math.Min(8, bits - i * 8));
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
    }

    public bool Contains(IPAddress? address)
    {
        if (address == null || _networks.Count == 0) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var bytes = address.GetAddressBytes();
        foreach (var (prefix, bits) in _networks)
        {
            if (prefix.Length != bytes.Length) continue;
            var masked = (byte[])bytes.Clone();
            Mask(masked, bits);
            if (((ReadOnlySpan<byte>)masked).SequenceEqual(prefix)) return true;
        }
        return false;
    }
}
