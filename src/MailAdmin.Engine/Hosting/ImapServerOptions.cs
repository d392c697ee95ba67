using System;
using System.Collections.Generic;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MailAdmin.Protocols.Imap;

namespace MailAdmin.Hosting;

public enum ImapListenerMode
{
    /// <summary>Port 143 style: clear text, STARTTLS offered when a certificate is set; LOGINDISABLED until TLS unless AllowInsecureAuth.</summary>
    Imap,
    /// <summary>RFC 8314 implicit TLS (port 993 style).</summary>
    Imaps,
}

public sealed class ImapListenerOptions
{
    public ImapListenerOptions() { }
    public ImapListenerOptions(ImapListenerMode mode, int port, IPAddress? address = null)
    { Mode = mode; Port = port; Address = address ?? IPAddress.Loopback; }

    public IPAddress Address { get; set; } = IPAddress.Loopback;
    /// <summary>0 = an ephemeral port; the real one is in <see cref="ImapServer.Endpoints"/>.</summary>
    public int Port { get; set; }
    public ImapListenerMode Mode { get; set; } = ImapListenerMode.Imap;
}

/// <summary>Options of an <see cref="ImapServer"/>. Defaults are safe (loopback, plain-text login only over TLS).</summary>
public sealed class ImapServerOptions
{
    /// <summary>Listeners; when empty, one Imap listener on 127.0.0.1:1143.</summary>
    public List<ImapListenerOptions> Listeners { get; } = new();
    public string HostName { get; set; } = "localhost";
    /// <summary>Certificate for STARTTLS and IMAPS (needs a private key).</summary>
    public X509Certificate2? Certificate { get; set; }
    /// <summary>Allow LOGIN/AUTHENTICATE without TLS (labs, tests).</summary>
    public bool AllowInsecureAuth { get; set; }
    /// <summary>XOAUTH2 bearer tokens by account address (a lab stand-in for an OAuth provider); XOAUTH2 is offered only when set.</summary>
    public IDictionary<string, string>? BearerTokens { get; set; }
    /// <summary>APPENDLIMIT: the largest message APPEND takes, refused before the '+' ([TOOBIG]). Default 25 MiB.</summary>
    public long AppendLimit { get; set; } = 25 * 1024 * 1024;
    /// <summary>A command line (between literals), CRLF included. Default 64 KiB.</summary>
    public int MaxLineLength { get; set; } = 64 * 1024;
    /// <summary>A literal of any command but APPEND. Default 64 KiB.</summary>
    public int MaxLiteralSize { get; set; } = 64 * 1024;
    /// <summary>Nesting depth of parenthesised lists. Default 16.</summary>
    public int MaxNestingDepth { get; set; } = 16;
    /// <summary>Invalid commands before login after which the server says BYE. Default 10.</summary>
    public int MaxErrorsBeforeLogin { get; set; } = 10;
    public int MaxConnections { get; set; } = 200;
    public int MaxConnectionsPerAddress { get; set; } = 50;
    /// <summary>Simultaneous sessions logged in to one account; more get NO [LIMIT] at login. Default 20.</summary>
    public int MaxConnectionsPerAccount { get; set; } = 20;
    /// <summary>Autologout of an authenticated idle session (RFC 3501 §5.4: at least 30 minutes). Also bounds IDLE.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
    /// <summary>Autologout before login.</summary>
    public TimeSpan LoginTimeout { get; set; } = TimeSpan.FromMinutes(1);
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Delay before answering a failed LOGIN/AUTHENTICATE.</summary>
    public TimeSpan AuthFailureDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>The server's logins, shared by its sessions: SASL mechanisms, credential checks, per-address penalty (MailServer sets one). Null: each session checks the accounts itself, without a penalty.</summary>
    public MailAdmin.Protocols.Sasl.SaslAuthenticator? Authenticator { get; set; }
    /// <summary>Receives the protocol log (passwords and SASL data redacted, message content not logged). Must be thread-safe and fast.</summary>
    public Action<ImapLogEntry>? ProtocolLog { get; set; }

    internal ImapParserLimits CreateParserLimits() => new()
    {
        MaxLineLength = MaxLineLength,
        MaxAppendLiteral = AppendLimit,
        MaxOtherLiteral = MaxLiteralSize,
        MaxNestingDepth = MaxNestingDepth,
    };
}

public enum ImapLogDirection { Received, Sent, Info }

public sealed class ImapLogEntry
{
    public ImapLogEntry(long sessionId, IPEndPoint? remote, ImapLogDirection direction, string text)
    { Timestamp = DateTimeOffset.UtcNow; SessionId = sessionId; RemoteEndPoint = remote; Direction = direction; Text = text; }
    public DateTimeOffset Timestamp { get; }
    public long SessionId { get; }
    public IPEndPoint? RemoteEndPoint { get; }
    public ImapLogDirection Direction { get; }
    public string Text { get; }
    public override string ToString()
        => Timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture) + " [" + SessionId + "] "
           + (Direction == ImapLogDirection.Received ? "C: " : Direction == ImapLogDirection.Sent ? "S: " : "* ") + Text;
}

/// <summary>Live counters of an <see cref="ImapServer"/>; safe to read from any thread.</summary>
public sealed class ImapServerStatistics
{
    internal long _connections, _rejectedConnections, _activeSessions, _commands, _authFailures, _bytesReceived, _bytesSent, _logins;

    /// <summary>Connections accepted (including those refused for limits).</summary>
    public long Connections => System.Threading.Interlocked.Read(ref _connections);
    public long RejectedConnections => System.Threading.Interlocked.Read(ref _rejectedConnections);
    public long ActiveSessions => System.Threading.Interlocked.Read(ref _activeSessions);
    public long Commands => System.Threading.Interlocked.Read(ref _commands);
    public long Logins => System.Threading.Interlocked.Read(ref _logins);
    public long AuthFailures => System.Threading.Interlocked.Read(ref _authFailures);
    public long BytesReceived => System.Threading.Interlocked.Read(ref _bytesReceived);
    public long BytesSent => System.Threading.Interlocked.Read(ref _bytesSent);

    public override string ToString()
        => $"Connections={Connections} Active={ActiveSessions} Commands={Commands} Logins={Logins} AuthFailures={AuthFailures} In={BytesReceived} Out={BytesSent} Rejected={RejectedConnections}";
}
