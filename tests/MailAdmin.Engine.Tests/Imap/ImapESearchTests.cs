using System.Text;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>ESEARCH (RFC 4731), SEARCHRES (RFC 5182) and the SEARCH fixes imaptest's base scripts found (nil, search-addresses).</summary>
public class ImapESearchTests
{
    private static async Task<(ImapTestServer Server, ImapRawClient Client)> SetupAsync(params string[] messages)
    {
        var s = await ImapTestServer.StartAsync();
        foreach (var m in messages)
            await s.Store.DeliverAsync(ImapTestServer.Alice, "INBOX", Encoding.UTF8.GetBytes(m.Replace("\n", "\r\n")), DateTimeOffset.UtcNow);
        var c = await s.ConnectAsync(login: true);
        await c.OkAsync("SELECT INBOX");
        return (s, c);
    }

    private static string[] Plain(int count) => Enumerable.Range(1, count).Select(i => $"Subject: m{i}\n\nbody {i}\n").ToArray();

    /// <summary>The untagged ESEARCH line with the command's own tag replaced by "T", so that tests can compare whole lines.</summary>
    private static string ESearch(List<string> lines)
    {
        var tag = lines[^1].Split(' ')[0];
        var line = Assert.Single(lines, l => l.StartsWith("* ESEARCH", StringComparison.Ordinal));
        return line.Replace("(TAG \"" + tag + "\")", "(TAG \"T\")");
    }

