using System;
using System.Collections.Generic;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MailAdmin.Protocols.Pop3;

namespace MailAdmin.Hosting;

public enum Pop3ListenerMode
{
    /// <summary>Plain POP3 (RFC 1939) with STLS (RFC 2595) when a certificate is set.</summary>
    Pop3,
    /// <summary>POP3S (RFC 8314): TLS from the first byte.</summary>
    Pop3s,
}

/// <summary>One address/port/mode to listen on.</summary>
public sealed class Pop3ListenerOptions
{
    public Pop3ListenerOptions() { }
    public Pop3ListenerOptions(Pop3ListenerMode mode, int port, IPAddress? address = null)
    { Mode = mode; Port = port; Address = address ?? IPAddress.Loopback; }

    public IPAddress Address { get; set; } = IPAddress.Loopback;
    /// <summary>0 = an ephemeral port; the real one is in <see cref="Pop3Server.Endpoints"/>.</summary>
    public int Port { get; set; }
    public Pop3ListenerMode Mode { get; set; } = Pop3ListenerMode.Pop3;
}

/// <summary>Options of a <see cref="Pop3Server"/>. Defaults are safe: loopback, plaintext
/// passwords only over TLS.</summary>
public sealed class Pop3ServerOptions
{
    /// <summary>Listeners; when empty, one Pop3 listener on 127.0.0.1:1110.</summary>
    public List<Pop3ListenerOptions> Listeners { get; } = new();
    /// <summary>Name in the greeting and sign-off.</summary>
    public string HostName { get; set; } = "localhost";
    /// <summary>Certificate for STLS and POP3S (needs a private key). TLS 1.2 and 1.3 only.</summary>
    public X509Certificate2? Certificate { get; set; }
    /// <summary>Allow USER/PASS and AUTH PLAIN on a connection without TLS.</summary>
    public bool AllowInsecureAuth { get; set; }
    /// <summary>Bad commands (unknown, bad syntax, wrong state, failed logins) before the session is closed.</summary>
    public int MaxErrors { get; set; } = 10;
    /// <summary>Simultaneous sessions overall; more are answered -ERR [SYS/TEMP] at connect (POP3S: closed).</summary>
    public int MaxConnections { get; set; } = 100;
    /// <summary>Simultaneous sessions per client IP address.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 20;
    /// <summary>The autologout timer (RFC 1939 §3: at least 10 minutes). The session is closed without UPDATE.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Delay before a failed login is answered.</summary>
    public TimeSpan AuthFailureDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>The server's logins, shared by its sessions: SASL mechanisms, credential checks, per-address penalty (MailServer sets one). Null: each session checks the accounts itself, without a penalty.</summary>
    public MailAdmin.Protocols.Sasl.SaslAuthenticator? Authenticator { get; set; }
    /// <summary>Mark messages \Seen when retrieved with RETR (default true).</summary>
    public bool MarkRetrievedSeen { get; set; } = true;
    /// <summary>Receives the protocol log (passwords and SASL payloads redacted, message content as a byte
    /// count). Called on session threads; must be thread-safe and fast.</summary>
    public Action<ProtocolLogEntry>? ProtocolLog { get; set; }

    internal Pop3SessionSettings CreateSessionSettings(System.Net.IPAddress? client = null) => new()
    {
        HostName = HostName,
        TlsAvailable = Certificate != null,
        AllowInsecureAuth = AllowInsecureAuth,
        MaxErrors = MaxErrors,
        AuthFailureDelay = AuthFailureDelay,
        MarkRetrievedSeen = MarkRetrievedSeen,
        Authenticator = Authenticator,
        ClientAddress = client,
    };
}
