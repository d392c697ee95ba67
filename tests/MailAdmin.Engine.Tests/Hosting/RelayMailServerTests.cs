using MailAdmin.Delivery;
using MailAdmin.Hosting;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace MailAdmin.Engine.Tests.Hosting;

/// <summary>A real MailServer: relay rules on its listeners, postmaster, and remote recipients into its queue.</summary>
public class RelayMailServerTests
{
    private static Task<MailServer> StartAsync(Action<MailServerOptions>? change = null)
    {
        var options = new MailServerOptions
        {
            Name = "Relay",
            InMemory = true,
            Domains = new List<string> { "example.com" },
            HostName = "mx.test",
            SmtpPort = 0,
            SubmissionPort = 0,
            ImapPort = null,
            ImapsPort = null,
            Pop3Port = null,
            Pop3sPort = null,
            LoginPenalty = null,
        };
        // Deliveries must not leave loopback: a smarthost nobody listens on keeps queued mail queued.
        options.Delivery.Smarthost = "127.0.0.1:9";
        options.Delivery.RetrySchedule = new List<TimeSpan> { TimeSpan.FromHours(1) };
        change?.Invoke(options);
        return MailServer.StartAsync(options);
    }

    private static async Task<SmtpClient> SubmitClientAsync(MailServer server, string user)
    {
        var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 10_000 };
        await client.ConnectAsync("127.0.0.1", server.Port("submission")!.Value, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(user, "secret");
        return client;
    }

