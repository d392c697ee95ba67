using System.Diagnostics;
using MailAdmin.Hosting;
using Xunit;

namespace MailAdmin.Engine.Tests.Hosting;

/// <summary>
/// Stopping is bounded (issue 11 §7): a server with many clients mid-command, in DATA, in IDLE
/// and idle stops within its grace plus a few seconds; idle sessions are told goodbye, a message
/// finished during the grace is stored and answered, the busy rest is aborted.
/// </summary>
public class StopUnderLoadTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task StopsWithinTheBoundWithClientsMidCommandAndInData()
    {
        var server = await MailServer.StartAsync(new MailServerOptions
        {
            Name = "StopUnderLoad",
            InMemory = true,
            Domains = new List<string> { "example.com" },
            HostName = "mx.test",
            SmtpPort = 0,
            SubmissionPort = null,
            ImapPort = 0,
            ImapsPort = null,
            Pop3Port = 0,
            Pop3sPort = null,
            AllowInsecureAuth = true,
            StopGrace = Grace,
            MaxConnectionsPerAddress = 200,
        });
        var clients = new List<LineClient>();
        try
        {
            await server.Store.Accounts.AddAsync("alice@example.com", "secret");
            int smtp = server.Port("smtp")!.Value, imap = server.Port("imap")!.Value, pop3 = server.Port("pop3")!.Value;
            async Task<LineClient> Open(int port, string greeting) { var c = await LineClient.ConnectAsync(port, greeting); lock (clients) clients.Add(c); return c; }
            async Task<LineClient> InData(string content)
            {
                var c = await Open(smtp, "220 ");
                await c.CommandAsync("EHLO client", "250 ");
                await c.CommandAsync("MAIL FROM:<a@remote.example>", "250 ");
                await c.CommandAsync("RCPT TO:<alice@example.com>", "250 ");
                await c.CommandAsync("DATA", "354 ");
                await c.SendAsync(content);
                return c;
            }

            var idleSmtp = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ => { var c = await Open(smtp, "220 "); await c.CommandAsync("EHLO client", "250 "); return c; }));
            var midCommand = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ => { var c = await Open(smtp, "220 "); await c.SendAsync("MAIL FROM:<half"); return c; }));
            var inData = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => InData("Subject: never ends\r\n\r\nbody\r\n")));
            var finishing = await InData("Subject: finished during the grace\r\n\r\nbody\r\n");
            var idleImap = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
            {
                var c = await Open(imap, "* OK");
                await c.CommandAsync("a LOGIN alice@example.com secret", "a OK");
                if (i % 2 == 0) { await c.CommandAsync("b SELECT INBOX", "b OK"); await c.CommandAsync("c IDLE", "+ "); }
                return c;
            }));
            var midImap = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ => { var c = await Open(imap, "* OK"); await c.SendAsync("a LOGIN alice@exa"); return c; }));
            var pop = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Open(pop3, "+OK")));
            Assert.Equal(31, server.Statistics.Smtp.ActiveSessions);

            var sw = Stopwatch.StartNew();
            var stop = Task.Run(() => server.Stop());
            await Task.Delay(300);
            await finishing.SendAsync(".\r\n");   // content that ends during the grace is delivered and answered
            await stop;
            sw.Stop();

            Assert.Equal(MailServerStatus.Stopped, server.Status);
            Assert.True(sw.Elapsed < Grace + TimeSpan.FromSeconds(4), "stop took " + sw.Elapsed);
            Assert.Contains("250 ", finishing.Text);
            Assert.Equal(1, server.Statistics.Smtp.Messages);
            foreach (var c in clients) Assert.True(await c.WaitClosedAsync(TimeSpan.FromSeconds(5)), "a session is still open: " + c.Text);
            Assert.All(idleSmtp, c => Assert.Contains("421 4.3.2", c.Text));
            Assert.All(idleImap, c => Assert.Contains("* BYE", c.Text));
            Assert.All(pop, c => Assert.Contains("-ERR [SYS/TEMP] Server shutting down", c.Text));
            Assert.All(inData, c => Assert.DoesNotContain("250 2.0.0", c.Text));
            Assert.Equal(0, server.Statistics.Smtp.ActiveSessions + server.Statistics.Imap!.ActiveSessions + server.Statistics.Pop3!.ActiveSessions);
        }
        finally
        {
            server.Dispose();
            foreach (var c in clients) await c.DisposeAsync();
        }
    }
}
