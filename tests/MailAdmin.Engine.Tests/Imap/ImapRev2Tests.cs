using System.Buffers;
using System.Text;
using MailAdmin.Protocols.Imap;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// IMAP4rev2 (RFC 9051) after ENABLE IMAP4rev2: no \Recent, SELECT with LIST and without UNSEEN,
/// [CLOSED], UID in unsolicited FETCH, STATUS DELETED, \NonExistent, UTF-8 names. Each test also
/// checks that an IMAP4rev1 session keeps the old behaviour.
/// </summary>
public class ImapRev2Tests
{
    private sealed class Driver : IDisposable
    {
        public readonly ImapSession Session;
        private readonly ImapCommandReader _reader = new();

        public Driver(IMailStore store)
            => Session = new ImapSession(new ImapSessionSettings { AllowInsecureAuth = true, AuthFailureDelay = TimeSpan.Zero }, store, false);

        public async Task<List<string>> RunAsync(string line)
        {
            var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line + "\r\n"));
            var r = _reader.TryRead(ref buffer);
            if (r.Status == ImapReadStatus.Command) await Session.ExecuteAsync(r.Command!, CancellationToken.None);
            else if (r.Status == ImapReadStatus.Error) Session.ReadError(r);
            else throw new InvalidOperationException(r.Status.ToString());
            var text = Encoding.UTF8.GetString(Session.Output.ToArray());
            Session.Output.SetLength(0);
            return text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        }

        public void Dispose() => Session.Dispose();
    }

    private static async Task<InMemoryStore> StoreAsync(int messages = 0)
    {
        var store = new InMemoryStore(1000);
        await store.Accounts.AddAsync(ImapTestServer.Alice, ImapTestServer.Password);
        for (int i = 0; i < messages; i++) await store.DeliverAsync(ImapTestServer.Alice, "INBOX", ImapTestServer.Message("m" + i), DateTimeOffset.UtcNow);
        return store;
    }

    private static async Task<Driver> LoggedInAsync(IMailStore store, bool rev2)
    {
        var d = new Driver(store);
        Assert.StartsWith("a OK", (await d.RunAsync("a LOGIN alice@example.com secret"))[^1]);
        if (rev2) Assert.Equal(new[] { "* ENABLED IMAP4rev2", "e OK ENABLE completed" }, await d.RunAsync("e ENABLE IMAP4rev2"));
        return d;
    }

    [Fact]
    public async Task AdvertisedBesideRev1AndEnabledOnce()
    {
        using var store = await StoreAsync();
        using var d = await LoggedInAsync(store, rev2: false);
        var caps = d.Session.Capabilities().Split(' ');
        Assert.Contains("IMAP4rev1", caps);
        Assert.Contains("IMAP4rev2", caps);
        Assert.False(d.Session.Imap4Rev2Enabled);
        Assert.Equal("* ENABLED IMAP4rev2", (await d.RunAsync("e ENABLE imap4rev2"))[0]);
        Assert.True(d.Session.Imap4Rev2Enabled);
        Assert.Equal("* ENABLED", (await d.RunAsync("e ENABLE IMAP4rev2"))[0]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SelectSendsListInsteadOfUnseenAndNoRecent(bool rev2)
    {
        using var store = await StoreAsync(messages: 2);
        await store.CreateFolderAsync(ImapTestServer.Alice, "INBOX.Sub");
        using var d = await LoggedInAsync(store, rev2);
        var lines = await d.RunAsync("s SELECT INBOX");
        Assert.Contains("* 2 EXISTS", lines);
        Assert.Equal(!rev2, lines.Contains("* 2 RECENT"));
        Assert.Equal(!rev2, lines.Any(l => l.StartsWith("* OK [UNSEEN 1]", StringComparison.Ordinal)));
        Assert.Equal(rev2, lines.Contains("* LIST (\\HasChildren) \".\" \"INBOX\""));
        Assert.DoesNotContain(lines, l => l.StartsWith("* FLAGS", StringComparison.Ordinal) && l.Contains("\\Recent"));
        Assert.StartsWith("s OK [READ-WRITE]", lines[^1]);

        var fetch = await d.RunAsync("f FETCH 1:2 (FLAGS)");
        Assert.Equal(!rev2, fetch[0].Contains("\\Recent"));
        Assert.Equal(!rev2, fetch[1].Contains("\\Recent"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SelectReplacingAMailboxSaysClosed(bool rev2)
    {
        using var store = await StoreAsync(messages: 1);
        await store.CreateFolderAsync(ImapTestServer.Alice, "Archive");
        using var d = await LoggedInAsync(store, rev2);
        Assert.DoesNotContain(await d.RunAsync("s SELECT INBOX"), l => l.Contains("[CLOSED]"));
        var lines = await d.RunAsync("s EXAMINE Archive");
        Assert.Equal(rev2, lines[0] == "* OK [CLOSED] Previous mailbox is now closed");
        // The answers after [CLOSED] are for the new mailbox.
        Assert.Contains("* 0 EXISTS", lines);
        // A failed SELECT closes the old one too.
        lines = await d.RunAsync("s SELECT Missing");
        Assert.Equal(rev2, lines.Contains("* OK [CLOSED] Previous mailbox is now closed"));
        Assert.StartsWith("s NO", lines[^1]);
        Assert.DoesNotContain(await d.RunAsync("s SELECT INBOX"), l => l.Contains("[CLOSED]"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OtherSessionsChangesCarryUidAndNoRecent(bool rev2)
    {
        using var store = await StoreAsync(messages: 1);
        using var d = await LoggedInAsync(store, rev2);
        await d.RunAsync("s SELECT INBOX");
        using var other = await LoggedInAsync(store, rev2: false);
        await other.RunAsync("s SELECT INBOX");
        await other.RunAsync("t STORE 1 +FLAGS (\\Flagged)");
        await store.DeliverAsync(ImapTestServer.Alice, "INBOX", ImapTestServer.Message("new"), DateTimeOffset.UtcNow);
        var lines = await d.RunAsync("n NOOP");
        var uid = store.ListMessages(ImapTestServer.Alice, "INBOX")[0].Uid;
        Assert.Contains(rev2 ? "* 1 FETCH (UID " + uid + " FLAGS (\\Flagged))" : "* 1 FETCH (FLAGS (\\Flagged \\Recent))", lines);
        Assert.Contains("* 2 EXISTS", lines);
        Assert.Equal(!rev2, lines.Any(l => l.EndsWith(" RECENT", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task StatusDeleted()
    {
        using var store = await StoreAsync(messages: 3);
        using var d = await LoggedInAsync(store, rev2: true);
        await d.RunAsync("s SELECT INBOX");
        await d.RunAsync("t STORE 1,3 +FLAGS.SILENT (\\Deleted)");
        var lines = await d.RunAsync("u STATUS INBOX (MESSAGES DELETED SIZE)");
        long size = store.ListMessages(ImapTestServer.Alice, "INBOX").Sum(m => m.Size);
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 3 DELETED 2 SIZE " + size + ")", lines[0]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SubscriptionToADeletedMailboxIsNonExistent(bool rev2)
    {
        using var store = await StoreAsync();
        await store.CreateFolderAsync(ImapTestServer.Alice, "Gone");
        await store.CreateFolderAsync(ImapTestServer.Alice, "Parent.Child");
        using var d = await LoggedInAsync(store, rev2);
        await d.RunAsync("s SUBSCRIBE Gone");
        await d.RunAsync("s SUBSCRIBE Parent.Child");
        Assert.StartsWith("x OK", (await d.RunAsync("x DELETE Gone"))[^1]);
        var lines = await d.RunAsync("l LSUB \"\" \"*\"");
        Assert.Contains(rev2 ? "* LSUB (\\NonExistent) \".\" \"Gone\"" : "* LSUB (\\Noselect) \".\" \"Gone\"", lines);
        // An implied parent stays \Noselect either way.
        Assert.DoesNotContain(lines, l => l.Contains("\\NonExistent") && l.Contains("\"Parent\""));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MailboxNamesAreUtf8(bool rev2)
    {
        using var store = await StoreAsync();
        using var d = await LoggedInAsync(store, rev2);
        var lines = await d.RunAsync("c CREATE Entwürfe");
        Assert.StartsWith(rev2 ? "c OK" : "c BAD", lines[^1]);
        if (rev2) Assert.Contains("* LIST (\\HasNoChildren) \".\" \"Entwürfe\"", await d.RunAsync("l LIST \"\" Entw*"));
    }
}
