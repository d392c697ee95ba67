using System.Buffers;
using System.Text;
using MailAdmin.Protocols.Imap;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>The session state machine driven directly (no socket), and the concurrency rules.</summary>
public class ImapSessionTests
{
    private sealed class Driver : IDisposable
    {
        public readonly ImapSession Session;
        private readonly ImapCommandReader _reader = new();
        public Driver(IMailStore store, ImapSessionSettings? settings = null, bool secure = false)
            => Session = new ImapSession(settings ?? new ImapSessionSettings { AllowInsecureAuth = true, AuthFailureDelay = TimeSpan.Zero }, store, secure);

        public async Task<List<string>> RunAsync(string line)
        {
            var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line + "\r\n"));
            var r = _reader.TryRead(ref buffer);
            if (r.Status == ImapReadStatus.Command) LastAction = (await Session.ExecuteAsync(r.Command!, CancellationToken.None)).Action;
            else if (r.Status == ImapReadStatus.Error) LastAction = Session.ReadError(r).Action;
            else throw new InvalidOperationException(r.Status.ToString());
            return Take();
        }

        public ImapAction LastAction;

        public List<string> Take()
        {
            var text = Encoding.UTF8.GetString(Session.Output.ToArray());
            Session.Output.SetLength(0);
            return text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        }

        public void Dispose() => Session.Dispose();
    }

    private static async Task<InMemoryStore> StoreAsync()
    {
        var store = new InMemoryStore(1000);
        await store.Accounts.AddAsync(ImapTestServer.Alice, ImapTestServer.Password);
        return store;
    }

    private static Task<StoredMessage> Deliver(IMailStore store, string subject = "x")
        => store.DeliverAsync(ImapTestServer.Alice, "INBOX", ImapTestServer.Message(subject), DateTimeOffset.UtcNow);

    private static async Task<Driver> LoggedInAsync(IMailStore store, string? select = "INBOX")
    {
        var d = new Driver(store);
        Assert.StartsWith("a OK", (await d.RunAsync("a LOGIN alice@example.com secret"))[^1]);
        if (select != null) Assert.StartsWith("b OK", (await d.RunAsync("b SELECT " + select))[^1]);
        return d;
    }

    [Fact]
    public async Task CapabilitiesFollowTlsAndState()
    {
        using var store = await StoreAsync();
        using var clear = new Driver(store, new ImapSessionSettings { TlsAvailable = true });
        var caps = clear.Session.Capabilities();
        Assert.Contains("STARTTLS", caps);
        Assert.Contains("LOGINDISABLED", caps);
        Assert.Contains("NO [PRIVACYREQUIRED]", (await clear.RunAsync("a AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA=="))[^1]);
        Assert.Equal(ImapAction.StartTls, (await clear.RunAsync("s STARTTLS")).Count == 1 ? clear.LastAction : ImapAction.None);
        clear.Session.OnTlsEstablished();
        caps = clear.Session.Capabilities();
        Assert.DoesNotContain("STARTTLS", caps);
        Assert.DoesNotContain("LOGINDISABLED", caps);
        Assert.Contains("BAD", (await clear.RunAsync("s STARTTLS"))[^1]);
        await clear.RunAsync("a AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==");
        Assert.Equal(ImapState.Authenticated, clear.Session.State);
        Assert.DoesNotContain("AUTH=", clear.Session.Capabilities());
    }

    [Fact]
    public async Task LogoutClosesAndSelectFailureDeselects()
    {
        using var store = await StoreAsync();
        using var d = await LoggedInAsync(store);
        Assert.Equal(ImapState.Selected, d.Session.State);
        Assert.Contains("NO [NONEXISTENT]", (await d.RunAsync("c SELECT Missing"))[^1]);
        Assert.Equal(ImapState.Authenticated, d.Session.State);
        var bye = await d.RunAsync("z LOGOUT");
        Assert.Equal(new[] { "* BYE Logging out", "z OK LOGOUT completed" }, bye);
        Assert.Equal(ImapAction.Close, d.LastAction);
        Assert.Equal(ImapState.Logout, d.Session.State);
    }

    [Fact]
    public async Task DeliveryShowsAsExistsAndRecentForOneSessionOnly()
    {
        using var store = await StoreAsync();
        using var a = await LoggedInAsync(store);
        using var b = await LoggedInAsync(store);
        await Deliver(store);
        Assert.True(a.Session.HasPendingChanges);
        var ra = await a.RunAsync("n NOOP");
        var rb = await b.RunAsync("n NOOP");
        Assert.Equal(new[] { "* 1 EXISTS", "* 1 RECENT", "n OK NOOP completed" }, ra);
        Assert.Equal(new[] { "* 1 EXISTS", "* 0 RECENT", "n OK NOOP completed" }, rb);
        // a third session selecting later does not see it as recent either
        using var c = new Driver(store);
        await c.RunAsync("a LOGIN alice@example.com secret");
        Assert.Contains("* 0 RECENT", await c.RunAsync("b SELECT INBOX"));
        Assert.Equal(new[] { "n OK NOOP completed" }, await a.RunAsync("n NOOP"));
    }

    [Fact]
    public async Task ExpungeByAnotherSessionIsReportedOnlyWhereAllowed()
    {
        using var store = await StoreAsync();
        var m1 = await Deliver(store);
        var m2 = await Deliver(store);
        var m3 = await Deliver(store);
        using var a = await LoggedInAsync(store);
        using var b = await LoggedInAsync(store);
        await store.SetFlagsAsync(ImapTestServer.Alice, "INBOX", new[] { m2.Uid }, MessageFlags.Deleted, FlagChange.Add);
        b.Take();
        var ra = await a.RunAsync("e EXPUNGE");
        Assert.Contains("* 2 EXPUNGE", ra);
        // FETCH, STORE and SEARCH must not carry an EXPUNGE (RFC 3501 §7.4.1); EXISTS is fine.
        await Deliver(store);
        await b.Session.FlushUpdatesAsync(ImapSession.Notify.NoExpunge, CancellationToken.None);
        var during = b.Take();
        Assert.DoesNotContain(during, l => l.Contains("EXPUNGE"));
        Assert.Contains("* 4 EXISTS", during);
        Assert.True(b.Session.HasPendingChanges);
        var rb = await b.RunAsync("n NOOP");
        Assert.Equal("* 2 EXPUNGE", rb[0]);
        Assert.Equal("n OK NOOP completed", rb[^1]);
        Assert.Equal(new[] { "n OK NOOP completed" }, await b.RunAsync("n NOOP"));
    }

    [Fact]
    public async Task ExpungeSequenceNumbersStayValid()
    {
        using var store = await StoreAsync();
        var uids = new List<uint>();
        for (int i = 0; i < 6; i++) uids.Add((await Deliver(store)).Uid);
        using var a = await LoggedInAsync(store);
        await store.DeleteMessagesAsync(ImapTestServer.Alice, "INBOX", new[] { uids[1], uids[2], uids[4] });
        var r = await a.RunAsync("n NOOP");
        // each number is valid at the time it is sent: 2, then the old 3 is now 2, then the old 5 is now 3
        Assert.Equal(new[] { "* 2 EXPUNGE", "* 2 EXPUNGE", "* 3 EXPUNGE", "n OK NOOP completed" }, r);
    }

    [Fact]
    public async Task FlagChangesByAnotherSessionAreReportedAsFetchFlags()   // needs ImapFlags.Format (imap-fetch)
    {
        using var store = await StoreAsync();
        var m = await Deliver(store);
        using var a = await LoggedInAsync(store);
        await store.SetFlagsAsync(ImapTestServer.Alice, "INBOX", new[] { m.Uid }, MessageFlags.Seen | MessageFlags.Flagged, FlagChange.Add);
        var r = await a.RunAsync("n NOOP");
        Assert.Equal(2, r.Count);
        Assert.StartsWith("* 1 FETCH (FLAGS (", r[0]);
        Assert.Contains("\\Seen", r[0]);
        Assert.Contains("\\Flagged", r[0]);
    }

    [Fact]
    public async Task ChangeSignalFiresForTheSelectedMailboxOnly()
    {
        using var store = await StoreAsync();
        using var a = await LoggedInAsync(store);
        var signal = a.Session.ChangeSignal;
        await store.DeliverAsync(ImapTestServer.Alice, "Sent", ImapTestServer.Message("elsewhere"), DateTimeOffset.UtcNow);
        Assert.False(signal.IsCompleted);
        await Deliver(store);
        Assert.True(signal.IsCompleted);
    }

    [Fact]
    public async Task IdleEndsWithDone()
    {
        using var store = await StoreAsync();
        using var a = await LoggedInAsync(store);
        Assert.Equal(new[] { "+ idling" }, await a.RunAsync("i IDLE"));
        Assert.Equal(ImapAction.Idle, a.LastAction);
        await Deliver(store);
        await a.Session.IdleUpdateAsync(CancellationToken.None);
        Assert.Equal(new[] { "* 1 EXISTS", "* 1 RECENT" }, a.Take());
        await a.Session.EndIdleAsync("DONE", CancellationToken.None);
        Assert.Equal(new[] { "i OK IDLE terminated" }, a.Take());
    }

    [Fact]
    public async Task StoreErrorsMapToNoWithCodes()
    {
        using var store = await StoreAsync();
        using var a = await LoggedInAsync(store, select: null);
        Assert.Contains("NO [CANNOT]", (await a.RunAsync("c CREATE \"a..b\""))[^1]);
        Assert.Contains("NO [CANNOT]", (await a.RunAsync("c CREATE \"..\\\\x\""))[^1]);
        Assert.Contains("NO [NONEXISTENT]", (await a.RunAsync("c STATUS Nope (MESSAGES)"))[^1]);
        Assert.Contains("BAD", (await a.RunAsync("c STATUS INBOX (BOGUS)"))[^1]);
        Assert.Contains("NO [CANNOT]", (await a.RunAsync("c CREATE &Jjo"))[^1]);   // malformed modified UTF-7
    }

    [Fact]
    public async Task AppendDateTimeParsing()
    {
        Assert.True(ImapSession.TryParseDateTime(" 7-Feb-2024 10:11:12 -0330", out var d));
        Assert.Equal(new DateTimeOffset(2024, 2, 7, 10, 11, 12, new TimeSpan(-3, -30, 0)), d);
        Assert.True(ImapSession.TryParseDateTime("17-jul-1996 02:44:25 -0700", out _));
        Assert.False(ImapSession.TryParseDateTime("32-Jan-2024 00:00:00 +0000", out _));
        Assert.False(ImapSession.TryParseDateTime("yesterday", out _));
        Assert.Equal("1:3,5,7:8", ImapSession.FormatSet(new uint[] { 1, 2, 3, 5, 7, 8 }));
        await Task.CompletedTask;
    }
}
