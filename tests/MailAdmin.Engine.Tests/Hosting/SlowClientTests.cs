using System.Diagnostics;
using System.Text;
using MailAdmin.Hosting;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Hosting;

/// <summary>
/// Slow clients (issue 11 §7): a client that trickles bytes must not hold a connection. The
/// idle timeouts here are long (60 s) so that only the core's deadlines can close the
/// connections within the few seconds each test allows: the login deadline (absolute from
/// connect), the per-command deadline (from a command's first byte) and the content rate (DATA,
/// literals). Each trickle sends one byte every 200 ms, or a whole short command each time.
/// </summary>
public class SlowClientTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(2);
    /// <summary>Deadline plus scheduling slack on a shared 2-core machine; far below the 60 s idle timeout.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(8);

    private static void Deadlines(ServerOptions o)
    {
        o.IdleTimeout = Long;
        o.LoginTimeout = Short;
        o.CommandTimeoutGrace = Short;
        o.MinimumDataRate = 1000;
        o.AuthFailureDelay = TimeSpan.Zero;
        o.AllowInsecureAuth = true;
    }

    private static async Task<SmtpServer> SmtpAsync(SmtpListenerMode mode)
    {
        var o = new SmtpServerOptions { HostName = "mx.test", DataTimeout = Long };
        Deadlines(o);
        o.Listeners.Add(new SmtpListenerOptions(mode, 0));
        var server = new SmtpServer(o, new Smtp.MemoryBackend());
        await server.StartAsync();
        return server;
    }

    private static async Task<IMailStore> StoreAsync()
    {
        var store = new InMemoryStore(1000);
        await store.Accounts.AddAsync("alice@example.com", "secret");
        return store;
    }

    private static async Task<ImapServer> ImapAsync()
    {
        var o = new ImapServerOptions { HostName = "imap.test" };
        Deadlines(o);
        o.Listeners.Add(new ImapListenerOptions(ImapListenerMode.Imap, 0));
        var server = new ImapServer(o, await StoreAsync());
        await server.StartAsync();
        return server;
    }

    private static async Task<Pop3Server> Pop3Async()
    {
        var o = new Pop3ServerOptions { HostName = "pop.test" };
        Deadlines(o);
        o.Listeners.Add(new Pop3ListenerOptions(Pop3ListenerMode.Pop3, 0));
        var server = new Pop3Server(o, await StoreAsync());
        await server.StartAsync();
        return server;
    }

    [Fact]
    public async Task SmtpBeforeAnyTransactionIsDroppedAtTheLoginDeadline()
    {
        using var server = await SmtpAsync(SmtpListenerMode.Smtp);
        await using var c = await LineClient.ConnectAsync(server.Endpoints[0].Port, "220 ");
        var (elapsed, text) = await c.TrickleAsync("NOOP\r\n", whole: true);
        AssertDropped(elapsed, text, "421 4.4.2");
        Assert.Equal(1, server.Statistics.TimedOut);
    }

    [Fact]
    public async Task SubmissionAfterAuthIsDroppedInsideACommandLine()
    {
        using var server = await SmtpAsync(SmtpListenerMode.Submission);
        await using var c = await LineClient.ConnectAsync(server.Endpoints[0].Port, "220 ");
        await c.CommandAsync("EHLO client", "250 ");
        await c.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0secret")), "235 ");
        // Waiting longer than the command deadline between commands is fine: only the idle timeout applies there.
        await Task.Delay(Short + TimeSpan.FromSeconds(1));
        await c.CommandAsync("NOOP", "250 ");
        var (elapsed, text) = await c.TrickleAsync("MAIL FROM:<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        AssertDropped(elapsed, text, "421 4.4.2");
    }

    [Fact]
    public async Task SmtpDataBelowTheMinimumRateIsDropped()
    {
        using var server = await SmtpAsync(SmtpListenerMode.Smtp);
        await using var c = await LineClient.ConnectAsync(server.Endpoints[0].Port, "220 ");
        await c.CommandAsync("EHLO client", "250 ");
        await c.CommandAsync("MAIL FROM:<a@remote.example>", "250 ");
        await c.CommandAsync("RCPT TO:<alice@example.com>", "250 ");
        await c.CommandAsync("DATA", "354 ");
        var (elapsed, text) = await c.TrickleAsync("Subject: slow\r\n\r\n" + new string('x', 200));
        AssertDropped(elapsed, text, "421 4.4.2");
        Assert.Equal(0, server.Statistics.Messages);
    }

    [Fact]
    public async Task SmtpDataAtAGoodRateOutlastsTheGrace()
    {
        using var server = await SmtpAsync(SmtpListenerMode.Smtp);
        await using var c = await LineClient.ConnectAsync(server.Endpoints[0].Port, "220 ");
        await c.CommandAsync("EHLO client", "250 ");
        await c.CommandAsync("MAIL FROM:<a@remote.example>", "250 ");
        await c.CommandAsync("RCPT TO:<alice@example.com>", "250 ");
        await c.CommandAsync("DATA", "354 ");
        // 4 KiB every 200 ms (20 KiB/s, above 1000 B/s) for twice the grace: never cut off.
        var block = Encoding.ASCII.GetBytes(new string('y', 4094) + "\r\n");
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < Short + Short)
        {
            await c.SendAsync(block);
            await Task.Delay(200);
        }
        await c.CommandAsync(".", "250 ");
        Assert.Equal(1, server.Statistics.Messages);
    }

    [Fact]
    public async Task CommandsSplitAcrossReadsAreTimedEachFromItsOwnStart()
    {
        // Every write ends in the middle of the next command, for twice the grace: each command is
        // quick, so none may be cut off as though the connection were one long command.
        using var server = await SmtpAsync(SmtpListenerMode.Smtp);
        await using var c = await LineClient.ConnectAsync(server.Endpoints[0].Port, "220 ");
        await c.CommandAsync("EHLO client", "250 ");
        await c.CommandAsync("MAIL FROM:<a@remote.example>", "250 ");   // past the login deadline's reach
        await c.SendAsync("RS");
        var sw = Stopwatch.StartNew();
        int sent = 0;
        while (sw.Elapsed < Short + Short)
        {
            await c.SendAsync("ET\r\nRS");
            sent++;
            await Task.Delay(200);
        }
        await c.CommandAsync("ET", "250 ");
        Assert.False(c.Closed, c.Text);
        Assert.DoesNotContain("421", c.Text);
        // The loop spans twice the grace by construction; on a loaded machine the 200 ms steps stretch, so only
        // ask for enough split commands that the grace was crossed several commands in.
        Assert.True(sent >= 4, $"only {sent} split commands were sent");
    }

    [Fact]
    public async Task ImapBeforeLoginIsDroppedAtTheLoginDeadlineThoughBusy()
    {
        using var server = await ImapAsync();
        await using var c = await LineClient.ConnectAsync(server.Endpoints[0].Port, "* OK");
        var (elapsed, text) = await c.TrickleAsync("a NOOP\r\n", whole: true);
        AssertDropped(elapsed, text, "* BYE");
    }

    [Fact]
    public async Task ImapAfterLoginIsDroppedInsideACommandLine()
    {
        using var server = await ImapAsync();
        await using var c = await LineClient.ConnectAsync(server.Endpoints[0].Port, "* OK");
        await c.CommandAsync("a LOGIN alice@example.com secret", "a OK");
        await Task.Delay(Short + TimeSpan.FromSeconds(1));   // past the login deadline and the grace: still open
        await c.CommandAsync("b NOOP", "b OK");
        var (elapsed, text) = await c.TrickleAsync("c SELECT INBOXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
        AssertDropped(elapsed, text, "* BYE");
    }

    [Fact]
    public async Task ImapLiteralBelowTheMinimumRateIsDropped()
    {
        using var server = await ImapAsync();
        await using var c = await LineClient.ConnectAsync(server.Endpoints[0].Port, "* OK");
        await c.CommandAsync("a LOGIN alice@example.com secret", "a OK");
        await c.CommandAsync("b APPEND INBOX {300}", "+ ");
        var (elapsed, text) = await c.TrickleAsync("Subject: slow\r\n\r\n" + new string('x', 280));
        AssertDropped(elapsed, text, "* BYE");
    }

    [Fact]
    public async Task Pop3BeforeLoginIsDroppedAtTheLoginDeadlineThoughBusy()
    {
        using var server = await Pop3Async();
        await using var c = await LineClient.ConnectAsync(server.Endpoints[0].Port, "+OK");
        var (elapsed, text) = await c.TrickleAsync("CAPA\r\n", whole: true);
        AssertDropped(elapsed, text, "-ERR Autologout");
    }

    [Fact]
    public async Task Pop3AfterLoginIsDroppedInsideACommandLine()
    {
        using var server = await Pop3Async();
        await using var c = await LineClient.ConnectAsync(server.Endpoints[0].Port, "+OK");
        await c.CommandAsync("USER alice@example.com", "+OK");
        await c.CommandAsync("PASS secret", "+OK");
        await Task.Delay(Short + TimeSpan.FromSeconds(1));
        await c.CommandAsync("STAT", "+OK");
        var (elapsed, text) = await c.TrickleAsync("LIST 1111111111111111111111111111111111111111111111111111111");
        AssertDropped(elapsed, text, "-ERR Autologout");
    }

    private static void AssertDropped(TimeSpan elapsed, string text, string goodbye)
    {
        Assert.True(elapsed < Bound, $"still open after {elapsed}: {text}");
        Assert.Contains(goodbye, text);
    }
}
