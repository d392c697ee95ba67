using System;
using System.Collections.Generic;

namespace MailAdmin.Protocols.Imap;

/// <summary>What a session needs from its host (set once per connection).</summary>
public sealed class ImapSessionSettings
{
    public string HostName { get; set; } = "localhost";
    /// <summary>STARTTLS can be offered (a certificate is configured and the connection is not TLS yet).</summary>
    public bool TlsAvailable { get; set; }
    public bool AllowInsecureAuth { get; set; }
    /// <summary>XOAUTH2 bearer tokens by account address; XOAUTH2 is offered only when set.</summary>
    public IDictionary<string, string>? BearerTokens { get; set; }
    /// <summary>APPENDLIMIT in bytes (0 = none).</summary>
    public long AppendLimit { get; set; } = 25 * 1024 * 1024;
    /// <summary>Invalid commands (BAD) before login after which the session says BYE.</summary>
    public int MaxErrorsBeforeLogin { get; set; } = 10;
    public TimeSpan AuthFailureDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>Subscriptions through the store, with the lock the sessions of a server share.</summary>
    public ImapSubscriptions Subscriptions { get; set; } = new ImapSubscriptions();
    /// <summary>The server's logins (mechanisms, credentials, per-address penalty); when null the session checks the store's accounts itself, without a penalty.</summary>
    public MailAdmin.Protocols.Sasl.SaslAuthenticator? Authenticator { get; set; }
    /// <summary>The client's address, for the login penalty.</summary>
    public System.Net.IPAddress? ClientAddress { get; set; }
    /// <summary>Called after a successful authentication: false refuses the login (connections per account).</summary>
    public Func<string, bool>? AcquireAccount { get; set; }
    /// <summary>Called when an authenticated session ends.</summary>
    public Action<string>? ReleaseAccount { get; set; }
}
