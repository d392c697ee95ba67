using System.Collections.Generic;

namespace MailAdmin.DnsChecks;

/// <summary>How a DNS query ended.</summary>
public enum DnsOutcome
{
    /// <summary>Records of the type asked for came back.</summary>
    Found,
    /// <summary>The name exists but has no records of that type (NOERROR, empty answer).</summary>
    NoData,
    /// <summary>The name does not exist (NXDOMAIN).</summary>
    NotFound,
    /// <summary>The server answered with an error (SERVFAIL, REFUSED, ...).</summary>
    ServerError,
    /// <summary>No answer at all: timeout, unreachable server, network error.</summary>
    NoAnswer,
}

/// <summary>The records a query found, or why it found none.</summary>
public sealed class DnsAnswer<T>
{
    internal DnsAnswer(DnsOutcome outcome, IReadOnlyList<T> records, string? error)
    {
        Outcome = outcome;
        Records = records;
        Error = error;
    }

    public DnsOutcome Outcome { get; }

    public IReadOnlyList<T> Records { get; }

    /// <summary>What went wrong, for ServerError and NoAnswer.</summary>
    public string? Error { get; }

    /// <summary>The query itself failed: nothing can be concluded about the name.</summary>
    public bool Failed => Outcome == DnsOutcome.ServerError || Outcome == DnsOutcome.NoAnswer;

    /// <summary>Why nothing was found, in words for a finding.</summary>
    public string Describe(string what) => Outcome switch
    {
        DnsOutcome.NotFound => $"{what}: the name does not exist (NXDOMAIN)",
        DnsOutcome.NoData => $"{what}: no record",
        _ => $"{what}: lookup failed ({Error})",
    };
}

/// <summary>An MX record: preference and exchange host (without the trailing dot).</summary>
public sealed class DnsMx
{
    public DnsMx(int preference, string host)
    {
        Preference = preference;
        Host = host;
    }

    public int Preference { get; }

    public string Host { get; }

    /// <summary>RFC 7505 "null MX": a single MX of "." says the domain accepts no mail.</summary>
    public bool IsNull => Host.Length == 0;
}
