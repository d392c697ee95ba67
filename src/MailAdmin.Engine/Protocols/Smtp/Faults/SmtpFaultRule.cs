using System;
using System.Threading;

namespace MailAdmin.Protocols.Smtp.Faults;

/// <summary>
/// One declarative fault: where it applies (stage and matchers) and what it does. Set the
/// properties, then add it to a <see cref="SmtpFaultRuleSet"/>, which checks it; a rule in a set
/// is not changed any more, only counted.
/// </summary>
public sealed class SmtpFaultRule
{
    private long _hits, _matches;
    private AddressPattern? _sender, _recipient, _user;
    private SmtpRelayNetworks? _client;
    private SlidingWindowLimit? _limit;
    private Random? _random;

    public SmtpFaultRule(SmtpFaultStage stage, SmtpFaultAction action)
    {
        Stage = stage;
        Action = action;
    }

    /// <summary>Given by the set when the rule is added: 1, 2, 3... per server.</summary>
    public int Id { get; internal set; }
    public string? Name { get; set; }
    /// <summary>The server whose set holds the rule (given by the set).</summary>
    public string? Server { get; internal set; }
    public SmtpFaultStage Stage { get; }
    public SmtpFaultAction Action { get; }

    /// <summary>Envelope sender pattern (wildcards); Mail stage and later.</summary>
    public string? Sender { get; set; }
    /// <summary>Recipient pattern (wildcards); Rcpt stage and later (Data/EndOfData: any recipient).</summary>
    public string? Recipient { get; set; }
    /// <summary>Client addresses: single addresses or CIDR blocks.</summary>
    public string[]? ClientAddress { get; set; }
    /// <summary>Authenticated user pattern (wildcards); a session without a login does not match.</summary>
    public string? User { get; set; }

    /// <summary>The reply of a Reply rule, and of a RateLimit rule past its limit.</summary>
    public SmtpReply? Reply { get; set; }
    public int RateLimit { get; set; }
    public TimeSpan Window { get; set; }
    public SmtpRateLimitScope RateLimitScope { get; set; } = SmtpRateLimitScope.ClientAddress;
    /// <summary>A Delay rule's wait; with <see cref="MaxDelay"/>, the least of a random wait.</summary>
    public TimeSpan Delay { get; set; }
    public TimeSpan? MaxDelay { get; set; }

    /// <summary>Chance (0..1) that the rule fires when it matches; 1 = always.</summary>
    public double Probability { get; set; } = 1;
    /// <summary>Seeds the rule's random draws (probability and random delays): the same events give the same faults.</summary>
    public int? Seed { get; set; }

    /// <summary>How often the rule acted: replied, delayed, dropped, or (a rate limit) refused.</summary>
    public long Hits => Interlocked.Read(ref _hits);
    /// <summary>How often the rule matched and its probability drew it (a rate limit: also the events let through).</summary>
    public long Matches => Interlocked.Read(ref _matches);

    /// <summary>The reply a RateLimit rule gives when none is set.</summary>
    public static SmtpReply DefaultRateLimitReply(int limit, TimeSpan window)
        => new(451, "4.7.1", $"Rate limit exceeded ({limit} per {Show(window)}), try again later");

    /// <summary>Whole seconds as hh:mm:ss, fractions as seconds ("0.3 s"): not 00:00:00.3000000.</summary>
    private static string Show(TimeSpan span) => span.Ticks % TimeSpan.TicksPerSecond == 0
        ? span.ToString()
        : span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";

    /// <summary>What the rule matches, in one line: "any" for every session at its stage.</summary>
    public string Condition
    {
        get
        {
            var parts = new System.Collections.Generic.List<string>();
            if (ClientAddress != null && ClientAddress.Length > 0) parts.Add("client " + string.Join(",", ClientAddress));
            if (User != null) parts.Add("user " + User);
            if (Sender != null) parts.Add("from " + Sender);
            if (Recipient != null) parts.Add("to " + Recipient);
            if (Probability < 1) parts.Add("p=" + Probability.ToString(System.Globalization.CultureInfo.InvariantCulture) + (Seed is int seed ? " seed " + seed : ""));
            return parts.Count == 0 ? "any" : string.Join("; ", parts);
        }
    }

    /// <summary>What the rule does, in one line.</summary>
    public string Effect => Action switch
    {
        SmtpFaultAction.Reply => Reply?.ToString() ?? "",
        SmtpFaultAction.RateLimit => $"{RateLimit} per {Show(Window)} per {(RateLimitScope == SmtpRateLimitScope.Sender ? "sender" : "client")}, then {Reply?.Code.ToString() ?? "451"}",
        SmtpFaultAction.Delay => MaxDelay is TimeSpan max && max != Delay ? $"wait {Show(Delay)} to {Show(max)}" : $"wait {Show(Delay)}",
        _ => "drop the connection",
    };

