using System;
using System.Net;
using MailAdmin.Client;

namespace MailAdmin.Health;

/// <summary>
/// Test-MailServer -RoundTrip: send a probe through the SMTP target, wait for it in a mailbox
/// read over IMAP or POP3, measure the time it took, and delete it.
/// </summary>
public sealed class RoundTripOptions
{
    public RoundTripOptions(string recipient, string readServer, MailClientProtocol readProtocol)
    {
        Recipient = recipient;
        ReadServer = readServer;
        ReadProtocol = readProtocol;
    }

    /// <summary>The mailbox the probe is sent to, and read from.</summary>
    public string Recipient { get; }
    public string Sender { get; set; } = "";
    public string ReadServer { get; }
    public MailClientProtocol ReadProtocol { get; }
    public int ReadPort { get; set; }
    public MailSecurity ReadSecurity { get; set; } = MailSecurity.Auto;
    /// <summary>The mailbox's login; the SMTP login is separate (-Credential).</summary>
    public NetworkCredential? ReadCredential { get; set; }
    /// <summary>How long to wait for the probe to arrive.</summary>
    public TimeSpan Wait { get; set; } = TimeSpan.FromSeconds(60);
}
