using MailKit.Net.Smtp;

namespace MailAdmin.Client;

/// <summary>A connection to an SMTP server (Connect-SmtpServer).</summary>
public sealed class SmtpClientSession : MailClientSession
{
    internal SmtpClientSession(MailClientOptions options, SmtpClient client, ClientProtocolLog log) : base(options, client, log)
    {
        Client = client;
    }

    /// <summary>The MailKit client; use it only inside <see cref="MailClientSession.UseAsync{T}"/>.</summary>
    public SmtpClient Client { get; }


    /// <summary>The SIZE limit the server announced; 0 when none.</summary>
    public uint MaxMessageSize => Client.MaxSize;
}
