using System;
using System.Linq;
using System.Net;
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
public sealed class Pop3ListenerOptions : ListenerOptions<Pop3ListenerMode>
{
    public Pop3ListenerOptions() { }
    public Pop3ListenerOptions(Pop3ListenerMode mode, int port, IPAddress? address = null) : base(mode, port, address) { }
}

/// <summary>Options of a <see cref="Pop3Server"/>. Defaults are safe: loopback, plaintext
/// passwords only over TLS. The idle timeout is RFC 1939 §3's autologout (at least 10 minutes;
/// the session is closed without UPDATE).</summary>
public sealed class Pop3ServerOptions : ServerOptions<Pop3ListenerMode>
{
    public Pop3ServerOptions() : base(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(3), maxConnections: 100, maxConnectionsPerAddress: 20) { }

    /// <summary>Bad commands (unknown, bad syntax, wrong state, failed logins) before the session is closed.</summary>
    public int MaxErrors { get; set; } = 10;
    /// <summary>Mark messages \Seen when retrieved with RETR (default true).</summary>
    public bool MarkRetrievedSeen { get; set; } = true;

    internal override void Validate()
    {
        base.Validate();
        if (Listeners.Any(l => l.Mode == Pop3ListenerMode.Pop3s) && Certificate == null)
            throw new ArgumentException("A POP3S listener needs a certificate.");
    }

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
