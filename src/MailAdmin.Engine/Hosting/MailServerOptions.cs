using System;
using System.Collections.Generic;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace MailAdmin.Hosting;

/// <summary>Everything Start-MailServer can set. Defaults are safe: loopback, unprivileged ports.</summary>
public sealed class MailServerOptions
{
    public const int DefaultSmtpPort = 2525;
    public const int DefaultSubmissionPort = 2587;
    public const int DefaultImapPort = 1143;
    public const int DefaultImapsPort = 1993;
    public const int DefaultPop3Port = 1110;
    public const int DefaultPop3sPort = 1995;
    /// <summary>Mailpit's port, so tools written for Mailpit find us where they look.</summary>
    public const int DefaultHttpPort = 8025;

    public string Name { get; set; } = "MailAdmin";

    /// <summary>The Maildir store root; ignored when <see cref="InMemory"/>.</summary>
    public string? Path { get; set; }

    public bool InMemory { get; set; }

    /// <summary>Domains delivered locally. Empty means "localhost" and the host name.</summary>
    public IList<string> Domains { get; set; } = new List<string>();

    public IPAddress IPAddress { get; set; } = IPAddress.Loopback;

    /// <summary>Plain SMTP for local delivery; 0 = ephemeral, null = off.</summary>
    public int? SmtpPort { get; set; } = DefaultSmtpPort;

    /// <summary>Submission (AUTH required); 0 = ephemeral, null = off.</summary>
    public int? SubmissionPort { get; set; } = DefaultSubmissionPort;

    /// <summary>Implicit TLS (SMTPS); off unless given.</summary>
    public int? SmtpsPort { get; set; }

    /// <summary>IMAP with STARTTLS; 0 = ephemeral, null = off.</summary>
    public int? ImapPort { get; set; } = DefaultImapPort;

    /// <summary>IMAP over implicit TLS; 0 = ephemeral, null = off.</summary>
    public int? ImapsPort { get; set; } = DefaultImapsPort;

    /// <summary>POP3 with STLS; 0 = ephemeral, null = off.</summary>
    public int? Pop3Port { get; set; } = DefaultPop3Port;

    /// <summary>POP3 over implicit TLS; 0 = ephemeral, null = off.</summary>
    public int? Pop3sPort { get; set; } = DefaultPop3sPort;

    /// <summary>The web inbox and Mailpit-compatible API (HTTP); 0 = ephemeral, null = off (the default).</summary>
    public int? HttpPort { get; set; }

    /// <summary>HTTP Basic credentials for the page and API; required when <see cref="IPAddress"/> is not loopback.</summary>
    public System.Net.NetworkCredential? HttpCredential { get; set; }

    /// <summary>Sizes and waits of HTTP connections.</summary>
    public Http.HttpLimits HttpLimits { get; set; } = new Http.HttpLimits();

    /// <summary>The server certificate; a self-signed one is made (and kept in the store root) when null.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Accept any recipient, of any domain, into this one mailbox.</summary>
    public string? CatchAll { get; set; }

    public long MaxMessageSize { get; set; } = 25 * 1024 * 1024;

    /// <summary>Simultaneous connections, all protocols together; more are refused at connect.</summary>
    public int MaxConnections { get; set; } = DefaultMaxConnections;
    public const int DefaultMaxConnections = 500;

    /// <summary>Simultaneous connections from one client IP address, all protocols together.</summary>
    public int MaxConnectionsPerAddress { get; set; } = DefaultMaxConnectionsPerAddress;
    public const int DefaultMaxConnectionsPerAddress = 50;

    /// <summary>Logged-in IMAP and POP3 sessions of one account; an IMAP login over it gets NO [LIMIT].</summary>
    public int MaxConnectionsPerAccount { get; set; } = DefaultMaxConnectionsPerAccount;
    public const int DefaultMaxConnectionsPerAccount = 20;

    /// <summary>The wait for a client's next command, every protocol; null keeps each protocol's RFC
    /// value (SMTP 5 minutes, POP3 10, IMAP 30).</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>Recipients of one SMTP message (RFC 5321 §4.5.3.1.8: at least 100 must be accepted).</summary>
    public int MaxRecipients { get; set; } = DefaultMaxRecipients;
    public const int DefaultMaxRecipients = 100;

    /// <summary>How long Stop lets busy sessions finish before aborting them.</summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The default of <see cref="DefaultQuota"/>: 1 GiB.</summary>
    public const long StandardDefaultQuota = 1L << 30;

