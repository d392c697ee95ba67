using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailAdmin.Delivery;
using MailAdmin.Engine.Tests.Smtp;
using MailAdmin.Hosting;
using MailAdmin.Protocols.Smtp;
using Xunit;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>
/// The next hop of the transport tests: our own SmtpServer on a loopback address, with a
/// backend that keeps every envelope and the exact bytes stored. Recipients answer by local
/// part: "full..." 452 4.2.2, "unknown..." 550 5.1.1, anything else 250. Login relay/secret.
/// </summary>
internal sealed class TransportPeer : IAsyncDisposable
{
    private TransportPeer(SmtpServer server, RecordingBackend backend) { Server = server; Backend = backend; }

    public SmtpServer Server { get; }
    public RecordingBackend Backend { get; }
    public IPEndPoint EndPoint => Server.Endpoints[0].EndPoint;
    public int Port => EndPoint.Port;
    public long Connections => Server.Statistics.Connections;

    public static async Task<TransportPeer> StartAsync(string address = "127.0.0.1", int port = 0, bool tls = false,
        SmtpListenerMode mode = SmtpListenerMode.Smtp, Action<SmtpServerOptions>? change = null)
    {
        var backend = new RecordingBackend();
        var options = new SmtpServerOptions
        {
            HostName = "peer.test",
            AuthFailureDelay = TimeSpan.Zero,
            CommandTimeout = TimeSpan.FromSeconds(10),
            DataTimeout = TimeSpan.FromSeconds(10),
            Certificate = tls ? TestCertificates.Localhost : null,
        };
        options.Listeners.Add(new SmtpListenerOptions(mode, port, IPAddress.Parse(address)));
        change?.Invoke(options);
        var server = new SmtpServer(options, backend);
        try { await server.StartAsync(); }
        catch
        {
            server.Dispose();
            throw;
        }
        return new TransportPeer(server, backend);
    }

    /// <summary>Two peers on the same port at two addresses (direct delivery uses one port for every MX).</summary>
    public static async Task<(TransportPeer First, TransportPeer Second)> StartPairAsync(string first, string second, bool tls = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            var a = await StartAsync(first, 0, tls);
            try { return (a, await StartAsync(second, a.Port, tls)); }
            catch (SocketException) when (attempt < 5) { await a.DisposeAsync(); }
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await Server.StopAsync(stop.Token);
        Server.Dispose();
    }
}

internal sealed class RecordingBackend : ISmtpBackend
{
    public readonly ConcurrentQueue<(SmtpEnvelope Envelope, byte[] Content)> Messages = new();

    public RecipientCheck CheckRecipient(string address, bool authenticated, long declaredSize)
    {
        var local = address.Split('@')[0].ToLowerInvariant();
        if (local.StartsWith("full")) return RecipientCheck.MailboxFull;
        if (local.StartsWith("unknown")) return RecipientCheck.UnknownLocal;
        return RecipientCheck.Local;
    }

    public Task<bool> AuthenticateAsync(string user, string password, CancellationToken ct) =>
        Task.FromResult(user == "relay" && password == "secret");

    public Task<bool> AuthenticateBearerAsync(string user, string token, CancellationToken ct) => Task.FromResult(false);

    public SmtpMessageSink OpenMessage(SmtpEnvelope envelope) => new Sink();

    public Task<IReadOnlyList<SmtpRecipientFailure>> DeliverAsync(SmtpEnvelope envelope, SmtpMessageSink message, CancellationToken ct)
    {
        Messages.Enqueue((envelope, ((Sink)message).Data.ToArray()));
        return Task.FromResult<IReadOnlyList<SmtpRecipientFailure>>(Array.Empty<SmtpRecipientFailure>());
    }

    public (SmtpEnvelope Envelope, byte[] Content) Single() => Assert.Single(Messages);

    private sealed class Sink : SmtpMessageSink
    {
        public readonly MemoryStream Data = new();
        protected override void WriteCore(ReadOnlySpan<byte> data) => Data.Write(data);
        public override void Dispose() { }
    }
}

/// <summary>Queued messages as the queue hands them to the transport.</summary>
internal static class Outbound
{
    public static readonly byte[] SimpleContent = Encoding.ASCII.GetBytes(
        "Received: from client.test by us.test; Wed, 2 Dec 2026 14:00:00 +0000\r\nFrom: a@us.test\r\nTo: b@peer.test\r\nSubject: hi\r\n\r\nHello.\r\n");

    public static OutboundEnvelope Envelope(string sender, params string[] recipients)
    {
        var message = new QueueMessage("q" + Guid.NewGuid().ToString("n").Substring(0, 8), sender) { Size = SimpleContent.Length };
        message.Recipients.AddRange(recipients.Select(r => new QueueRecipient(r)));
        return new OutboundEnvelope(message, message.Recipients);
    }

    public static Task<IReadOnlyList<RecipientResult>> SendAsync(IOutboundConnection connection, OutboundEnvelope envelope, byte[]? content = null) =>
        connection.SendAsync(envelope, new MemoryStream(content ?? SimpleContent), CancellationToken.None);

    public static DeliveryOptions Options(Action<DeliveryOptions>? change = null)
    {
        var options = new DeliveryOptions { HostName = "us.test", Timeout = TimeSpan.FromSeconds(5) };
        change?.Invoke(options);
        return options;
    }
}
