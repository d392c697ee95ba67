using System;
using System.Net;

namespace MailAdmin.Client;

/// <summary>Everything needed to open one client connection; the cmdlets' connection parameters.</summary>
public sealed class MailClientOptions
{
    public MailClientOptions(MailClientProtocol protocol, string server)
    {
        Protocol = protocol;
        Server = string.IsNullOrWhiteSpace(server) ? throw new ArgumentException("A server name is required.", nameof(server)) : server;
    }

    public MailClientProtocol Protocol { get; }
    public string Server { get; }

    /// <summary>0 picks the protocol's default (<see cref="MailClientPorts"/>).</summary>
    public int Port { get; set; }

    public MailSecurity Security { get; set; } = MailSecurity.Auto;

    /// <summary>Accept any server certificate. The cmdlets warn when it is set.</summary>
    public bool SkipCertificateCheck { get; set; }

    /// <summary>Certificates trusted although no authority vouches for them (a lab's self-signed one), by thumbprint.</summary>
    public string[] TrustedThumbprints { get; set; } = new string[0];

    /// <summary>User name and password; null connects without logging in.</summary>
    public NetworkCredential? Credential { get; set; }

    /// <summary>An OAuth 2.0 access token (XOAUTH2 or OAUTHBEARER); the user name comes from <see cref="Credential"/> or <see cref="UserName"/>.</summary>
    public string? OAuthToken { get; set; }

    /// <summary>The account the OAuth token is for, when no credential is given.</summary>
    public string? UserName { get; set; }

    /// <summary>Per-operation timeout (MailKit's Timeout: connect and each read or write).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>The name we greet SMTP servers with (EHLO); null lets MailKit choose.</summary>
    public string? LocalDomain { get; set; }

    /// <summary>A file the protocol conversation is appended to, secrets redacted.</summary>
    public string? LogPath { get; set; }

    public int EffectivePort => Port > 0 ? Port : MailClientPorts.Default(Protocol, Security);

    public override string ToString() => $"{Protocol.ToString().ToLowerInvariant()}://{Server}:{EffectivePort}";
}
