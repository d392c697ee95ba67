using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using MailAdmin.Protocols.Smtp;

namespace MailAdmin.Hosting;

/// <summary>How a listener behaves.</summary>
public enum SmtpListenerMode
{
    /// <summary>Port 25 style: local delivery; relay refused (554 5.7.1) unless authenticated or from a relay network. STARTTLS offered when a certificate is set.</summary>
    Smtp,
    /// <summary>RFC 6409 submission: AUTH required before MAIL (530 5.7.0); AUTH only after STARTTLS unless AllowInsecureAuth.</summary>
    Submission,
    /// <summary>RFC 8314 implicit TLS (TLS from the first byte), otherwise as Submission.</summary>
    Smtps,
}

/// <summary>One address/port/mode to listen on.</summary>
public sealed class SmtpListenerOptions : ListenerOptions<SmtpListenerMode>
{
    public SmtpListenerOptions() { }
    public SmtpListenerOptions(SmtpListenerMode mode, int port, IPAddress? address = null) : base(mode, port, address) { }
}

/// <summary>Options of an <see cref="SmtpServer"/>. Defaults are safe (loopback, no relay, AUTH only over TLS).
/// Timeouts follow RFC 5321 §4.5.3.2: 5 minutes for a command, 3 for each block of content.</summary>
public sealed class SmtpServerOptions : ServerOptions<SmtpListenerMode>
{
    public SmtpServerOptions() : base(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(3), maxConnections: 100, maxConnectionsPerAddress: 20) { }

    public bool EnableXOAuth2 { get; set; }
    public bool AllowRelayForAuthenticated { get; set; } = true;
    /// <summary>Clients that may relay without AUTH: CIDR blocks or single addresses (parsed when the server is built; an invalid entry is an ArgumentException). Default none.</summary>
    public IList<string> RelayNetworks { get; set; } = new List<string>();
    private SmtpRelayNetworks? _relayNetworks;
    private SmtpRelayNetworks ParsedRelayNetworks => _relayNetworks ??= SmtpRelayNetworks.Parse(RelayNetworks);
    public bool EnableExpn { get; set; }
    /// <summary>Maximum message size in bytes (SIZE); 0 = no limit. Default 25 MiB.</summary>
    public long MaxMessageSize { get; set; } = 25 * 1024 * 1024;
    public int MaxRecipients { get; set; } = 100;
    /// <summary>Command line limit including CRLF (RFC 5321 §4.5.3.1.4: 512). MAIL/RCPT get 512 more for extension parameters (RFC 1870/3461), AUTH up to 12288 for SASL.</summary>
    public int MaxCommandLineLength { get; set; } = 512;
    public int MaxErrors { get; set; } = 20;
    /// <summary>Waiting for a command (RFC 5321 §4.5.3.2.7: 5 minutes); the same as <see cref="ServerOptions.IdleTimeout"/>.</summary>
    public TimeSpan CommandTimeout { get => IdleTimeout; set => IdleTimeout = value; }
    /// <summary>Waiting for the next block of DATA/BDAT content (RFC 5321 §4.5.3.2.5: 3 minutes).</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(3);
    /// <summary>Fault rules every session consults (shared, changed live); null for none.</summary>
    public MailAdmin.Protocols.Smtp.Faults.SmtpFaultRuleSet? FaultRules { get; set; }

    internal override TimeSpan ContentTimeout => DataTimeout;

    internal override void Validate()
    {
        base.Validate();
        if (Listeners.Any(l => l.Mode == SmtpListenerMode.Smtps) && Certificate == null)
            throw new ArgumentException("An SMTPS listener needs a certificate.");
        if (Listeners.Any(l => l.Mode == SmtpListenerMode.Submission) && Certificate == null && !AllowInsecureAuth)
            throw new ArgumentException("A submission listener needs a certificate (for STARTTLS before AUTH) or AllowInsecureAuth.");
        if (DataTimeout <= TimeSpan.Zero) throw new ArgumentException("Timeouts must be positive.");
        _relayNetworks = SmtpRelayNetworks.Parse(RelayNetworks);
    }

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
        RelayNetworks = ParsedRelayNetworks,
        EnableExpn = EnableExpn,
        AuthFailureDelay = AuthFailureDelay,
        Authenticator = Authenticator,
        FaultRules = FaultRules,
    };
}
