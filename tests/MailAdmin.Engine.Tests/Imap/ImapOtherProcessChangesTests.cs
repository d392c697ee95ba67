using MailAdmin.Engine.Tests.Store;
using MailAdmin.Hosting;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// Another process (here: plain file operations, as Dovecot or an LDA would do them) changes the Maildir of the
/// selected mailbox; the session reports it at the next NOOP, and while idling, without a restart.
/// </summary>
public sealed class ImapOtherProcessChangesTests : IAsyncLifetime
{
    private const string Alice = "alice@example.com";
    private readonly TempDirectory root = new();
    private MaildirStore store = null!;
    private ImapServer server = null!;

    public async Task InitializeAsync()
    {
        store = new MaildirStore(root.Path, 1000);
        await store.Accounts.AddAsync(Alice, ImapTestServer.Password);
        var options = new ImapServerOptions { HostName = "imap.test", AllowInsecureAuth = true, AuthFailureDelay = TimeSpan.FromMilliseconds(50) };
        options.Listeners.Add(new ImapListenerOptions(ImapListenerMode.Imap, 0));
        server = new ImapServer(options, store);
        await server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await server.StopAsync(cts.Token);
        server.Dispose();
        store.Dispose();
        root.Dispose();
    }

    private string Inbox => Path.Combine(root.Path, Alice);

    private async Task<ImapRawClient> LoginAsync()
    {
        var c = await ImapRawClient.ConnectAsync(server.Endpoints.First(e => e.Mode == ImapListenerMode.Imap).Port);
        await c.ReadLineAsync();
        await c.OkAsync($"LOGIN {Alice} {ImapTestServer.Password}");
        return c;
    }

    /// <summary>What another program's delivery does: write into tmp/, rename into new/.</summary>
    private string DropIntoNew(string subject)
    {
        var bytes = ImapTestServer.Message(subject);
        var name = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.M1P4242Q{Guid.NewGuid():N}.otherhost,S={bytes.Length}";
        File.WriteAllBytes(Path.Combine(Inbox, "tmp", name), bytes);
        File.Move(Path.Combine(Inbox, "tmp", name), Path.Combine(Inbox, "new", name));
        return name;
    }

    [Fact]
    public async Task Noop_reports_mail_another_process_delivered_flagged_and_deleted()
    {
        var kept = await store.AppendAsync(Alice, "INBOX", ImapTestServer.Message("kept"), MessageFlags.Seen, DateTimeOffset.UtcNow);
        var doomed = await store.AppendAsync(Alice, "INBOX", ImapTestServer.Message("doomed"), MessageFlags.Seen, DateTimeOffset.UtcNow);
        await using var c = await LoginAsync();
        var select = await c.OkAsync("SELECT INBOX");
        Assert.Contains("* 2 EXISTS", select);

        DropIntoNew("from elsewhere");
        File.Move(Path.Combine(Inbox, "cur", MaildirFileName.WithInfo(kept.Id, MessageFlags.Seen)),
                  Path.Combine(Inbox, "cur", MaildirFileName.WithInfo(kept.Id, MessageFlags.Seen | MessageFlags.Flagged)));
        File.Delete(Path.Combine(Inbox, "cur", MaildirFileName.WithInfo(doomed.Id, MessageFlags.Seen)));

        var noop = await c.OkAsync("NOOP");
        Assert.Contains("* 2 EXPUNGE", noop);
        Assert.Contains(noop, l => l.StartsWith("* 1 FETCH (FLAGS (", StringComparison.Ordinal) && l.Contains("\\Flagged") && l.Contains("\\Seen"));
        Assert.Contains("* 2 EXISTS", noop);
        var fetch = await c.OkAsync("UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.Contains(fetch, l => l.Contains("Subject: from elsewhere"));
    }

    [Fact]
    public async Task Idle_reports_mail_another_process_delivered_within_a_few_seconds()
    {
        await using var c = await LoginAsync();
        await c.OkAsync("SELECT INBOX");
        await c.SendAsync("i1 IDLE\r\n");
        Assert.StartsWith("+", await c.ReadLineAsync());
        DropIntoNew("while idling");
        // The poll runs every 2 s; give it a few rounds on a busy machine.
        var line = await c.ReadLineAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("* 1 EXISTS", line);
        await c.SendAsync("DONE\r\n");
        var rest = await c.ReadUntilTagAsync("i1");
        Assert.StartsWith("i1 OK", rest[^1]);
    }

    [Fact]
    public async Task Status_counts_mail_another_process_delivered()
    {
        await using var c = await LoginAsync();
        Assert.Contains(await c.OkAsync("STATUS INBOX (MESSAGES)"), l => l.StartsWith("* STATUS ") && l.EndsWith("(MESSAGES 0)"));
        DropIntoNew("one");
        DropIntoNew("two");
        Assert.Contains(await c.OkAsync("STATUS INBOX (MESSAGES)"), l => l.StartsWith("* STATUS ") && l.EndsWith("(MESSAGES 2)"));
    }

    [Fact]
    public async Task List_status_counts_mail_another_process_delivered()
    {
        await using var c = await LoginAsync();
        Assert.Contains(await c.OkAsync("LIST \"\" INBOX RETURN (STATUS (MESSAGES))"), l => l == "* STATUS \"INBOX\" (MESSAGES 0)");
        DropIntoNew("one");
        Assert.Contains(await c.OkAsync("LIST \"\" INBOX RETURN (STATUS (MESSAGES))"), l => l == "* STATUS \"INBOX\" (MESSAGES 1)");
    }
}
