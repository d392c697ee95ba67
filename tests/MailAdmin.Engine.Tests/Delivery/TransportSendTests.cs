using System.Net;
using System.Net.Sockets;
using System.Text;
using MailAdmin.Client;
using MailAdmin.Delivery;
using MailAdmin.Protocols.Smtp;
using Xunit;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>One transaction after another over a smarthost connection: per-recipient replies, DSN pass-on, reuse, broken sessions.</summary>
public class TransportSendTests
{
    private static Task<IOutboundConnection> ConnectAsync(int port) =>
        new SmtpOutboundTransport(Outbound.Options(o => { o.Smarthost = "127.0.0.1:" + port; o.SmarthostSecurity = MailSecurity.None; }))
            .ConnectAsync("peer.test", CancellationToken.None);

    [Fact]
    public async Task Each_recipient_gets_the_reply_that_decided_it()
    {
        await using var peer = await TransportPeer.StartAsync();
        using var connection = await ConnectAsync(peer.Port);
        var results = await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "ok@peer.test", "full@peer.test", "unknown@peer.test", "ok2@peer.test"));
        Assert.Equal(new[] { "ok@peer.test", "full@peer.test", "unknown@peer.test", "ok2@peer.test" }, results.Select(r => r.Address));
        Assert.Equal(new[] { 250, 452, 550, 250 }, results.Select(r => r.Code));
        Assert.Equal(new[] { "2.0.0", "4.2.2", "5.1.1", "2.0.0" }, results.Select(r => r.EnhancedCode));
        Assert.False(results[1].Permanent);
        Assert.True(results[2].Permanent);
        Assert.StartsWith("452 4.2.2 ", results[1].ToString());
        var (envelope, _) = peer.Backend.Single();
        Assert.Equal(new[] { "ok@peer.test", "ok2@peer.test" }, envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task No_accepted_recipient_means_no_data_and_the_session_goes_on()
    {
        await using var peer = await TransportPeer.StartAsync();
        using var connection = await ConnectAsync(peer.Port);
        var refused = await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "full@peer.test", "unknown@peer.test"));
        Assert.Equal(new[] { 452, 550 }, refused.Select(r => r.Code));
        Assert.Empty(peer.Backend.Messages);
        Assert.True(connection.IsConnected);
        Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "ok@peer.test"))).Delivered);
        Assert.Single(peer.Backend.Messages);
        Assert.Equal(1, peer.Connections);
    }

    [Fact]
    public async Task Three_messages_share_one_connection()
    {
        await using var peer = await TransportPeer.StartAsync();
        using (var connection = await ConnectAsync(peer.Port))
        {
            for (var i = 0; i < 3; i++)
                Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", $"r{i}@peer.test"))).Delivered);
            Assert.True(connection.IsConnected);
        }
        Assert.Equal(3, peer.Backend.Messages.Count);
        Assert.Equal(1, peer.Connections);
    }

    [Fact]
    public async Task A_reused_session_the_peer_closed_meanwhile_is_reopened_once_instead_of_deferring()
    {
        await using var peer = await TransportPeer.StartAsync(change: o => o.CommandTimeout = TimeSpan.FromMilliseconds(300));
        using var connection = await ConnectAsync(peer.Port);
        Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "one@peer.test"))).Delivered);
        await Task.Delay(1000); // the peer's idle timeout ends the session
        Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "two@peer.test"))).Delivered);
        Assert.Equal(2, peer.Backend.Messages.Count);
        Assert.Equal(2, peer.Connections);
    }

    [Fact]
    public async Task Dsn_parameters_are_passed_on_to_a_peer_that_offers_dsn()
    {
        await using var peer = await TransportPeer.StartAsync();
        using var connection = await ConnectAsync(peer.Port);
        var envelope = Outbound.Envelope("a@us.test", "one@peer.test", "two@peer.test", "three@peer.test");
        envelope.Message.Ret = DsnReturn.Headers;
        envelope.Message.EnvelopeId = "id+1=x y";
        envelope.Recipients[0].Notify = DsnNotify.Success | DsnNotify.Failure;
        envelope.Recipients[0].OriginalRecipient = "rfc822;First+Tag@Orig.test";
        envelope.Recipients[1].Notify = DsnNotify.Never;
        Assert.All(await Outbound.SendAsync(connection, envelope), r => Assert.True(r.Delivered));

        var (received, _) = peer.Backend.Single();
        Assert.Equal(DsnReturn.Headers, received.Ret);
        Assert.Equal("id+1=x y", received.EnvelopeId);
        Assert.Equal(DsnNotify.Success | DsnNotify.Failure, received.Recipients[0].Notify);
        Assert.Equal("rfc822", received.Recipients[0].OriginalRecipientType);
        Assert.Equal("First+Tag@Orig.test", received.Recipients[0].OriginalRecipient);
        Assert.Equal(DsnNotify.Never, received.Recipients[1].Notify);
        Assert.Null(received.Recipients[1].OriginalRecipient);
        Assert.Equal(DsnNotify.Unspecified, received.Recipients[2].Notify);
    }

    [Fact]
    public async Task The_null_sender_8bitmime_and_smtputf8_go_as_queued()
    {
        await using var peer = await TransportPeer.StartAsync();
        using var connection = await ConnectAsync(peer.Port);
        var envelope = Outbound.Envelope("", "ünïcode@peer.test");
        envelope.Message.Body = SmtpBodyType.EightBitMime;
        envelope.Message.SmtpUtf8 = true;
        Assert.True(Assert.Single(await Outbound.SendAsync(connection, envelope)).Delivered);
        var (received, _) = peer.Backend.Single();
        Assert.Equal("", received.From);
        Assert.Equal(SmtpBodyType.EightBitMime, received.Body);
        Assert.True(received.SmtpUtf8);
        Assert.Equal("ünïcode@peer.test", received.Recipients[0].Address);
    }

    [Fact]
    public async Task A_connection_broken_mid_transaction_is_a_transient_failure_and_the_session_is_gone()
    {
        // A peer that takes the envelope and hangs up at DATA.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var peer = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            async Task Say(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
            await Say("220 dropper\r\n");
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("EHLO")) await Say("250-dropper\r\n250 8BITMIME\r\n");
                else if (line.StartsWith("DATA")) break;
                else await Say("250 ok\r\n");
            }
        });
        using var connection = await ConnectAsync(port);
        var error = await Assert.ThrowsAsync<OutboundConnectException>(() => Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@peer.test")));
        Assert.False(error.Permanent);
        Assert.Contains("DATA", error.Message);
        Assert.False(connection.IsConnected);
        await peer;
    }

    [Fact]
    public async Task A_refused_mail_from_answers_for_every_recipient_and_the_session_goes_on()
    {
        // SIZE=10000 against a 1000-byte limit: 552 at MAIL (pipelined with the RCPTs and DATA).
        await using var peer = await TransportPeer.StartAsync(change: o => o.MaxMessageSize = 1000);
        using var connection = await ConnectAsync(peer.Port);
        var big = Outbound.Envelope("a@us.test", "one@peer.test", "two@peer.test");
        big.Message.Size = 10_000;
        var results = await Outbound.SendAsync(connection, big);
        Assert.All(results, r => Assert.Equal(552, r.Code));
        Assert.All(results, r => Assert.True(r.Permanent));
        Assert.Empty(peer.Backend.Messages);
        Assert.True(Assert.Single(await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "ok@peer.test"))).Delivered);
        Assert.Equal(1, peer.Connections);
    }

    [Fact]
    public async Task Without_pipelining_the_commands_go_one_by_one_with_the_same_results()
    {
        // A minimal peer without PIPELINING: it answers each command only after reading it alone.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var data = new StringBuilder();
        var peer = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            async Task Say(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
            await Say("220 plain\r\n");
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("EHLO")) await Say("250-plain\r\n250 8BITMIME\r\n");
                else if (line.StartsWith("RCPT TO:<unknown")) await Say("550 5.1.1 no such user\r\n");
                else if (line == "DATA")
                {
                    await Say("354 go\r\n");
                    while (await reader.ReadLineAsync() is { } content && content != ".") data.Append(content).Append('\n');
                    await Say("250 2.0.0 queued as X1\r\n");
                }
                else if (line == "QUIT") { await Say("221 bye\r\n"); break; }
                else await Say("250 2.0.0 ok\r\n");
            }
        });
        using (var connection = await ConnectAsync(port))
        {
            var results = await Outbound.SendAsync(connection, Outbound.Envelope("a@us.test", "b@peer.test", "unknown@peer.test"));
            Assert.Equal(new[] { "250 2.0.0 queued as X1", "550 5.1.1 no such user" }, results.Select(r => r.ToString()));
        }
        await peer;
        Assert.Contains("Subject: hi\n", data.ToString());
    }

    [Fact]
    public void Xtext_encodes_plus_equals_space_and_non_ascii()
    {
        Assert.Equal("a+2Bb+3Dc+20d+C3+BC", SmtpOutboundConnection.XText("a+b=c dü"));
        Assert.Equal("SUCCESS,FAILURE,DELAY", SmtpOutboundConnection.NotifyValue(DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay));
        Assert.Null(SmtpOutboundConnection.NotifyValue(DsnNotify.Unspecified));
    }
}
