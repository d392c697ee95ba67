using System.Diagnostics;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>Two sessions on one mailbox over real sockets.</summary>
public class ImapServerConcurrencyTests
{
    [Fact]
    public async Task IdleIsWokenByADeliveryWithinASecond()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("SELECT INBOX");
        await c.SendAsync("i IDLE\r\n");
        Assert.Equal("+ idling", await c.ReadLineAsync());
        for (int n = 1; n <= 3; n++)
        {
            var sw = Stopwatch.StartNew();
            await s.DeliverAsync("wake " + n);
            Assert.Equal($"* {n} EXISTS", await c.ReadLineAsync(TimeSpan.FromSeconds(1)));
            Assert.Equal("* 1 RECENT".Replace("1", n.ToString()), await c.ReadLineAsync(TimeSpan.FromSeconds(1)));
            Assert.True(sw.ElapsedMilliseconds < 1000);
        }
        await c.SendAsync("DONE\r\n");
        Assert.Equal("i OK IDLE terminated", await c.ReadLineAsync());
        await c.OkAsync("NOOP");
    }

    [Fact]
    public async Task TwoSessionsSeeEachOthersExpungesAndDeliveries()
    {
        await using var s = await ImapTestServer.StartAsync();
        // The first message carries \Deleted from the start, so no flag change needs reporting.
        await s.Store.AppendAsync(ImapTestServer.Alice, "INBOX", ImapTestServer.Message("1"), MessageFlags.Deleted, DateTimeOffset.UtcNow);
        await s.DeliverAsync("2");
        await using var a = await s.ConnectAsync(login: true);
        await using var b = await s.ConnectAsync(login: true);
        Assert.Contains("* 2 RECENT", await a.OkAsync("SELECT INBOX"));   // appended or delivered, both recent
        Assert.Contains("* 0 RECENT", await b.OkAsync("SELECT INBOX"));
        await b.SendAsync("i IDLE\r\n");
        Assert.Equal("+ idling", await b.ReadLineAsync());

        await a.OkAsync("CHECK");
        var ra = await a.OkAsync("EXPUNGE");
        Assert.Equal("* 1 EXPUNGE", ra[0]);
        Assert.Equal("* 1 EXPUNGE", await b.ReadLineAsync(TimeSpan.FromSeconds(1)));

        var appended = await a.OkAsync("APPEND INBOX {5+}\r\nhello");
        Assert.Contains("* 2 EXISTS", appended);
        Assert.Equal("* 2 EXISTS", await b.ReadLineAsync(TimeSpan.FromSeconds(1)));
        // The first session told of the new message gets \Recent (RFC 3501): the idling one may be told first.
        var recentB = await b.ReadLineAsync(TimeSpan.FromSeconds(1));
        Assert.Matches(@"^\* [01] RECENT$", recentB);
        var recentA = appended.Single(l => l.EndsWith(" RECENT", StringComparison.Ordinal));
        // a still holds the delivered message's \Recent from its SELECT; exactly one of the two gets the new one.
        Assert.Equal(1, (int.Parse(recentA.Split(' ')[1]) - 1) + int.Parse(recentB!.Split(' ')[1]));
        await b.SendAsync("DONE\r\n");
        Assert.Equal("i OK IDLE terminated", await b.ReadLineAsync());
        Assert.Single(await a.OkAsync("NOOP"));
    }

    [Fact]
    public async Task MaildirStoreSessionsSeeDeliveriesAndExpunges()
    {
        var root = Path.Combine(Path.GetTempPath(), "imap-maildir-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var store = new MaildirStore(root, 1000);
            await store.Accounts.AddAsync(ImapTestServer.Alice, ImapTestServer.Password);
            var options = new MailAdmin.Hosting.ImapServerOptions { AllowInsecureAuth = true };
            options.Listeners.Add(new MailAdmin.Hosting.ImapListenerOptions(MailAdmin.Hosting.ImapListenerMode.Imap, 0));
            using var server = new MailAdmin.Hosting.ImapServer(options, store);
            await server.StartAsync();
            await using var a = await ImapRawClient.ConnectAsync(server.Endpoints[0].Port);
            await a.ReadLineAsync();
            await a.OkAsync("LOGIN alice@example.com secret");
            await store.AppendAsync(ImapTestServer.Alice, "INBOX", ImapTestServer.Message("old"), MessageFlags.Deleted, DateTimeOffset.UtcNow);
            Assert.Contains("* 1 EXISTS", await a.OkAsync("SELECT INBOX"));
            await a.SendAsync("i IDLE\r\n");
            Assert.Equal("+ idling", await a.ReadLineAsync());
            await store.DeliverAsync(ImapTestServer.Alice, "INBOX", ImapTestServer.Message("new"), DateTimeOffset.UtcNow);
            Assert.Equal("* 2 EXISTS", await a.ReadLineAsync(TimeSpan.FromSeconds(1)));
            Assert.Equal("* 2 RECENT", await a.ReadLineAsync(TimeSpan.FromSeconds(1))); // the appended one (claimed at SELECT) and the delivery
            await a.SendAsync("DONE\r\n");
            await a.ReadUntilTagAsync("i");
            Assert.Equal("* 1 EXPUNGE", (await a.OkAsync("EXPUNGE"))[0]);
            var append = await a.OkAsync("APPEND Sent {5+}\r\nhello");
            Assert.Contains("[APPENDUID ", append[^1]);
            Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(await store.ReadMessageAsync(ImapTestServer.Alice, "Sent", 1)));
            await server.StopAsync();
        }
        finally { try { Directory.Delete(root, true); } catch { } }
    }

    [Fact]
    public async Task MoveByOneSessionIsSeenByTheOther()   // needs SequenceSet (imap-fetch)
    {
        await using var s = await ImapTestServer.StartAsync();
        await s.DeliverAsync("1");
        await s.DeliverAsync("2");
        await using var a = await s.ConnectAsync(login: true);
        await using var b = await s.ConnectAsync(login: true);
        await a.OkAsync("SELECT INBOX");
        await b.OkAsync("SELECT INBOX");
        var moved = await a.OkAsync("MOVE 1 Trash");
        var trash = s.Store.GetFolderStatus(ImapTestServer.Alice, "Trash");
        Assert.Equal($"* OK [COPYUID {trash.UidValidity} 1 1] Moved", moved[0]);
        Assert.Equal("* 1 EXPUNGE", moved[1]);
        Assert.Equal(new[] { "* 1 EXPUNGE" }, (await b.OkAsync("NOOP")).SkipLast(1));
    }

    [Fact]
    public async Task StoreBySessionIsSeenAsFetchFlagsByTheOther()   // needs SequenceSet and ImapFlags (imap-fetch)
    {
        await using var s = await ImapTestServer.StartAsync();
        await s.DeliverAsync("1");
        await using var a = await s.ConnectAsync(login: true);
        await using var b = await s.ConnectAsync(login: true);
        await a.OkAsync("SELECT INBOX");
        await b.OkAsync("SELECT INBOX");
        var r = await a.OkAsync("STORE 1 +FLAGS (\\Flagged)");
        Assert.StartsWith("* 1 FETCH (FLAGS (", r[0]);
        Assert.Contains("\\Flagged", r[0]);
        Assert.Single(await a.OkAsync("STORE 1 +FLAGS.SILENT (\\Seen)"));
        var rb = await b.OkAsync("NOOP");
        Assert.Equal(2, rb.Count);
        Assert.StartsWith("* 1 FETCH (FLAGS (", rb[0]);
        Assert.Contains("\\Flagged", rb[0]);
        Assert.Contains("\\Seen", rb[0]);
        Assert.Single(await a.OkAsync("NOOP"));   // its own changes are not reported twice
    }
}
