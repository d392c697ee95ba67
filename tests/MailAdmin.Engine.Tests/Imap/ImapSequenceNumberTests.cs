using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// Message sequence numbers above the EXISTS the session announced are a BAD (RFC 3501/9051 §9,
/// seq-number, "*" of an empty mailbox included); UID sets stay lenient (nothing matched, OK).
/// </summary>
public class ImapSequenceNumberTests
{
    private static async Task<(ImapTestServer Server, ImapRawClient Client, List<StoredMessage> Messages)> SetupAsync(int count = 2)
    {
        var s = await ImapTestServer.StartAsync();
        var list = new List<StoredMessage>();
        for (int i = 1; i <= count; i++) list.Add(await s.DeliverAsync("Message " + i));
        var c = await s.ConnectAsync(login: true);
        await c.OkAsync("SELECT INBOX");
        return (s, c, list);
    }

    private static async Task AssertBadAsync(ImapRawClient c, string command)
    {
        var r = await c.CommandAsync(command);
        Assert.Matches(@"^t\d+ BAD Invalid message sequence number$", r[^1]);
        Assert.Single(r);   // nothing untagged: no FETCH, SEARCH or EXPUNGE before the BAD
    }

    [Theory]
    [InlineData("FETCH 3 (FLAGS)")]
    [InlineData("FETCH 1:3 (FLAGS)")]
    [InlineData("FETCH 3:* (FLAGS)")]
    [InlineData("FETCH 1,4 (UID)")]
    [InlineData("STORE 3 +FLAGS (\\Seen)")]
    [InlineData("COPY 3 Trash")]
    [InlineData("MOVE 3 Trash")]
    [InlineData("SEARCH 3")]
    [InlineData("SEARCH OR 1 3")]
    [InlineData("SEARCH NOT (SEEN 2:3)")]
    [InlineData("UID SEARCH 3")]
    public async Task SequenceNumberAboveExistsIsBad(string command)
    {
        var (s, c, _) = await SetupAsync();
        await using var _s = s;
        await using var _c = c;
        await AssertBadAsync(c, command);
    }

    [Fact]
    public async Task ABadSetChangesNothing()
    {
        var (s, c, _) = await SetupAsync();
        await using var _s = s;
        await using var _c = c;
        await AssertBadAsync(c, "STORE 1:3 +FLAGS (\\Flagged)");
        await AssertBadAsync(c, "COPY 1:3 Trash");
        await AssertBadAsync(c, "MOVE 2:3 Trash");
        await AssertBadAsync(c, "FETCH 1:3 BODY[]");
        Assert.All(s.Store.ListMessages(ImapTestServer.Alice, "INBOX"), m => Assert.Equal(MessageFlags.None, m.Flags));
        Assert.Equal(2, s.Store.ListMessages(ImapTestServer.Alice, "INBOX").Count);
        Assert.Empty(s.Store.ListMessages(ImapTestServer.Alice, "Trash"));
    }

    [Fact]
    public async Task NumbersWithinExistsAndStarStayValid()
    {
        var (s, c, msgs) = await SetupAsync();
        await using var _s = s;
        await using var _c = c;
        Assert.StartsWith("* 2 FETCH", (await c.OkAsync("FETCH 2 (FLAGS)"))[0]);
        Assert.Equal(3, (await c.OkAsync("FETCH 1:* (FLAGS)")).Count);
        Assert.StartsWith("* 2 FETCH", (await c.OkAsync("FETCH * (FLAGS)"))[0]);
        Assert.Equal(3, (await c.OkAsync("FETCH *:1 (FLAGS)")).Count);
        Assert.Equal("* SEARCH 1 2", (await c.OkAsync("SEARCH 1:*"))[0]);
        Assert.Equal("* SEARCH 2", (await c.OkAsync("SEARCH *"))[0]);
        await c.OkAsync("STORE 2 +FLAGS.SILENT (\\Flagged)");
        Assert.Equal(MessageFlags.Flagged, s.Store.GetMessage(ImapTestServer.Alice, "INBOX", msgs[1].Uid)!.Flags);
    }

    [Fact]
    public async Task UidSetsBeyondUidNextStayLenient()
    {
        var (s, c, msgs) = await SetupAsync();
        await using var _s = s;
        await using var _c = c;
        Assert.Single(await c.OkAsync("UID FETCH 99 (FLAGS)"));
        Assert.Equal(2, (await c.OkAsync($"UID FETCH {msgs[1].Uid}:99 (FLAGS)")).Count);
        Assert.Single(await c.OkAsync("UID STORE 99 +FLAGS (\\Seen)"));
        Assert.Single(await c.OkAsync("UID COPY 99 Trash"));
        Assert.Single(await c.OkAsync("UID MOVE 99 Trash"));
        Assert.Equal("* SEARCH", (await c.OkAsync("UID SEARCH UID 99"))[0]);
        Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH UID 99"))[0]);
        Assert.Equal(2, s.Store.ListMessages(ImapTestServer.Alice, "INBOX").Count);
        Assert.Empty(s.Store.ListMessages(ImapTestServer.Alice, "Trash"));
    }

    [Fact]
    public async Task EmptyMailboxRefusesEverySequenceSetButNotUidSets()
    {
        var (s, c, _) = await SetupAsync(0);
        await using var _s = s;
        await using var _c = c;
        await AssertBadAsync(c, "FETCH * (FLAGS)");
        await AssertBadAsync(c, "FETCH 1:* (FLAGS)");
        await AssertBadAsync(c, "STORE 1:* +FLAGS (\\Seen)");
        await AssertBadAsync(c, "SEARCH 1:*");
        Assert.Single(await c.OkAsync("UID FETCH 1:* (FLAGS)"));
        Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH ALL"))[0]);
        Assert.Equal("* SEARCH", (await c.OkAsync("UID SEARCH UID 1:*"))[0]);
    }

    [Fact]
    public async Task TheLimitIsTheExistsTheSessionAnnounced()
    {
        var (s, c, _) = await SetupAsync();
        await using var _s = s;
        await using var _c = c;
        await s.DeliverAsync("Message 3");
        // Not announced yet: 3 is still above what this client was told.
        await AssertBadAsync(c, "FETCH 3 (FLAGS)");
        Assert.Contains("* 3 EXISTS", await c.OkAsync("NOOP"));
        Assert.StartsWith("* 3 FETCH", (await c.OkAsync("FETCH 3 (FLAGS)"))[0]);
    }
}
