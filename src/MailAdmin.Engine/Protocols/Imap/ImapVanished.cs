using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// QRESYNC's VANISHED (EARLIER) sets (RFC 7162 §3.2.5, §3.2.6). The store keeps no record of expunged UIDs,
/// so every UID below UIDNEXT that no longer exists counts as vanished: RFC 7162 lets a server report UIDs
/// the client never knew, and the client ignores them. Computed on ranges, so "1:*" costs O(messages).
/// </summary>
internal static class ImapVanished
{
    /// <summary>
    /// The UIDs of <paramref name="set"/> (all of 1..uidNext-1 when null) below <paramref name="uidNext"/> that are not
    /// among <paramref name="existing"/> (ascending), as ranges.
    /// </summary>
    public static List<(uint Low, uint High)> Missing(SequenceSet? set, IReadOnlyList<uint> existing, uint uidNext)
    {
        var result = new List<(uint, uint)>();
        if (uidNext <= 1) return result;
        uint top = uidNext - 1;
        IReadOnlyList<(uint Low, uint High)> ranges = set?.Ranges(top) ?? new[] { (1u, top) };
        int e = 0;
        foreach (var (low0, high0) in ranges)
        {
            uint low = Math.Max(low0, 1), high = Math.Min(high0, top);
            if (low > high) continue;
            while (e < existing.Count && existing[e] < low) e++;
            uint next = low;   // first UID of the range not yet accounted for
            while (e < existing.Count && existing[e] <= high)
            {
                if (existing[e] > next) result.Add((next, existing[e] - 1));
                if (existing[e] == uint.MaxValue) { next = 0; break; }
                next = existing[e] + 1;
                e++;
            }
            if (next != 0 && next <= high) result.Add((next, high));
        }
        return result;
    }

    /// <summary>"3:5,9" for the ranges; empty when there are none.</summary>
    public static string Format(List<(uint Low, uint High)> ranges)
    {
        var sb = new StringBuilder();
        foreach (var (low, high) in ranges)
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(low.ToString(CultureInfo.InvariantCulture));
            if (high != low) sb.Append(':').Append(high.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
