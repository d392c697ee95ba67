using System.Diagnostics;
using MailAdmin.Hosting;
using MailAdmin.Protocols.Smtp.Faults;
using Xunit;

namespace MailAdmin.Engine.Tests.Smtp;

/// <summary>Fault rules through the host (<see cref="SmtpConnection"/>): waits applied on the wire,
/// also after DATA and BDAT content, and connections dropped without a reply.</summary>
public class FaultRuleSocketTests
{
    private static async Task<(SmtpServer Server, MemoryBackend Backend)> StartAsync(SmtpFaultRuleSet rules)
    {
        var backend = new MemoryBackend();
        var options = new SmtpServerOptions { HostName = "mx.test", FaultRules = rules, CommandTimeout = TimeSpan.FromSeconds(10), DataTimeout = TimeSpan.FromSeconds(10) };
        options.Listeners.Add(new SmtpListenerOptions(SmtpListenerMode.Smtp, 0));
        var server = new SmtpServer(options, backend);
        await server.StartAsync();
        return (server, backend);
    }

    private static async Task StopAsync(SmtpServer server)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await server.StopAsync(cts.Token);
        server.Dispose();
    }

    [Fact]
    public async Task WaitsAreAppliedBeforeTheGreetingAndAfterTheContent()
    {
        var rules = new SmtpFaultRuleSet();
        rules.Add(new SmtpFaultRule(SmtpFaultStage.Connect, SmtpFaultAction.Delay) { Delay = TimeSpan.FromMilliseconds(300) });
        rules.Add(new SmtpFaultRule(SmtpFaultStage.EndOfData, SmtpFaultAction.Delay) { Delay = TimeSpan.FromMilliseconds(300) });
        var (server, backend) = await StartAsync(rules);
        try
        {
            var clock = Stopwatch.StartNew();
            using var c = await RawClient.ConnectAsync(server.Endpoints[0].Port);
            await c.ExpectAsync("220 mx.test");
            Assert.True(clock.ElapsedMilliseconds >= 280, $"greeting after {clock.ElapsedMilliseconds} ms");
            await c.CommandAsync("EHLO c", "250");
            await c.CommandAsync("MAIL FROM:<a@b.test>", "250");
            await c.CommandAsync("RCPT TO:<alice@example.com>", "250");
            await c.CommandAsync("DATA", "354");
            clock.Restart();
            await c.CommandAsync("Subject: x\r\n\r\nhi\r\n.", "250 2.0.0");
            Assert.True(clock.ElapsedMilliseconds >= 280, $"end of data answered after {clock.ElapsedMilliseconds} ms");
            Assert.Single(backend.Messages);
        }
        finally { await StopAsync(server); }
    }

    [Fact]
    public async Task DisconnectAfterBdatLastStoresNothingAndSendsNoReply()
    {
        var rules = new SmtpFaultRuleSet();
        var rule = rules.Add(new SmtpFaultRule(SmtpFaultStage.EndOfData, SmtpFaultAction.Disconnect));
        var (server, backend) = await StartAsync(rules);
        try
        {
            using var c = await RawClient.ConnectAsync(server.Endpoints[0].Port);
            await c.ExpectAsync("220");
            await c.CommandAsync("EHLO c", "250");
            await c.CommandAsync("MAIL FROM:<a@b.test>", "250");
            await c.CommandAsync("RCPT TO:<alice@example.com>", "250");
            await c.SendAsync("BDAT 5 LAST\r\nhello");
            Assert.Null(await c.ReadReplyAsync());
            Assert.Empty(backend.Messages);
            Assert.Equal(1, rule.Hits);
        }
        finally { await StopAsync(server); }
    }
}