    [Fact]
    public async Task CapabilitiesListEsearchAndSearchres()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        var caps = (await c.OkAsync("CAPABILITY"))[0].Split(' ');
        Assert.Contains("ESEARCH", caps);
        Assert.Contains("SEARCHRES", caps);
    }

    [Fact]
    public async Task SearchKeywordMatchesStoredKeywordsCaseInsensitively()
    {
        var s = await ImapTestServer.StartAsync();
        await using var _ = s;
        foreach (var keywords in new[] { new[] { "$$hello" }, Array.Empty<string>(), new[] { "$Label1", "$$Hello" } })
            await s.Store.AppendAsync(ImapTestServer.Alice, "INBOX", Encoding.UTF8.GetBytes("Subject: k\r\n\r\nbody\r\n"), MailAdmin.Store.MessageFlags.None, keywords, DateTimeOffset.UtcNow);
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("SELECT INBOX");
        Assert.Equal("* SEARCH 1 3", (await c.OkAsync("SEARCH KEYWORD $$hello"))[0]);
        Assert.Equal("* SEARCH 2", (await c.OkAsync("SEARCH UNKEYWORD $$HELLO"))[0]);
        Assert.Equal("* SEARCH 3", (await c.OkAsync("SEARCH KEYWORD $label1 KEYWORD $$hello"))[0]);
        Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH KEYWORD $Other"))[0]);
    }

    [Fact]
    public async Task SearchSubjectNilLooksForTheWordNil()
    {
        var (s, c) = await SetupAsync("Date: Sat, 24 Mar 2007 23:00:00 +0200\nSubject: NiL\n\nnil\n", "Subject: other\n\nbody\n");
        await using var _ = s;
        await using var __ = c;
        Assert.Equal("* SEARCH 1", (await c.OkAsync("SEARCH SUBJECT NIL"))[0]);
        Assert.Equal("* SEARCH 1", (await c.OkAsync("SEARCH BODY nil"))[0]);
    }

    [Fact]
    public async Task SearchFromMatchesAddressesWithCommentsAndDisplayNames()
    {
        var (s, c) = await SetupAsync(
            "From: user-from@domain.org\nTo: user-to@domain.org\n\nb1\n",
            "From: RealFrom <user-from@domain.org>\n\nb2\n",
            "From: <user-from (comment)@ (comment) domain.org>\n\nb3\n",
            "From: user-from@domain.org (RealFrom)\n\nb4\n",
            "From: user-from1@domain.org, user-from2@domain.org\n\nb5\n",
            "From: \"Real\\\"Quoted\" <other@domain.org>\nTo: groupname: groupuser1@domain.org, groupuser2@domain.org;,\n  groupname2: groupuser3@domain.org;\n\nb6\n",
            "From: =?utf-8?q?J=C3=BCrgen?= <jurgen@domain.org>\n\nb7\n");
        await using var _ = s;
        await using var __ = c;
        Assert.Equal("* SEARCH 1 2 3 4", (await c.OkAsync("SEARCH FROM user-from@domain.org"))[0]);
        Assert.Equal("* SEARCH 2 4", (await c.OkAsync("SEARCH FROM realfrom"))[0]);
        Assert.Equal("* SEARCH 1 2 3 4 5", (await c.OkAsync("SEARCH FROM ser-fro"))[0]);
        Assert.Equal("* SEARCH 5", (await c.OkAsync("SEARCH FROM user-from2"))[0]);
        Assert.Equal("* SEARCH 6", (await c.OkAsync("SEARCH FROM \"real\\\"quoted\""))[0]);
        Assert.Equal("* SEARCH 6", (await c.OkAsync("SEARCH TO groupname2"))[0]);
        Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH TO groupuser4"))[0]);
        Assert.Equal("* SEARCH 7", (await c.OkAsync("SEARCH CHARSET UTF-8 FROM {7+}\r\nJürgen"))[0]);
        Assert.Equal("* SEARCH 1 2 3 4 5 6 7", (await c.OkAsync("SEARCH HEADER FROM \"\""))[0]);
    }

    [Fact]
    public async Task ReturnOptionsGiveMinMaxCountAndAll()
    {
        var (s, c) = await SetupAsync(Plain(7));
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("STORE 4 +FLAGS (\\Deleted)");
        await c.OkAsync("EXPUNGE");
        Assert.Equal("* ESEARCH (TAG \"T\") ALL 1:6", ESearch(await c.OkAsync("SEARCH RETURN (ALL) ALL")));
        Assert.Equal("* ESEARCH (TAG \"T\") ALL 1:6", ESearch(await c.OkAsync("SEARCH RETURN () ALL")));
        Assert.Equal("* ESEARCH (TAG \"T\") MIN 1 MAX 6 COUNT 6", ESearch(await c.OkAsync("SEARCH RETURN (MIN MAX COUNT) ALL")));
        await c.OkAsync("STORE 2,4 +FLAGS (\\Seen)");
        var uids = s.Store.ListMessages(ImapTestServer.Alice, "INBOX").Select(m => m.Uid).ToList();
        Assert.Equal($"* ESEARCH (TAG \"T\") UID ALL {uids[1]},{uids[3]}", ESearch(await c.OkAsync("UID SEARCH RETURN (ALL) SEEN")));
        Assert.Equal($"* ESEARCH (TAG \"T\") UID MIN {uids[1]}", ESearch(await c.OkAsync("UID SEARCH RETURN (MIN) SEEN")));
        Assert.Equal($"* ESEARCH (TAG \"T\") UID MAX {uids[3]} COUNT 2", ESearch(await c.OkAsync("UID SEARCH RETURN (COUNT MAX) SEEN")));
        // Nothing matched: MIN, MAX and ALL are left out, COUNT is 0 (RFC 4731 §3.1; imaptest's esearch script).
        Assert.Equal("* ESEARCH (TAG \"T\")", ESearch(await c.OkAsync("SEARCH RETURN (MIN MAX ALL) 1000")));
        Assert.Equal("* ESEARCH (TAG \"T\") COUNT 0", ESearch(await c.OkAsync("SEARCH RETURN (COUNT) 1000")));
        Assert.Equal("* ESEARCH (TAG \"T\") UID COUNT 0", ESearch(await c.OkAsync("UID SEARCH RETURN (COUNT) 1000")));
        Assert.Contains("BAD", (await c.CommandAsync("SEARCH RETURN (FOO) ALL"))[^1]);
        Assert.Contains("BAD", (await c.CommandAsync("SEARCH RETURN ALL"))[^1]);
        // Plain SEARCH keeps the RFC 3501 reply (and its BAD for a number above EXISTS).
        Assert.Equal("* SEARCH 2 4", (await c.OkAsync("SEARCH SEEN"))[0]);
        Assert.Contains("BAD", (await c.CommandAsync("SEARCH 1000"))[^1]);
    }

    [Fact]
    public async Task SavedResultIsUsableAsDollarEverywhere()
    {
        var (s, c) = await SetupAsync(Plain(5));
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("CREATE Other");
        await c.OkAsync("STORE 2,4 +FLAGS (\\Flagged)");
        // SAVE alone: no ESEARCH reply at all (RFC 5182 §2.4).
        var saved = await c.OkAsync("SEARCH RETURN (SAVE) FLAGGED");
        Assert.Single(saved);
        var fetched = await c.OkAsync("FETCH $ (FLAGS)");
        Assert.Equal(3, fetched.Count);
        Assert.StartsWith("* 2 FETCH", fetched[0]);
        Assert.StartsWith("* 4 FETCH", fetched[1]);
        Assert.Equal("* SEARCH 2", (await c.OkAsync("SEARCH $ SUBJECT m2"))[0]);
        Assert.Equal("* SEARCH 1 3 5", (await c.OkAsync("SEARCH NOT $"))[0]);
        Assert.Equal("* SEARCH 2 4", (await c.OkAsync("SEARCH UID $"))[0]);
        await c.OkAsync("STORE $ +FLAGS.SILENT (\\Seen)");
        Assert.Equal("* SEARCH 2 4", (await c.OkAsync("SEARCH SEEN"))[0]);
        await c.OkAsync("UID COPY $ Other");
        Assert.Equal(2, s.Store.ListMessages(ImapTestServer.Alice, "Other").Count);
        // SAVE with MIN/MAX only keeps those; with COUNT it keeps everything.
        await c.OkAsync("SEARCH RETURN (SAVE MIN) FLAGGED");
        Assert.Equal("* SEARCH 2", (await c.OkAsync("SEARCH $"))[0]);
        Assert.Equal("* ESEARCH (TAG \"T\") COUNT 2", ESearch(await c.OkAsync("SEARCH RETURN (SAVE COUNT) FLAGGED")));
        Assert.Equal("* SEARCH 2 4", (await c.OkAsync("SEARCH $"))[0]);
        // A failing SEARCH ... SAVE leaves '$' empty (RFC 5182 §2.1).
        Assert.Contains("BAD", (await c.CommandAsync("SEARCH RETURN (SAVE) FROB"))[^1]);
        Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH $"))[0]);
        // Expunged messages leave the saved result; SELECT empties it.
        await c.OkAsync("SEARCH RETURN (SAVE) FLAGGED");
        await c.OkAsync("STORE 2 +FLAGS.SILENT (\\Deleted)");
        await c.OkAsync("EXPUNGE");
        Assert.Equal("* SEARCH 3", (await c.OkAsync("SEARCH $"))[0]);
        await c.OkAsync("MOVE $ Other");
        Assert.Equal(3, s.Store.ListMessages(ImapTestServer.Alice, "Other").Count);
        await c.OkAsync("SEARCH RETURN (SAVE) 1");
        await c.OkAsync("STORE 1 +FLAGS.SILENT (\\Deleted)");
        await c.OkAsync("STORE 2 +FLAGS.SILENT (\\Deleted)");
        await c.OkAsync("UID EXPUNGE $");
        Assert.Equal("* SEARCH 1", (await c.OkAsync("SEARCH DELETED"))[0]);
        await c.OkAsync("SEARCH RETURN (SAVE) ALL");
        await c.OkAsync("SELECT INBOX");
        Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH $"))[0]);
        Assert.Single(await c.OkAsync("FETCH $ FLAGS"));
    }
}

