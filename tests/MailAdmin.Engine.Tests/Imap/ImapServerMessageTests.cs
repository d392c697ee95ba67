using System.Text;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// FETCH, SEARCH, STORE, COPY, MOVE and the UID variants over a socket. These call the
/// message-side library of the imap-fetch branch (SequenceSet, FetchRequest, FetchResponse,
/// SearchQuery, ImapFlags): they pass once that branch is merged.
/// </summary>
public class ImapServerMessageTests
{
    private static async Task<(ImapTestServer Server, ImapRawClient Client, List<StoredMessage> Messages)> SetupAsync(int count = 3)
    {
        var s = await ImapTestServer.StartAsync();
        var list = new List<StoredMessage>();
        for (int i = 1; i <= count; i++) list.Add(await s.DeliverAsync("Message " + i, from: i == 2 ? "dave@example.net" : "carol@example.org"));
        var c = await s.ConnectAsync(login: true);
        await c.OkAsync("SELECT INBOX");
        return (s, c, list);
    }

    [Fact]
    public async Task FetchFlagsUidSizeAndBody()
    {
        var (s, c, msgs) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        var r = await c.OkAsync("FETCH 1:* (UID FLAGS RFC822.SIZE)");
        Assert.Equal(4, r.Count);
        Assert.Contains("UID " + msgs[0].Uid, r[0]);
        Assert.Contains("RFC822.SIZE " + msgs[0].Size, r[0]);
        Assert.Contains("\\Recent", r[0]);
        var peek = await c.OkAsync("FETCH 2 BODY.PEEK[HEADER.FIELDS (SUBJECT)]");
        Assert.Contains("Subject: Message 2", peek[0]);
        Assert.Equal(MessageFlags.None, s.Store.GetMessage(ImapTestServer.Alice, "INBOX", msgs[1].Uid)!.Flags);
        var body = await c.OkAsync("FETCH 2 BODY[]");
        Assert.Contains("Hello there.", body[0]);
        Assert.Contains("\\Seen", body[0]);   // the implicit \Seen is reported
        Assert.Equal(MessageFlags.Seen, s.Store.GetMessage(ImapTestServer.Alice, "INBOX", msgs[1].Uid)!.Flags);
        var uid = await c.OkAsync($"UID FETCH {msgs[2].Uid} (FLAGS)");
        Assert.Contains("UID " + msgs[2].Uid, uid[0]);
        Assert.StartsWith("* 3 FETCH", uid[0]);
        var env = await c.OkAsync("FETCH 1 (ENVELOPE BODYSTRUCTURE INTERNALDATE)");
        Assert.Contains("ENVELOPE (", env[0]);
        Assert.Contains("BODYSTRUCTURE (", env[0]);
    }

    [Fact]
    public async Task ExamineNeverSetsSeen()
    {
        var (s, c, msgs) = await SetupAsync(1);
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("EXAMINE INBOX");
        await c.OkAsync("FETCH 1 BODY[]");
        Assert.Equal(MessageFlags.None, s.Store.GetMessage(ImapTestServer.Alice, "INBOX", msgs[0].Uid)!.Flags);
        Assert.Contains("NO [READ-ONLY]", (await c.CommandAsync("STORE 1 +FLAGS (\\Seen)"))[^1]);
    }

    [Fact]
    public async Task SearchAndUidSearch()
    {
        var (s, c, msgs) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        Assert.Equal("* SEARCH 1 2 3", (await c.OkAsync("SEARCH ALL"))[0]);
        Assert.Equal("* SEARCH 2", (await c.OkAsync("SEARCH FROM dave"))[0]);
        Assert.Equal("* SEARCH " + msgs[1].Uid, (await c.OkAsync("UID SEARCH CHARSET UTF-8 FROM dave"))[0]);
        Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH SEEN"))[0]);
        Assert.Contains("NO [BADCHARSET", (await c.CommandAsync("SEARCH CHARSET KOI8-X ALL"))[^1]);
        Assert.Contains("BAD", (await c.CommandAsync("SEARCH FROB"))[^1]);
    }

