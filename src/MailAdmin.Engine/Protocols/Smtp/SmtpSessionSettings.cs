using System;

namespace MailAdmin.Protocols.Smtp;

/// <summary>Protocol-level settings of one session (the Hosting layer derives them from the
/// server options and the listener mode).</summary>
public sealed class SmtpSessionSettings
{
    /// <summary>Our host name, used in the greeting, EHLO reply and Received lines.</summary>
    public string HostName { get; set; } = "localhost";
    /// <summary>Maximum message content size in bytes, advertised as SIZE; 0 = no limit.</summary>
    public long MaxMessageSize { get; set; } = 25 * 1024 * 1024;
    /// <summary>Recipients per transaction; more are answered 452 4.5.3 (RFC 5321 §4.5.3.1.8 asks for at least 100).</summary>
    public int MaxRecipients { get; set; } = 100;
    /// <summary>Permanent (5xx) error replies tolerated per session; the next one becomes 421 4.7.0 and the session closes.</summary>
    public int MaxErrors { get; set; } = 20;
    /// <summary>Submission/SMTPS: MAIL requires AUTH first (530 5.7.0).</summary>
    public bool RequireAuthentication { get; set; }
    /// <summary>A certificate is configured: STARTTLS is offered (when not already secure).</summary>
    public bool TlsAvailable { get; set; }
    /// <summary>Allow AUTH without TLS (otherwise 538 5.7.11 and AUTH is not advertised before TLS).</summary>
    public bool AllowInsecureAuth { get; set; }
    /// <summary>Offer XOAUTH2 (checked with <see cref="ISmtpBackend.AuthenticateBearerAsync"/>).</summary>
    public bool EnableXOAuth2 { get; set; }
    /// <summary>Authenticated clients may send to non-local recipients (otherwise 554 5.7.1 for them too).</summary>
    public bool AllowRelayForAuthenticated { get; set; } = true;
    /// <summary>Clients that may send to non-local recipients without AUTH (-RelayNetwork); none by default.</summary>
    public SmtpRelayNetworks RelayNetworks { get; set; } = SmtpRelayNetworks.None;
    /// <summary>EXPN answers 252 instead of 502.</summary>
    public bool EnableExpn { get; set; }
    /// <summary>The server's logins (mechanisms, credentials, per-address penalty). When null, a session checks
    /// PLAIN/LOGIN/XOAUTH2 through its <see cref="ISmtpBackend"/>, without SCRAM or a penalty.</summary>
    public MailAdmin.Protocols.Sasl.SaslAuthenticator? Authenticator { get; set; }
    /// <summary>Delay before answering a failed AUTH (the host waits; the session only asks).</summary>
    public TimeSpan AuthFailureDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>The server's fault rules (Add-MailServerRule), read at every step; null for none.</summary>
    public Faults.SmtpFaultRuleSet? FaultRules { get; set; }
}
