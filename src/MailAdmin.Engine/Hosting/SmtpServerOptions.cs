using System;
using System.Collections.Generic;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MailAdmin.Protocols.Smtp;

namespace MailAdmin.Hosting;

/// <summary>How a listener behaves.</summary>
public enum SmtpListenerMode
{
    /// <summary>Port 25 style: local delivery; relay refused (554 5.7.1) unless authenticated. STARTTLS offered when a certificate is set.</summary>
    Smtp,
    /// <summary>RFC 6409 submission: AUTH required before MAIL (530 5.7.0); AUTH only after STARTTLS unless AllowInsecureAuth.</summary>
    Submission,
    /// <summary>RFC 8314 implicit TLS (TLS from the first byte), otherwise as Submission.</summary>
    Smtps,
}

/// <summary>One address/port/mode to listen on.</summary>
public sealed class SmtpListenerOptions
{
    public SmtpListenerOptions() { }
    public SmtpListenerOptions(SmtpListenerMode mode, int port, IPAddress? address = null)
    { Mode = mode; Port = port; Address = address ?? IPAddress.Loopback; }

    public IPAddress Address { get; set; } = IPAddress.Loopback;
    /// <summary>0 = an ephemeral port; the real one is in <see cref="SmtpServer.Endpoints"/>.</summary>
    public int Port { get; set; }
    public SmtpListenerMode Mode { get; set; } = SmtpListenerMode.Smtp;
}

/// <summary>Options of an <see cref="SmtpServer"/>. Defaults are safe (loopback, no relay, AUTH only over TLS).</summary>
public sealed class SmtpServerOptions
{
    /// <summary>Listeners; when empty, one Smtp listener on 127.0.0.1:2525.</summary>
    public List<SmtpListenerOptions> Listeners { get; } = new();
    /// <summary>Server name for greeting, EHLO and Received lines.</summary>
    public string HostName { get; set; } = "localhost";
    /// <summary>Certificate for STARTTLS and SMTPS (needs a private key). TLS 1.2 and 1.3 only.</summary>
    public X509Certificate2? Certificate { get; set; }
    public bool AllowInsecureAuth { get; set; }
    public bool EnableXOAuth2 { get; set; }
    public bool AllowRelayForAuthenticated { get; set; } = true;
    public bool EnableExpn { get; set; }
    /// <summary>Maximum message size in bytes (SIZE); 0 = no limit. Default 25 MiB.</summary>
    public long MaxMessageSize { get; set; } = 25 * 1024 * 1024;
    public int MaxRecipients { get; set; } = 100;
    /// <summary>Command line limit including CRLF (RFC 5321 §4.5.3.1.4: 512). MAIL/RCPT get 512 more for extension parameters (RFC 1870/3461), AUTH up to 12288 for SASL.</summary>
    public int MaxCommandLineLength { get; set; } = 512;
    public int MaxErrors { get; set; } = 20;
    /// <summary>Simultaneous sessions overall; more are answered 421 4.7.0 at connect.</summary>
    public int MaxConnections { get; set; } = 100;
    /// <summary>Simultaneous sessions per client IP address.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 20;
    /// <summary>Waiting for a command (RFC 5321 §4.5.3.2.7: 5 minutes).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Waiting for the next block of DATA/BDAT content (RFC 5321 §4.5.3.2.5: 3 minutes).</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(3);
    /// <summary>TLS handshake limit.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan AuthFailureDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>The server's logins, shared by its sessions: SASL mechanisms, credential checks, per-address penalty (MailServer sets one). Null: each session checks the accounts itself, without a penalty.</summary>
    public MailAdmin.Protocols.Sasl.SaslAuthenticator? Authenticator { get; set; }
    /// <summary>Receives the protocol log (no secrets: AUTH payloads redacted, message content not logged). Called on session threads; must be thread-safe and fast.</summary>
    public Action<SmtpLogEntry>? ProtocolLog { get; set; }

    internal SmtpSessionSettings CreateSessionSettings(SmtpListenerMode mode) => new()
    {
        HostName = HostName,
        MaxMessageSize = MaxMessageSize,
        MaxRecipients = MaxRecipients,
        MaxErrors = MaxErrors,
        RequireAuthentication = mode != SmtpListenerMode.Smtp,
        TlsAvailable = Certificate != null,
        AllowInsecureAuth = AllowInsecureAuth,
        EnableXOAuth2 = EnableXOAuth2,
        AllowRelayForAuthenticated = AllowRelayForAuthenticated,
        EnableExpn = EnableExpn,
        AuthFailureDelay = AuthFailureDelay,
        Authenticator = Authenticator,
    };
}

public enum SmtpLogDirection { Received, Sent, Info }

/// <summary>One protocol log line.</summary>
public sealed class SmtpLogEntry
{
    public SmtpLogEntry(long sessionId, IPEndPoint? remote, SmtpLogDirection direction, string text)
    { Timestamp = DateTimeOffset.UtcNow; SessionId = sessionId; RemoteEndPoint = remote; Direction = direction; Text = text; }
    public DateTimeOffset Timestamp { get; }
    public long SessionId { get; }
    public IPEndPoint? RemoteEndPoint { get; }
    public SmtpLogDirection Direction { get; }
    public string Text { get; }
    public override string ToString()
        => Timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture) + " [" + SessionId + "] "
           + (Direction == SmtpLogDirection.Received ? "C: " : Direction == SmtpLogDirection.Sent ? "S: " : "* ") + Text;
}
