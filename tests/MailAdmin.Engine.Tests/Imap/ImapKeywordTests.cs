using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>IMAP keywords over a socket: FLAGS/PERMANENTFLAGS, STORE, FETCH, SEARCH, COPY/MOVE, APPEND, other sessions.</summary>
public class ImapKeywordTests
{
    private const string Inbox = "INBOX";

    private static async Task<(ImapTestServer Server, ImapRawClient Client)> SetupAsync(int count = 3)
    {
        var s = await ImapTestServer.StartAsync();
        for (int i = 1; i <= count; i++) await s.DeliverAsync("Message " + i);
        var c = await s.ConnectAsync(login: true);
        return (s, c);
    }

    private static string Line(List<string> lines, string start) => lines.Single(l => l.StartsWith(start, StringComparison.Ordinal));

    [Fact]
    public async Task SelectListsTheFolderKeywordsAndStar()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        var uid = s.Store.ListMessages(ImapTestServer.Alice, Inbox)[1].Uid;
        await s.Store.UpdateFlagsAsync(ImapTestServer.Alice, Inbox, new[] { uid }, new FlagUpdate(MessageFlags.None, new[] { "$Label1", "Junk" }, FlagChange.Add));
        var r = await c.OkAsync("SELECT INBOX");
        Assert.Equal(@"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label1 Junk)", Line(r, "* FLAGS"));
        Assert.Contains(@"[PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label1 Junk \*)]", Line(r, "* OK [PERMANENTFLAGS"));
        var ro = await c.OkAsync("EXAMINE INBOX");
        Assert.Contains("[PERMANENTFLAGS ()]", Line(ro, "* OK [PERMANENTFLAGS"));
        var f = await c.OkAsync("FETCH 2 (FLAGS)");
        Assert.Equal(@"* 2 FETCH (FLAGS ($Label1 Junk))", f[0]);
    }

    [Fact]
    public async Task NilIsAnAtomForFlagsAndMailboxNames()
    {
        // imaptest's nil script: where the grammar wants an atom or astring, an unquoted NIL is one.
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        Assert.DoesNotContain(await c.OkAsync("LIST \"\" NIL"), l => l.StartsWith("* LIST", StringComparison.Ordinal));
        await c.OkAsync("CREATE NIL");
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"NIL\"", await c.OkAsync("LIST \"\" NIL"));
        await c.OkAsync("SELECT INBOX");
        await c.OkAsync("STORE 1 +FLAGS NIL");
        Assert.Contains("* 1 FETCH (FLAGS (\\Recent NIL))", await c.OkAsync("FETCH 1 FLAGS"));
        Assert.Contains("* SEARCH 1", await c.OkAsync("SEARCH KEYWORD NIL"));
    }

    [Fact]
    public async Task StoreAddsReplacesAndRemovesKeywordsAndAnnouncesNewOnes()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("SELECT INBOX");
        var add = await c.OkAsync(@"STORE 1 +FLAGS (\Flagged $Important)");
        // The new keyword appears in FLAGS before the FETCH that uses it.
        int flagsAt = add.FindIndex(l => l.StartsWith("* FLAGS", StringComparison.Ordinal));
        int fetchAt = add.FindIndex(l => l.StartsWith("* 1 FETCH", StringComparison.Ordinal));
        Assert.True(flagsAt >= 0 && flagsAt < fetchAt, string.Join(" | ", add));
        Assert.Contains("$Important", add[flagsAt]);
        Assert.Contains(add, l => l.StartsWith("* OK [PERMANENTFLAGS", StringComparison.Ordinal) && l.Contains("$Important \\*"));
        Assert.Contains(@"FLAGS (\Flagged \Recent $Important)", add[fetchAt]);
        var stored = s.Store.ListMessages(ImapTestServer.Alice, Inbox)[0];
        Assert.Equal(new[] { "$Important" }, stored.Keywords);
        Assert.Equal(MessageFlags.Flagged, stored.Flags);

        // A known keyword in another spelling: no new FLAGS; the store keeps one spelling.
        var again = await c.OkAsync("STORE 2 +FLAGS ($IMPORTANT)");
        Assert.DoesNotContain(again, l => l.StartsWith("* FLAGS", StringComparison.Ordinal));
        var replace = await c.OkAsync("STORE 1 FLAGS (Work Later)");
        Assert.Contains("FLAGS (\\Recent Later Work)", Line(replace, "* 1 FETCH"));
        var remove = await c.OkAsync("STORE 1 -FLAGS.SILENT (work)");
        Assert.DoesNotContain(remove, l => l.Contains("FETCH"));
        Assert.Equal(new[] { "Later" }, s.Store.ListMessages(ImapTestServer.Alice, Inbox)[0].Keywords);
        Assert.StartsWith("* 1 FETCH (FLAGS (\\Recent Later))", (await c.OkAsync("FETCH 1 FLAGS"))[0]);
    }

    [Fact]
    public async Task AnotherSessionsKeywordArrivesAsFlagsThenFetch()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        await using var other = await s.ConnectAsync(login: true);
        await c.OkAsync("SELECT INBOX");
        await other.OkAsync("SELECT INBOX");
        await other.OkAsync("STORE 3 +FLAGS (Urgent)");
        var noop = await c.OkAsync("NOOP");
        int flagsAt = noop.FindIndex(l => l.StartsWith("* FLAGS", StringComparison.Ordinal) && l.Contains("Urgent"));
        int fetchAt = noop.FindIndex(l => l.StartsWith("* 3 FETCH", StringComparison.Ordinal) && l.Contains("Urgent"));
        Assert.True(flagsAt >= 0 && flagsAt < fetchAt, string.Join(" | ", noop));
        // Removing a keyword is a flag change like any other.
        await other.OkAsync("STORE 3 -FLAGS (Urgent)");
        var later = await c.OkAsync("NOOP");
        Assert.Contains(later, l => l.StartsWith("* 3 FETCH (FLAGS (", StringComparison.Ordinal) && !l.Contains("Urgent"));
    }

    [Theory]
    [InlineData("FETCH 3 (FLAGS)")]
    [InlineData("STORE 3 +FLAGS (\\Seen)")]
    public async Task AnotherSessionsKeywordIsAnnouncedBeforeTheCommandShowsIt(string command)
    {
        // The command itself shows the message with the keyword, before the updates after it would announce it.
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        await using var other = await s.ConnectAsync(login: true);
        await c.OkAsync("SELECT INBOX");
        await other.OkAsync("SELECT INBOX");
        await other.OkAsync("STORE 3 +FLAGS (Fresh)");
        var lines = await c.OkAsync(command);
        int flagsAt = lines.FindIndex(l => l.StartsWith("* FLAGS", StringComparison.Ordinal) && l.Contains("Fresh"));
        int fetchAt = lines.FindIndex(l => l.StartsWith("* 3 FETCH", StringComparison.Ordinal) && l.Contains("Fresh"));
        Assert.True(fetchAt >= 0 && flagsAt >= 0 && flagsAt < fetchAt, string.Join(" | ", lines));
    }

    [Fact]
    public async Task SearchKeywordAndUnkeyword()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("SELECT INBOX");
        await c.OkAsync("STORE 1,3 +FLAGS ($Label2)");
        await c.OkAsync("STORE 3 +FLAGS (\\Seen)");
        Assert.Equal("* SEARCH 1 3", (await c.OkAsync("SEARCH KEYWORD $label2"))[0]);
        Assert.Equal("* SEARCH 2", (await c.OkAsync("SEARCH UNKEYWORD $Label2"))[0]);
        Assert.Equal("* SEARCH 1", (await c.OkAsync("SEARCH KEYWORD $Label2 UNSEEN"))[0]);
        Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH KEYWORD Nothing"))[0]);
        Assert.Equal("* SEARCH 3", (await c.OkAsync("SEARCH KEYWORD \\Seen"))[0]);
        var uids = s.Store.ListMessages(ImapTestServer.Alice, Inbox).Select(m => m.Uid).ToList();
        Assert.Equal($"* SEARCH {uids[0]} {uids[2]}", (await c.OkAsync("UID SEARCH OR KEYWORD $Label2 KEYWORD Other"))[0]);
    }

    [Fact]
    public async Task CopyAndMoveKeepKeywordsAndAppendStoresThem()
    {
        var (s, c) = await SetupAsync(2);
        await using var _ = s;
        await using var __ = c;
        await s.Store.CreateFolderAsync(ImapTestServer.Alice, "Archive");
        await c.OkAsync("SELECT INBOX");
        await c.OkAsync("STORE 1 +FLAGS (\\Answered Project-X)");
        await c.OkAsync("COPY 1 Archive");
        await c.OkAsync("STORE 2 +FLAGS (Moved)");
        await c.OkAsync("MOVE 2 Archive");
        var archive = s.Store.ListMessages(ImapTestServer.Alice, "Archive");
        Assert.Equal(new[] { "Project-X" }, archive[0].Keywords);
        Assert.Equal(MessageFlags.Answered, archive[0].Flags);
        Assert.Equal(new[] { "Moved" }, archive[1].Keywords);

        var bytes = ImapTestServer.Message("appended with keywords");
        await c.SendAsync("a1 APPEND Archive (\\Seen $Forwarded NonJunk) {" + bytes.Length + "+}\r\n");
        await c.SendBytesAsync(bytes);
        await c.SendAsync("\r\n");
        Assert.StartsWith("a1 OK", (await c.ReadUntilTagAsync("a1"))[^1]);
        var appended = s.Store.ListMessages(ImapTestServer.Alice, "Archive")[^1];
        Assert.Equal(new[] { "$Forwarded", "NonJunk" }, appended.Keywords);
        Assert.Equal(MessageFlags.Seen, appended.Flags);

        var sel = await c.OkAsync("SELECT Archive");
        var flags = Line(sel, "* FLAGS");
        foreach (var k in new[] { "Project-X", "Moved", "$Forwarded", "NonJunk" }) Assert.Contains(k, flags);
        Assert.Contains("$Forwarded NonJunk)", (await c.OkAsync("FETCH 3 FLAGS"))[0]);
    }

    [Fact]
    public async Task InvalidKeywordsAreBad()
    {
        var (s, c) = await SetupAsync(1);
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("SELECT INBOX");
        Assert.Contains(" BAD ", (await c.CommandAsync("STORE 1 +FLAGS (\"quoted\")"))[^1]);
        Assert.Contains(" BAD ", (await c.CommandAsync("STORE 1 +FLAGS (a]b)"))[^1]);
        Assert.Empty(s.Store.ListMessages(ImapTestServer.Alice, Inbox)[0].Keywords);
    }
}