/// <summary>After ENABLE IMAP4rev2 every SEARCH answers with ESEARCH (RFC 9051 §6.4.4); the switch is set directly here.</summary>
public class ImapESearchRev2Tests
{
    [Fact]
    public async Task PlainSearchAnswersWithESearchAllUnderImap4rev2()
    {
        using var store = new MailAdmin.Store.InMemoryStore(1000);
        await store.Accounts.AddAsync(ImapTestServer.Alice, ImapTestServer.Password);
        for (int i = 0; i < 3; i++) await store.DeliverAsync(ImapTestServer.Alice, "INBOX", ImapTestServer.Message("m" + i), DateTimeOffset.UtcNow);
        using var session = new MailAdmin.Protocols.Imap.ImapSession(
            new MailAdmin.Protocols.Imap.ImapSessionSettings { AllowInsecureAuth = true, AuthFailureDelay = TimeSpan.Zero }, store, false);
        var reader = new MailAdmin.Protocols.Imap.ImapCommandReader();
        async Task<List<string>> Run(string line)
        {
            var buffer = new System.Buffers.ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line + "\r\n"));
            var r = reader.TryRead(ref buffer);
            await session.ExecuteAsync(r.Command!, CancellationToken.None);
            var text = Encoding.UTF8.GetString(session.Output.ToArray());
            session.Output.SetLength(0);
            return text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        }
        await Run("a LOGIN alice@example.com secret");
        await Run("b SELECT INBOX");
        Assert.Equal("* SEARCH 1 2 3", (await Run("c SEARCH ALL"))[0]);
        // ENABLE IMAP4rev2 is another part of the server; its switch is what SEARCH reads.
        var field = typeof(MailAdmin.Protocols.Imap.ImapSession).GetField("_imap4rev2", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        field.SetValue(session, true);
        Assert.Equal("* ESEARCH (TAG \"d\") ALL 1:3", (await Run("d SEARCH ALL"))[0]);
        Assert.Equal("* ESEARCH (TAG \"e\")", (await Run("e SEARCH DELETED"))[0]);
        Assert.Equal("* ESEARCH (TAG \"f\") COUNT 3", (await Run("f SEARCH RETURN (COUNT) ALL"))[0]);
        var uids = store.ListMessages(ImapTestServer.Alice, "INBOX").Select(m => m.Uid).ToList();
        Assert.Equal($"* ESEARCH (TAG \"g\") UID ALL {uids[1]}", (await Run("g UID SEARCH 2"))[0]);
    }
}
