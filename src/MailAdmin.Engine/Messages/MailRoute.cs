using System;
using System.Collections.Generic;
using System.Linq;

namespace MailAdmin.Messages;

/// <summary>One hop of a message's route: one Received field, read and placed in travel order.</summary>
public sealed class ReceivedHop
{
    internal ReceivedHop(int hop, ReceivedStamp stamp, string rawValue, MailMessage? message)
    {
        Hop = hop;
        Stamp = stamp;
        RawValue = rawValue;
        Message = message;
    }

    internal ReceivedStamp Stamp { get; }

    /// <summary>1 for the oldest (bottom-most) Received field, counting up towards the top.</summary>
    public int Hop { get; }
    public string? FromHost => Stamp.FromHost;
    public string? FromComment => Stamp.FromComment;
    public string? FromAddress => Stamp.FromAddress;
    public string? ByHost => Stamp.ByHost;
    public string? ByComment => Stamp.ByComment;
    public string? Via => Stamp.Via;
    public string? With => Stamp.With;
    public string? Id => Stamp.Id;
    public string? For => Stamp.For;
    public DateTimeOffset? Timestamp => Stamp.Timestamp;

    /// <summary>Time since the previous hop's timestamp; null for hop 1 or when either timestamp is missing. Negative means clock skew.</summary>
    public TimeSpan? Delay { get; internal set; }

    /// <summary>True when this hop's timestamp is earlier than the previous hop's: one of the two clocks is wrong.</summary>
    public bool ClockSkew { get; internal set; }

    /// <summary>Time since the first timestamp on the route; on the last hop, the total transit time.</summary>
    public TimeSpan? Elapsed { get; internal set; }

    /// <summary>The Received field body as written.</summary>
    public string RawValue { get; }

    /// <summary>Why the field could not be fully read; null when it is well formed.</summary>
    public string? ParseError => Stamp.ParseError;

    public MailMessage? Message { get; }
    public string? Source => Message?.Source;

    public override string ToString() => $"{Hop}: {FromHost} -> {ByHost} {Timestamp:u}";
}

/// <summary>A summary of a message's route, for a quick look at many messages.</summary>
public sealed class MailRouteSummary
{
    public int HopCount { get; internal set; }
    public string? Origin { get; internal set; }
    public string? Destination { get; internal set; }
    public DateTimeOffset? FirstTimestamp { get; internal set; }
    public DateTimeOffset? LastTimestamp { get; internal set; }
    /// <summary>From the first to the last timestamp on the route.</summary>
    public TimeSpan? TotalTime { get; internal set; }
    /// <summary>The hop with the longest positive delay, if any.</summary>
    public int? SlowestHop { get; internal set; }
    public TimeSpan? SlowestDelay { get; internal set; }
    public int ClockSkewCount { get; internal set; }
    public int ParseErrorCount { get; internal set; }
    public string? Subject { get; internal set; }
    public MailMessage? Message { get; internal set; }
    public string? Source => Message?.Source;
}

/// <summary>Reads a message's Received chain into hops in travel order.</summary>
public static class MailRoute
{
    /// <summary>The hops of a message: its bottom-most Received field is hop 1.</summary>
    public static IReadOnlyList<ReceivedHop> GetHops(MailMessage message)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        var bodies = MailHeader.LoadHeaders(message)
            .Where(h => string.Equals(h.Field, "Received", StringComparison.OrdinalIgnoreCase))
            .Select(h => MailHeader.RawText(h.RawValue))
            .ToList();
        return FromFieldBodies(bodies, message);
    }

    /// <summary>
    /// Builds hops from Received field bodies in message order (top-most first, as they
    /// appear in the header), numbering them from the bottom.
    /// </summary>
    public static IReadOnlyList<ReceivedHop> FromFieldBodies(IEnumerable<string> fieldBodiesTopFirst, MailMessage? message = null)
    {
        var bodies = fieldBodiesTopFirst.ToList();
        bodies.Reverse();
        var hops = new List<ReceivedHop>(bodies.Count);
        DateTimeOffset? first = null;
        for (int i = 0; i < bodies.Count; i++)
        {
            var hop = new ReceivedHop(i + 1, ReceivedParser.Parse(bodies[i]), bodies[i], message);
            if (i > 0 && hop.Timestamp.HasValue && hops[i - 1].Timestamp.HasValue)
            {
                hop.Delay = hop.Timestamp.Value - hops[i - 1].Timestamp!.Value;
                hop.ClockSkew = hop.Delay < TimeSpan.Zero;
            }
            if (hop.Timestamp.HasValue)
            {
                first ??= hop.Timestamp;
                hop.Elapsed = hop.Timestamp.Value - first.Value;
            }
            hops.Add(hop);
        }
        return hops;
    }

    public static MailRouteSummary Summarize(IReadOnlyList<ReceivedHop> hops, MailMessage? message = null)
    {
        var stamped = hops.Where(h => h.Timestamp.HasValue).ToList();
        var slowest = hops.Where(h => h.Delay > TimeSpan.Zero).OrderByDescending(h => h.Delay).FirstOrDefault();
        var summary = new MailRouteSummary
        {
            HopCount = hops.Count,
            Origin = hops.Select(h => h.FromAddress ?? h.FromHost).FirstOrDefault(x => x != null),
            Destination = hops.Count > 0 ? hops[hops.Count - 1].ByHost : null,
            FirstTimestamp = stamped.Count > 0 ? stamped[0].Timestamp : null,
            LastTimestamp = stamped.Count > 0 ? stamped[stamped.Count - 1].Timestamp : null,
            SlowestHop = slowest?.Hop,
            SlowestDelay = slowest?.Delay,
            ClockSkewCount = hops.Count(h => h.ClockSkew),
            ParseErrorCount = hops.Count(h => h.ParseError != null),
            Message = message,
            Subject = message?.Subject,
        };
        if (summary.FirstTimestamp.HasValue && summary.LastTimestamp.HasValue)
            summary.TotalTime = summary.LastTimestamp.Value - summary.FirstTimestamp.Value;
        return summary;
    }
}