    [Fact]
    public async Task StoreAddRemoveReplaceAndSilent()
    {
        var (s, c, msgs) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        var r = await c.OkAsync("STORE 1:2 +FLAGS (\\Flagged \\Seen)");
        Assert.Equal(3, r.Count);
        Assert.StartsWith("* 1 FETCH (FLAGS (", r[0]);
        Assert.Equal(MessageFlags.Flagged | MessageFlags.Seen, s.Store.GetMessage(ImapTestServer.Alice, "INBOX", msgs[1].Uid)!.Flags);
        Assert.Single(await c.OkAsync("STORE 1 -FLAGS.SILENT (\\Flagged)"));
        Assert.Equal(MessageFlags.Seen, s.Store.GetMessage(ImapTestServer.Alice, "INBOX", msgs[0].Uid)!.Flags);
        var u = await c.OkAsync($"UID STORE {msgs[2].Uid} FLAGS (\\Answered)");
        Assert.Contains("UID " + msgs[2].Uid, u[0]);
        Assert.Equal(MessageFlags.Answered, s.Store.GetMessage(ImapTestServer.Alice, "INBOX", msgs[2].Uid)!.Flags);
    }

    [Fact]
    public async Task CopyAndUidCopyGiveCopyUid()
    {
        var (s, c, msgs) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        var trash = s.Store.GetFolderStatus(ImapTestServer.Alice, "Trash");
        Assert.Equal($"t003 OK [COPYUID {trash.UidValidity} {msgs[0].Uid}:{msgs[1].Uid} 1:2] COPY completed", (await c.OkAsync("COPY 1:2 Trash"))[^1]);
        Assert.Contains($"[COPYUID {trash.UidValidity} {msgs[2].Uid} 3]", (await c.OkAsync($"UID COPY {msgs[2].Uid} Trash"))[^1]);
        Assert.Contains("NO [TRYCREATE]", (await c.CommandAsync("COPY 1 Nowhere"))[^1]);
        Assert.Equal(3, s.Store.ListMessages(ImapTestServer.Alice, "Trash").Count);
        Assert.Equal(3, s.Store.ListMessages(ImapTestServer.Alice, "INBOX").Count);
    }

    [Fact]
    public async Task MoveAndUidMoveExpungeFromTheSource()
    {
        var (s, c, msgs) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        var r = await c.OkAsync("MOVE 2 Junk");
        Assert.StartsWith("* OK [COPYUID ", r[0]);
        Assert.Equal("* 2 EXPUNGE", r[1]);
        var u = await c.OkAsync($"UID MOVE {msgs[2].Uid} Junk");
        Assert.Equal("* 2 EXPUNGE", u[1]);
        Assert.Equal(new[] { msgs[0].Uid }, s.Store.ListMessages(ImapTestServer.Alice, "INBOX").Select(m => m.Uid));
        Assert.Equal(2, s.Store.ListMessages(ImapTestServer.Alice, "Junk").Count);
    }

    [Fact]
    public async Task UidExpungeOnlyTouchesTheGivenUids()
    {
        var (s, c, msgs) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("STORE 1:3 +FLAGS.SILENT (\\Deleted)");
        var r = await c.OkAsync($"UID EXPUNGE {msgs[1].Uid}");
        Assert.Equal(new[] { "* 2 EXPUNGE" }, r.SkipLast(1));
        Assert.Equal(2, s.Store.ListMessages(ImapTestServer.Alice, "INBOX").Count);
    }

    [Fact]
    public async Task NoExpungeDuringFetchStoreOrSearch()
    {
        var (s, c, msgs) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        await s.Store.DeleteMessagesAsync(ImapTestServer.Alice, "INBOX", new[] { msgs[0].Uid });
        Assert.DoesNotContain(await c.CommandAsync("FETCH 2:3 (FLAGS)"), l => l.Contains("EXPUNGE"));
        Assert.DoesNotContain(await c.CommandAsync("SEARCH ALL"), l => l.Contains("EXPUNGE"));
        Assert.DoesNotContain(await c.CommandAsync("STORE 2 +FLAGS (\\Seen)"), l => l.Contains("EXPUNGE"));
        Assert.Equal("* 1 EXPUNGE", (await c.OkAsync("NOOP"))[0]);
        Assert.Equal("* SEARCH 1 2", (await c.OkAsync("SEARCH ALL"))[0]);
    }

    [Fact]
    public async Task AppendWithFlags()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        var msg = Encoding.ASCII.GetString(ImapTestServer.Message("flagged"));
        await c.OkAsync($"APPEND Sent (\\Seen \\Answered) {{{msg.Length}+}}\r\n{msg}");
        Assert.Equal(MessageFlags.Seen | MessageFlags.Answered, s.Store.ListMessages(ImapTestServer.Alice, "Sent").Single().Flags);
    }
}
