using System.Threading;
using System.Threading.Tasks;
using MailKit.Net.Pop3;

namespace MailAdmin.Client;

/// <summary>A connection to a POP3 server (Connect-Pop3Server).</summary>
public sealed class Pop3ClientSession : MailClientSession
{
    internal Pop3ClientSession(MailClientOptions options, Pop3Client client, ClientProtocolLog log) : base(options, client, log)
    {
        Client = client;
    }

    /// <summary>The MailKit client; use it only inside <see cref="MailClientSession.UseAsync{T}"/>.</summary>
    public Pop3Client Client { get; }

    /// <summary>QUIT: the server deletes the messages marked deleted now; inside the session's turn.</summary>
    public Task QuitAsync(CancellationToken cancellationToken) => Client.DisconnectAsync(true, cancellationToken);

}
