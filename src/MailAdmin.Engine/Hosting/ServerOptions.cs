using System;
using System.Collections.Generic;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace MailAdmin.Hosting;

/// <summary>One address/port/mode to listen on.</summary>
public class ListenerOptions<TMode> where TMode : struct, Enum
{
    public ListenerOptions() { }
    public ListenerOptions(TMode mode, int port, IPAddress? address = null)
    { Mode = mode; Port = port; Address = address ?? IPAddress.Loopback; }

    public IPAddress Address { get; set; } = IPAddress.Loopback;
    /// <summary>0 = an ephemeral port; the real one is in the server's Endpoints.</summary>
    public int Port { get; set; }
    public TMode Mode { get; set; }
}

/// <summary>A bound listener: its mode and the real local end point (the port is known even when 0 was asked).</summary>
public sealed class ServerEndpoint<TMode> where TMode : struct, Enum
{
    internal ServerEndpoint(TMode mode, IPEndPoint endPoint) { Mode = mode; EndPoint = endPoint; }
    public TMode Mode { get; }
    public IPEndPoint EndPoint { get; }
    public int Port => EndPoint.Port;
    public override string ToString() => Mode + " " + EndPoint;
}

/// <summary>
/// What every protocol server has: listeners, TLS, connection limits, timeouts and the protocol log.
/// The timeouts keep slow clients from holding a connection slot: <see cref="IdleTimeout"/>
/// bounds the wait for a command; <see cref="LoginTimeout"/> bounds the whole time before login;
/// and every command (a line, or an IMAP command with its literals) and every message
/// content (DATA, BDAT) must arrive within <see cref="CommandTimeoutGrace"/> plus its size at
/// <see cref="MinimumDataRate"/>, however steadily its bytes trickle in.
/// </summary>
public abstract class ServerOptions
{
    private protected ServerOptions(TimeSpan idleTimeout, TimeSpan loginTimeout, int maxConnections, int maxConnectionsPerAddress)
    {
        IdleTimeout = idleTimeout;
        LoginTimeout = loginTimeout;
        MaxConnections = maxConnections;
        MaxConnectionsPerAddress = maxConnectionsPerAddress;
    }

    /// <summary>Name in the greeting.</summary>
    public string HostName { get; set; } = "localhost";
    /// <summary>Certificate for STARTTLS/STLS and implicit TLS (needs a private key). TLS 1.2 and 1.3 only.</summary>
    public X509Certificate2? Certificate { get; set; }
    /// <summary>Allow plain-text logins on a connection without TLS (labs, tests).</summary>
    public bool AllowInsecureAuth { get; set; }
    /// <summary>Simultaneous sessions overall; more are refused at connect.</summary>
    public int MaxConnections { get; set; }
    /// <summary>Simultaneous sessions per client IP address.</summary>
    public int MaxConnectionsPerAddress { get; set; }
    /// <summary>Waiting for the next command (autologout).</summary>
    public TimeSpan IdleTimeout { get; set; }
    /// <summary>From connect until a successful login (for SMTP without AUTH: until the first MAIL), however busy the client is.</summary>
    public TimeSpan LoginTimeout { get; set; }
    /// <summary>How long one command, or one message's content, may take from its first byte (plus its size at <see cref="MinimumDataRate"/>). Default 2 minutes.</summary>
    public TimeSpan CommandTimeoutGrace { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>The slowest rate, in bytes per second, at which a long command or message content may arrive after the grace. Default 500 (as Postfix's smtpd_min_data_rate).</summary>
    public int MinimumDataRate { get; set; } = 500;
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Delay before a failed login is answered.</summary>
    public TimeSpan AuthFailureDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>How long a graceful stop lets busy sessions finish before they are aborted.</summary>
    /// <summary>The server's logins, shared by its sessions: SASL mechanisms, credential checks, per-address penalty (MailServer sets one). Null: each session checks the accounts itself, without a penalty.</summary>
    public MailAdmin.Protocols.Sasl.SaslAuthenticator? Authenticator { get; set; }
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Receives the protocol log (passwords and SASL payloads redacted, message content as a byte
    /// count). Called on session threads; must be thread-safe and fast.</summary>
    public Action<ProtocolLogEntry>? ProtocolLog { get; set; }

    /// <summary>Waiting for the next block of message content.</summary>
    internal virtual TimeSpan ContentTimeout => IdleTimeout;

    /// <summary>Throws ArgumentException for options no server can run with.</summary>
    internal virtual void Validate()
    {
        if (Certificate != null && !Certificate.HasPrivateKey)
            throw new ArgumentException("The certificate has no private key.");
        if (IdleTimeout <= TimeSpan.Zero || LoginTimeout <= TimeSpan.Zero || CommandTimeoutGrace <= TimeSpan.Zero || TlsHandshakeTimeout <= TimeSpan.Zero)
            throw new ArgumentException("Timeouts must be positive.");
        if (MinimumDataRate < 1) throw new ArgumentException("MinimumDataRate must be at least 1 byte per second.");
        if (MaxConnections < 1 || MaxConnectionsPerAddress < 1) throw new ArgumentException("Connection limits must be at least 1.");
    }
}

/// <summary>The options of a server whose listeners have modes of <typeparamref name="TMode"/>.</summary>
public abstract class ServerOptions<TMode> : ServerOptions where TMode : struct, Enum
{
    private protected ServerOptions(TimeSpan idleTimeout, TimeSpan loginTimeout, int maxConnections, int maxConnectionsPerAddress)
        : base(idleTimeout, loginTimeout, maxConnections, maxConnectionsPerAddress) { }

    /// <summary>Listeners; when empty, one listener of the protocol's first mode on its lab port.</summary>
    public List<ListenerOptions<TMode>> Listeners { get; } = new();
}
