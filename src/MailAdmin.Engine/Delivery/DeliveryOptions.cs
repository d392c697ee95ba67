using System;
using System.Collections.Generic;
using System.Net;
using MailAdmin.Client;

namespace MailAdmin.Delivery;

/// <summary>How the server delivers mail onward: next hop, TLS, retries, concurrency (Start-MailServer's outbound parameters).</summary>
public sealed class DeliveryOptions
{
    /// <summary>Our name in EHLO and in notices (the Reporting-MTA).</summary>
    public string HostName { get; set; } = "localhost";

    /// <summary>"host" or "host:port" ("[v6]:port"); every message goes there. Null: direct delivery to the MX hosts.</summary>
    public string? Smarthost { get; set; }
    public NetworkCredential? SmarthostCredential { get; set; }
    /// <summary>Same meanings as the client cmdlets' -Secure.</summary>
    public MailSecurity SmarthostSecurity { get; set; } = MailSecurity.Auto;
    /// <summary>Accept any certificate of the smarthost (a lab's self-signed one).</summary>
    public bool SmarthostSkipCertificateCheck { get; set; }

    /// <summary>Refuse to send in plaintext: a next hop without STARTTLS is a deferral (4.7.10). Otherwise TLS is opportunistic.</summary>
    public bool RequireTls { get; set; }

    /// <summary>DNS servers for MX lookups ("ip" or "ip:port"); empty: the system's.</summary>
    public IList<string> DnsServers { get; set; } = new List<string>();

    /// <summary>The port direct delivery connects to on MX hosts (25; another for labs and tests).</summary>
    public int DeliveryPort { get; set; } = 25;

    /// <summary>
    /// Waits between attempts of a deferred recipient; the last one repeats until <see cref="MaxQueueLifetime"/>.
    /// The default follows Postfix: 5 minutes, doubling to about 67 minutes.
    /// </summary>
    public IList<TimeSpan> RetrySchedule { get; set; } = DefaultRetrySchedule();

    /// <summary>A recipient still deferred this long after the message arrived fails (4.4.7), as Postfix's 5 days.</summary>
    public TimeSpan MaxQueueLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>A recipient that asked for NOTIFY=DELAY gets one delay notice once deferred this long.</summary>
    public TimeSpan DelayNoticeAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Simultaneous connections to one destination.</summary>
    public int MaxConnectionsPerDestination { get; set; } = 10;

    /// <summary>Simultaneous outbound connections, all destinations together.</summary>
    public int MaxConnections { get; set; } = 50;

    /// <summary>Messages sent over one connection before it is closed and a new one opened.</summary>
    public int MaxMessagesPerConnection { get; set; } = 100;

    /// <summary>Connect, greeting and each command's wait.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public static List<TimeSpan> DefaultRetrySchedule() => new()
    {
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20),
        TimeSpan.FromMinutes(40), TimeSpan.FromSeconds(4000),
    };

    /// <summary>The wait after attempt number <paramref name="attempts"/> (1 = after the first).</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        if (RetrySchedule.Count == 0) return TimeSpan.FromMinutes(5);
        int i = Math.Max(0, Math.Min(attempts - 1, RetrySchedule.Count - 1));
        return RetrySchedule[i];
    }
}
