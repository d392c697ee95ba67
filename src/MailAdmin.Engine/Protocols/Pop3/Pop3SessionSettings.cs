using System;

namespace MailAdmin.Protocols.Pop3;

/// <summary>What a <see cref="Pop3Session"/> needs from the server's options.</summary>
public sealed class Pop3SessionSettings
{
    public string HostName { get; set; } = "localhost";
    /// <summary>STLS can be offered (a certificate is configured).</summary>
    public bool TlsAvailable { get; set; }
    /// <summary>USER/PASS and AUTH PLAIN without TLS.</summary>
    public bool AllowInsecureAuth { get; set; }
    /// <summary>Bad commands (unknown, bad syntax, wrong state, failed logins) before the session is closed.</summary>
    public int MaxErrors { get; set; } = 10;
    /// <summary>Delay before a failed authentication is answered.</summary>
    public TimeSpan AuthFailureDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>The server's logins (mechanisms, credentials, per-address penalty); when null the session checks the store's accounts itself, without a penalty.</summary>
    public MailAdmin.Protocols.Sasl.SaslAuthenticator? Authenticator { get; set; }
    /// <summary>The client's address, for the login penalty.</summary>
    public System.Net.IPAddress? ClientAddress { get; set; }
    /// <summary>The folder served (POP3 has one maildrop).</summary>
    public string Folder { get; set; } = "INBOX";
    /// <summary>Mark retrieved messages \Seen in the store (as Dovecot does), so IMAP shows them read.</summary>
    public bool MarkRetrievedSeen { get; set; } = true;
}