    [Fact]
    public async Task AnInvalidRelayNetworkStopsTheStart()
    {
        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => StartAsync(o => o.RelayNetworks = new List<string> { "10.0.0.0/8", "10.0.0.0/40" }));
        Assert.Contains("'10.0.0.0/40'", ex.Message);
    }

    [Fact]
    public async Task PostmasterAccountIsResolvedLive()
    {
        using var server = await StartAsync();
        Assert.Null(server.PostmasterAccount);
        await using (var c = await LineClient.ConnectAsync(server.Port("smtp")!.Value, "220"))
        {
            await c.CommandAsync("EHLO c.example", "250 ");
            await c.CommandAsync("MAIL FROM:<a@remote.example>", "250");
            await c.CommandAsync("RCPT TO:<postmaster>", "550 5.1.1 No postmaster mailbox configured");
        }
        await server.Store.Accounts.AddAsync("first@example.com", "secret");
        await Task.Delay(15);
        await server.Store.Accounts.AddAsync("alice@example.com", "secret");
        Assert.Equal("first@example.com", server.PostmasterAccount);
        await using (var c = await LineClient.ConnectAsync(server.Port("smtp")!.Value, "220"))
        {
            await c.CommandAsync("EHLO c.example", "250 ");
            await c.CommandAsync("MAIL FROM:<a@remote.example>", "250");
            await c.CommandAsync("RCPT TO:<PostMaster@example.com>", "250");
        }
    }

    [Fact]
    public async Task Port25FromOutsideTheRelayNetworksIsStill554()
    {
        using var server = await StartAsync(o => o.RelayNetworks = new List<string> { "10.0.0.0/8" });
        await server.Store.Accounts.AddAsync("alice@example.com", "secret");
        await using var c = await LineClient.ConnectAsync(server.Port("smtp")!.Value, "220");
        await c.CommandAsync("EHLO c.example", "250 ");
        await c.CommandAsync("MAIL FROM:<alice@example.com>", "250");
        await c.CommandAsync("RCPT TO:<victim@elsewhere.example>", "554 5.7.1");
        await c.CommandAsync("RCPT TO:<alice@example.com>", "250");
    }

    [Fact]
    public async Task AuthenticatedSubmissionToARemoteAddressIsQueuedWithoutDeliveredTo()
    {
        using var server = await StartAsync(o => o.AllowInsecureAuth = false);
        await server.Store.Accounts.AddAsync("alice@example.com", "secret");
        await server.Store.Accounts.AddAsync("bob@example.com", "secret");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("alice@example.com"));
        message.To.Add(MailboxAddress.Parse("carol@remote.example"));
        message.To.Add(MailboxAddress.Parse("dave@remote.example"));
        message.Cc.Add(MailboxAddress.Parse("bob@example.com"));
        message.Subject = "to the world";
        message.MessageId = "sub.1@example.com";
        message.Body = new TextPart("plain") { Text = "hello out there" };
        using (var client = await SubmitClientAsync(server, "alice@example.com"))
        {
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        var queued = Assert.Single(server.Queue.GetMessages());
        Assert.Equal("alice@example.com", queued.Sender);
        Assert.Equal(new[] { "carol@remote.example", "dave@remote.example" }, queued.Recipients.Select(r => r.Address).OrderBy(a => a));
        Assert.Equal("sub.1@example.com", queued.MessageId);
        Assert.Equal("to the world", queued.Subject);
        Assert.Equal("alice@example.com", queued.AuthenticatedUser);
        Assert.Equal("127.0.0.1", queued.ClientAddress);
        Assert.True(queued.ClientTrusted);
        string content;
        using (var stream = server.Queue.Store.OpenContent(queued.Id))
        using (var reader = new StreamReader(stream))
            content = await reader.ReadToEndAsync();
        Assert.StartsWith("Received: from ", content);
        Assert.DoesNotContain("Delivered-To:", content);
        Assert.DoesNotContain("Return-Path:", content);
        Assert.Equal(queued.Size, System.Text.Encoding.UTF8.GetByteCount(content));
        Assert.Contains("hello out there", content);

        // The local Cc got its copy, with its own Delivered-To.
        var bobs = Assert.Single(await server.ReadMessagesAsync("bob@example.com", "INBOX", default));
        Assert.Equal("to the world", bobs.Subject);
        var statuses = server.Trace.Query(new MessageTraceQuery()).Select(e => (e.Status, e.Recipient)).ToList();
        Assert.Contains((MessageTraceStatus.Received, "carol@remote.example"), statuses);
        Assert.Contains((MessageTraceStatus.Delivered, "bob@example.com"), statuses);
    }

    [Fact]
    public async Task ARelayNetworkClientRelaysOnPort25WithoutAuth()
    {
        using var server = await StartAsync(o => o.RelayNetworks = new List<string> { "127.0.0.0/8" });
        await using var c = await LineClient.ConnectAsync(server.Port("smtp")!.Value, "220");
        await c.CommandAsync("EHLO app.lan", "250 ");
        await c.CommandAsync("MAIL FROM:<app@lan.example>", "250");
        await c.CommandAsync("RCPT TO:<ops@remote.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;ops@remote.example", "250");
        await c.CommandAsync("DATA", "354");
        await c.CommandAsync("Subject: from the lan\r\n\r\nhi\r\n.", "250");
        var queued = Assert.Single(server.Queue.GetMessages());
        Assert.True(queued.ClientTrusted);
        Assert.Null(queued.AuthenticatedUser);
        var r = Assert.Single(queued.Recipients);
        Assert.Equal(MailAdmin.Protocols.Smtp.DsnNotify.Success | MailAdmin.Protocols.Smtp.DsnNotify.Failure, r.Notify);
        Assert.Equal("rfc822;ops@remote.example", r.OriginalRecipient);
    }

    [Fact]
    public async Task ALocalSenderGetsAFailureNoticeForAMailboxGoneMeanwhile()
    {
        using var server = await StartAsync(o => o.AllowInsecureAuth = true);
        await server.Store.Accounts.AddAsync("alice@example.com", "secret");
        await server.Store.Accounts.AddAsync("bob@example.com", "secret");
        await server.Store.Accounts.AddAsync("carol@example.com", "secret");
        await using var c = await LineClient.ConnectAsync(server.Port("smtp")!.Value, "220");
        await c.CommandAsync("EHLO c.example", "250 ");
        await c.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("\0alice@example.com\0secret")), "235");
        await c.CommandAsync("MAIL FROM:<alice@example.com>", "250");
        await c.CommandAsync("RCPT TO:<bob@example.com>", "250");
        await c.CommandAsync("RCPT TO:<carol@example.com>", "250");
        await server.Store.Accounts.RemoveAsync("bob@example.com");
        await c.CommandAsync("DATA", "354");
        await c.CommandAsync("Subject: minutes\r\nMessage-ID: <min.7@example.com>\r\n\r\nsee attached\r\n.", "250 2.0.0 OK: queued as");
        Assert.Contains("not delivered to bob@example.com (550 5.1.1)", c.Text);

        Assert.Single(await server.ReadMessagesAsync("carol@example.com", "INBOX", default));
        var notice = Assert.Single(await server.ReadMessagesAsync("alice@example.com", "INBOX", default));
        var mime = MimeMessage.Load(new MemoryStream(notice.GetBytes()));
        var report = Assert.IsType<MultipartReport>(mime.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = report.OfType<MessageDeliveryStatus>().Single();
        var fields = status.StatusGroups[1];
        Assert.Equal("rfc822; bob@example.com", fields["Final-Recipient"]);
        Assert.Equal("failed", fields["Action"]);
        Assert.Equal("5.1.1", fields["Status"]);
        Assert.Contains("550 5.1.1", fields["Diagnostic-Code"]);
        Assert.Contains(server.Trace.Query(new MessageTraceQuery()), e => e.Status == MessageTraceStatus.Bounced && e.Recipient == "bob@example.com");
    }

    [Fact]
    public async Task ALoopFromARemoteSenderQueuesOneNoticeFromTheNullSender()
    {
        using var server = await StartAsync();
        await server.Store.Accounts.AddAsync("alice@example.com", "secret");
        await using var c = await LineClient.ConnectAsync(server.Port("smtp")!.Value, "220");
        await c.CommandAsync("EHLO c.example", "250 ");
        await c.CommandAsync("MAIL FROM:<list@remote.example>", "250");
        await c.CommandAsync("RCPT TO:<alice@example.com>", "250");
        await c.CommandAsync("DATA", "354");
        var hops = string.Concat(Enumerable.Range(0, 50).Select(i => $"Received: by h{i}.remote.example; Mon, 1 Jan 2024 10:00:00 +0000\r\n"));
        await c.CommandAsync(hops + "Subject: again\r\n\r\nx\r\n.", "250");
        Assert.Empty(await server.ReadMessagesAsync("alice@example.com", "INBOX", default));
        var queued = Assert.Single(server.Queue.GetMessages());
        Assert.Equal("", queued.Sender);
        Assert.Equal("list@remote.example", Assert.Single(queued.Recipients).Address);
        string content;
        using (var reader = new StreamReader(server.Queue.Store.OpenContent(queued.Id))) content = await reader.ReadToEndAsync();
        var report = Assert.IsType<MultipartReport>(MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content))).Body);
        var fields = report.OfType<MessageDeliveryStatus>().Single().StatusGroups[1];
        Assert.Equal("5.4.6", fields["Status"]);
    }
}