    /// <summary>
    /// Quota (bytes) of every account that has none of its own; 0: none. Without one, a client can
    /// fill the disk (UID COPY 1:* INBOX, repeated); 1 GiB is years of ordinary mail for one person
    /// on a small server, and bounds what one account can take from the disk.
    /// </summary>
    public long DefaultQuota { get; set; } = StandardDefaultQuota;

    public bool AllowInsecureAuth { get; set; }

    /// <summary>
    /// Bearer tokens accepted by AUTH XOAUTH2, by account address: a lab stand-in for an
    /// OAuth provider, so that OAuth clients can be tested. XOAUTH2 is offered only when set.
    /// </summary>
    public IDictionary<string, string>? BearerTokens { get; set; }
    /// <summary>SMTP fault rules the server starts with (Start-MailServer -Rule); more come and go with Add-/Remove-MailServerRule.</summary>
    public IList<MailAdmin.Protocols.Smtp.Faults.SmtpFaultRule> Rules { get; set; } = new List<MailAdmin.Protocols.Smtp.Faults.SmtpFaultRule>();

    // ---- logins (auth cache and penalty)
    public static readonly TimeSpan DefaultAuthCacheTtl = TimeSpan.FromHours(1);
    /// <summary>The longest <see cref="AuthCacheTtl"/>.</summary>
    public static readonly TimeSpan MaxAuthCacheTtl = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a verified password is remembered in memory (a keyed hash) so that repeated logins skip
    /// PBKDF2; zero turns the cache off. Default 1 hour: mail clients log in again every few minutes, and
    /// any change of the account (also from another process) ends the entry at once, so a longer life
    /// costs nothing in correctness. Range 0 to <see cref="MaxAuthCacheTtl"/>.
    /// </summary>
    public TimeSpan AuthCacheTtl
    {
        get => authCacheTtl;
        set
        {
            if (value < TimeSpan.Zero || value > MaxAuthCacheTtl)
                throw new ArgumentOutOfRangeException(nameof(AuthCacheTtl), value, "The auth cache TTL must be between 0 and 1 day.");
            authCacheTtl = value;
        }
    }
    private TimeSpan authCacheTtl = DefaultAuthCacheTtl;

    /// <summary>The per-address penalty after failed logins (2, 4, 8, 15 s…); null turns it off (tests).</summary>
    public MailAdmin.Protocols.Sasl.LoginPenalty? LoginPenalty { get; set; } = new MailAdmin.Protocols.Sasl.LoginPenalty();
    // ---- end of logins

    // ---- outbound mail
    /// <summary>Clients that may relay without AUTH, as CIDR ("192.0.2.0/24", "::1/128") or single addresses. Default none.</summary>
    public IList<string> RelayNetworks { get; set; } = new List<string>();

    /// <summary>
    /// The mailbox that takes mail for "postmaster" and postmaster@ each served domain (RFC 5321 §4.5.1).
    /// Null: the first account created; with no account at all, postmaster is refused and Start-MailServer warns.
    /// </summary>
    public string? Postmaster { get; set; }

    /// <summary>Next hop, TLS, retries and concurrency of the outbound queue.</summary>
    public MailAdmin.Delivery.DeliveryOptions Delivery { get; set; } = new MailAdmin.Delivery.DeliveryOptions();
    // ---- end of outbound mail

    /// <summary>A protocol log file (sessions without secrets).</summary>
    public string? LogPath { get; set; }

    /// <summary>The name the server gives itself in its greeting and Received lines.</summary>
    public string HostName { get; set; } = SafeHostName();

    /// <summary>Timeouts and limits for tests and tuning; the SMTP defaults follow RFC 5321 §4.5.3.2.</summary>
    public Action<SmtpServerOptions>? ConfigureSmtp { get; set; }

    /// <summary>IMAP limits and timeouts, for tests and tuning.</summary>
    public Action<ImapServerOptions>? ConfigureImap { get; set; }

    /// <summary>POP3 limits and timeouts, for tests and tuning.</summary>
    public Action<Pop3ServerOptions>? ConfigurePop3 { get; set; }

    /// <summary>The default store location: a per-user data folder.</summary>
    public static string DefaultStorePath()
    {
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        if (string.IsNullOrEmpty(root))
            root = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return System.IO.Path.Combine(root, "MailAdmin", "store");
    }

    private static string SafeHostName()
    {
        try { return Dns.GetHostName().ToLowerInvariant(); }
        catch (Exception) { return "localhost"; }
    }
}