    /// <summary>Checks the definition (what adding it to a set does first); ArgumentException names what is wrong.</summary>
    public void Validate() => Prepare();

    /// <summary>Checks the definition and prepares the matchers; ArgumentException names what is wrong.</summary>
    internal void Prepare()
    {
        if (Sender != null && Stage < SmtpFaultStage.Mail)
            throw new ArgumentException($"A sender is known from the Mail stage on; a {Stage} rule cannot match -Sender.");
        if (Recipient != null && Stage < SmtpFaultStage.Rcpt)
            throw new ArgumentException($"A recipient is known from the Rcpt stage on; a {Stage} rule cannot match -Recipient.");
        if (User != null && Stage < SmtpFaultStage.Auth)
            throw new ArgumentException($"The user is known after a login; a {Stage} rule cannot match -User.");
        if (Probability < 0 || Probability > 1 || double.IsNaN(Probability))
            throw new ArgumentException("Probability must be between 0 and 1.");
        switch (Action)
        {
            case SmtpFaultAction.Reply:
                if (Reply == null) throw new ArgumentException("A Reply rule needs a reply, e.g. '451 4.7.1 Try again later'.");
                break;
            case SmtpFaultAction.RateLimit:
                if (RateLimit < 0) throw new ArgumentException("RateLimit cannot be negative.");
                if (Window <= TimeSpan.Zero) throw new ArgumentException("A RateLimit rule needs a positive window.");
                if (RateLimitScope == SmtpRateLimitScope.Sender && Stage < SmtpFaultStage.Mail)
                    throw new ArgumentException($"A rate limit per sender counts from the Mail stage on, not at {Stage}.");
                Reply ??= DefaultRateLimitReply(RateLimit, Window);
                _limit = new SlidingWindowLimit(RateLimit, Window);
                break;
            case SmtpFaultAction.Delay:
                if (Delay < TimeSpan.Zero) throw new ArgumentException("Delay cannot be negative.");
                if (MaxDelay is TimeSpan max && max < Delay) throw new ArgumentException("MaxDelay must not be less than Delay.");
                break;
        }
        _sender = Sender != null ? new AddressPattern(Sender) : null;
        _recipient = Recipient != null ? new AddressPattern(Recipient) : null;
        _user = User != null ? new AddressPattern(User) : null;
        _client = ClientAddress != null && ClientAddress.Length > 0 ? SmtpRelayNetworks.Parse(ClientAddress) : null;
        _random = Seed is int seed ? new Random(seed) : new Random();
    }

    internal bool IsMatch(in SmtpFaultContext context)
    {
        if (_client != null && !_client.Contains(context.ClientAddress)) return false;
        if (_user != null && !_user.IsMatch(context.User)) return false;
        if (_sender != null && !_sender.IsMatch(context.Sender)) return false;
        if (_recipient != null && !RecipientMatches(context)) return false;
        return true;
    }

    private bool RecipientMatches(in SmtpFaultContext context)
    {
        if (context.Recipient != null) return _recipient!.IsMatch(context.Recipient);
        if (context.Recipients == null) return false;
        foreach (var r in context.Recipients)
            if (_recipient!.IsMatch(r.Address)) return true;
        return false;
    }

    /// <summary>The probability draw. Every matching event draws once (also at p = 1, so that
    /// changing p keeps the sequence of a seed), under a lock: Random is not thread-safe.</summary>
    internal bool Draws()
    {
        double x;
        lock (_random!) x = _random.NextDouble();
        if (x >= Probability) return false;
        Interlocked.Increment(ref _matches);
        return true;
    }

    internal TimeSpan NextDelay()
    {
        if (MaxDelay is not TimeSpan max || max == Delay) return Delay;
        double x;
        lock (_random!) x = _random.NextDouble();
        return Delay + TimeSpan.FromTicks((long)((max - Delay).Ticks * x));
    }

    /// <summary>A rate limit admits this event (and counts it).</summary>
    internal bool Admits(in SmtpFaultContext context, DateTime now)
    {
        string key = RateLimitScope == SmtpRateLimitScope.Sender
            ? "s:" + (context.Sender ?? "")
            : "c:" + (context.ClientAddress?.ToString() ?? "");
        return _limit!.TryAdmit(key, now);
    }

    internal void CountHit() => Interlocked.Increment(ref _hits);

    public override string ToString() => (Name ?? "#" + Id) + ": " + Stage + " " + Action;
}
