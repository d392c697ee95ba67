using System.Globalization;
using System.Text.RegularExpressions;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>CONDSTORE and QRESYNC (RFC 7162) and RFC 2180's FETCH of expunged messages, over a socket.</summary>
public class ImapCondStoreTests
{
    private const string Inbox = "INBOX";

    private static async Task<(ImapTestServer Server, ImapRawClient Client)> SetupAsync(int count = 3)
    {
        var s = await ImapTestServer.StartAsync();
        for (int i = 1; i <= count; i++) await s.DeliverAsync("Message " + i);
        var c = await s.ConnectAsync(login: true);
        return (s, c);
    }

    private static ulong Highest(ImapTestServer s) => s.Store.GetFolderStatus(ImapTestServer.Alice, Inbox).HighestModSeq;
    private static List<StoredMessage> Messages(ImapTestServer s) => s.Store.ListMessages(ImapTestServer.Alice, Inbox).ToList();
    private static string N(ulong n) => n.ToString(CultureInfo.InvariantCulture);
    private static string Line(List<string> lines, string start) => lines.Single(l => l.StartsWith(start, StringComparison.Ordinal));

    [Fact]
    public async Task CapabilityAndSelectCondStoreGiveHighestModSeq()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        var caps = (await c.OkAsync("CAPABILITY"))[0];
        Assert.Contains(" CONDSTORE", caps);
        Assert.Contains(" QRESYNC", caps);
        var plain = await c.OkAsync("SELECT INBOX");
        Assert.DoesNotContain(plain, l => l.Contains("HIGHESTMODSEQ"));
        var r = await c.OkAsync("SELECT INBOX (CONDSTORE)");
        Assert.Equal($"* OK [HIGHESTMODSEQ {N(Highest(s))}] Highest", Line(r, "* OK [HIGHESTMODSEQ"));
        // Once on, every SELECT says it.
        Assert.Contains((await c.OkAsync("EXAMINE INBOX")), l => l.StartsWith("* OK [HIGHESTMODSEQ", StringComparison.Ordinal));
        Assert.Contains(" BAD ", (await c.CommandAsync("SELECT INBOX (NOSUCH)"))[^1]);
    }

    [Fact]
    public async Task EnableCondStoreWithAMailboxSelectedTellsHighestModSeq()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("SELECT INBOX");
        var r = await c.OkAsync("ENABLE CONDSTORE");
        Assert.Contains("* ENABLED CONDSTORE", r);
        Assert.Contains($"* OK [HIGHESTMODSEQ {N(Highest(s))}] Highest", r);
        Assert.Equal("* ENABLED", (await c.OkAsync("ENABLE CONDSTORE"))[0]);
    }

    [Fact]
    public async Task FetchModSeqAndChangedSince()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("SELECT INBOX");
        var before = Highest(s);
        var all = await c.OkAsync("FETCH 1:* (MODSEQ)");
        var msgs = Messages(s);
        // FETCH MODSEQ enables CONDSTORE: the HIGHESTMODSEQ first, then each message's MODSEQ.
        Assert.Contains($"* OK [HIGHESTMODSEQ {N(before)}] Highest", all);
        for (int i = 0; i < 3; i++) Assert.Contains($"* {i + 1} FETCH (MODSEQ ({N(msgs[i].ModSeq)}))", all);

        var store = await c.OkAsync("STORE 2 +FLAGS (\\Flagged)");
        var changed = Messages(s)[1];
        Assert.True(changed.ModSeq > before);
        Assert.Equal($"* 2 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ ({N(changed.ModSeq)}))", store[0]);

        var since = await c.OkAsync($"FETCH 1:* (FLAGS) (CHANGEDSINCE {N(before)})");
        Assert.Equal(2, since.Count);
        Assert.Equal($"* 2 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ ({N(changed.ModSeq)}))", since[0]);
        var uidSince = await c.OkAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {N(changed.ModSeq)})");
        Assert.Single(uidSince);
        // Only changed messages inside the set count; a sequence number above EXISTS is still BAD.
        Assert.Single(await c.OkAsync($"FETCH 1,3 (FLAGS) (CHANGEDSINCE {N(before)})"));
        Assert.Single(await c.OkAsync($"UID FETCH {msgs[0].Uid},{msgs[2].Uid}:* (FLAGS) (CHANGEDSINCE {N(before)})"));
        var byUid = await c.OkAsync($"UID FETCH {msgs[0].Uid}:{msgs[1].Uid} (FLAGS) (CHANGEDSINCE {N(before)})");
        Assert.Equal($"* 2 FETCH (UID {msgs[1].Uid} FLAGS (\\Flagged \\Recent) MODSEQ ({N(changed.ModSeq)}))", byUid[0]);
        Assert.Contains(" BAD ", (await c.CommandAsync($"FETCH 2:4 (FLAGS) (CHANGEDSINCE {N(before)})"))[^1]);
        Assert.Contains(" BAD ", (await c.CommandAsync("FETCH 1 FLAGS (CHANGEDSINCE x)"))[^1]);
        Assert.Contains(" BAD ", (await c.CommandAsync($"UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)"))[^1]);   // needs QRESYNC
    }

    [Fact]
    public async Task StoreUnchangedSinceReportsModified()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("SELECT INBOX (CONDSTORE)");
        var start = Highest(s);
        await using var other = await s.ConnectAsync(login: true);
        await other.OkAsync("SELECT INBOX");
        await other.OkAsync("STORE 2 +FLAGS (\\Seen)");
        var r = await c.OkAsync($"STORE 1:3 (UNCHANGEDSINCE {N(start)}) +FLAGS (\\Flagged)");
        Assert.StartsWith("t", r[^1]);
        Assert.True(r[^1].Contains("OK [MODIFIED 2]"), string.Join(" | ", r));
        var msgs = Messages(s);
        Assert.Equal(MessageFlags.Flagged, msgs[0].Flags);
        Assert.Equal(MessageFlags.Seen, msgs[1].Flags);   // left alone
        Assert.Equal(MessageFlags.Flagged, msgs[2].Flags);
        Assert.Contains($"* 1 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ ({N(msgs[0].ModSeq)}))", r);
        // The other session's change arrives, with its MODSEQ.
        Assert.Contains($"* 2 FETCH (FLAGS (\\Seen \\Recent) MODSEQ ({N(msgs[1].ModSeq)}))", r);

        var uid = await c.OkAsync($"UID STORE {msgs[0].Uid}:{msgs[2].Uid} (UNCHANGEDSINCE {N(msgs[0].ModSeq)}) -FLAGS.SILENT (\\Flagged)");
        Assert.Contains($"OK [MODIFIED {msgs[2].Uid}]", uid[^1]);   // message 3 changed after message 1, message 2 before
        // .SILENT still reports the new MODSEQ once CONDSTORE is on.
        var now = Messages(s)[0];
        Assert.Contains($"* 1 FETCH (UID {now.Uid} MODSEQ ({N(now.ModSeq)}))", uid);
        Assert.Contains("OK [MODIFIED 1]", (await c.OkAsync("STORE 1 (UNCHANGEDSINCE 0) +FLAGS (\\Seen)"))[^1]);
    }

    [Fact]
    public async Task SearchModSeqEndsWithTheHighestModSeqOfTheHits()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("SELECT INBOX");
        var start = Highest(s);
        await c.OkAsync("STORE 1 +FLAGS (\\Answered)");
        await c.OkAsync("STORE 3 +FLAGS (Junk)");
        var third = Messages(s)[2].ModSeq;
        var r = await c.OkAsync($"SEARCH MODSEQ {N(start + 1)}");
        Assert.Equal($"* SEARCH 1 3 (MODSEQ {N(third)})", Line(r, "* SEARCH"));
        var entry = await c.OkAsync($"UID SEARCH MODSEQ \"/flags/\\\\answered\" all {N(third)}");
        Assert.Equal($"* SEARCH {Messages(s)[2].Uid} (MODSEQ {N(third)})", Line(entry, "* SEARCH"));
        Assert.Equal("* SEARCH", Line(await c.OkAsync($"SEARCH MODSEQ {N(third + 1)}"), "* SEARCH"));
    }

    [Fact]
    public async Task SortAndEsearchWithModSeqCarryTheHighestModSeqOfTheHits()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        await c.OkAsync("SELECT INBOX");
        var start = Highest(s);
        await c.OkAsync("STORE 3 +FLAGS (\\Answered)");
        await c.OkAsync("STORE 1 +FLAGS (\\Answered)");
        var first = Messages(s)[0].ModSeq;   // the later change: the highest
        // RFC 7162 §3.1.5: SORT answers like SEARCH, ESEARCH puts MODSEQ among its return data.
        var sorted = await c.OkAsync($"SORT (ARRIVAL) UTF-8 MODSEQ {N(start + 1)}");
        Assert.Equal($"* SORT 1 3 (MODSEQ {N(first)})", Line(sorted, "* SORT"));
        var esearch = await c.OkAsync($"SEARCH RETURN (COUNT) MODSEQ {N(start + 1)}");
        Assert.Contains($"COUNT 2 MODSEQ {N(first)}", Line(esearch, "* ESEARCH"));
        // With MIN or MAX alone, only the returned message's MODSEQ counts (RFC 7162 §3.1.10; imaptest esearch-condstore).
        var third = Messages(s)[2].ModSeq;
        var max = await c.OkAsync($"SEARCH RETURN (MAX) MODSEQ {N(start + 1)}");
        Assert.EndsWith($"MAX 3 MODSEQ {N(third)}", Line(max, "* ESEARCH"));
        Assert.Equal("* SORT", Line(await c.OkAsync($"SORT (ARRIVAL) UTF-8 MODSEQ {N(first + 1)}"), "* SORT"));
    }

    [Fact]
    public async Task StatusHighestModSeqAndExpungeCode()
    {
        var (s, c) = await SetupAsync();
        await using var _ = s;
        await using var __ = c;
        var st = await c.OkAsync("STATUS INBOX (MESSAGES HIGHESTMODSEQ)");
        Assert.Equal($"* STATUS \"INBOX\" (MESSAGES 3 HIGHESTMODSEQ {N(Highest(s))})", st[0]);
        await c.OkAsync("SELECT INBOX");
        await c.OkAsync("STORE 2 +FLAGS.SILENT (\\Deleted)");
        var ex = await c.OkAsync("EXPUNGE");
        Assert.Contains("* 2 EXPUNGE", ex);
        Assert.StartsWith($"{ex[^1].Split(' ')[0]} OK [HIGHESTMODSEQ {N(Highest(s))}]", ex[^1]);
    }

    [Fact]
    public async Task QresyncSelectReportsVanishedAndChanged()
    {
        var (s, c) = await SetupAsync(5);
        await using var _ = s;
        await using var __ = c;
        var msgs = Messages(s);
        var status = s.Store.GetFolderStatus(ImapTestServer.Alice, Inbox);
        ulong seen = status.HighestModSeq;
        // Offline changes: one re-flagged, two expunged.
        await s.Store.UpdateFlagsAsync(ImapTestServer.Alice, Inbox, new[] { msgs[0].Uid }, new FlagUpdate(MessageFlags.Seen, new[] { "Done" }, FlagChange.Add));
        await s.Store.ExpungeAsync(ImapTestServer.Alice, Inbox, null);   // nothing \Deleted: a no-op
        await s.Store.DeleteMessagesAsync(ImapTestServer.Alice, Inbox, new[] { msgs[1].Uid, msgs[3].Uid });

        Assert.Contains(" BAD ", (await c.CommandAsync($"SELECT INBOX (QRESYNC ({status.UidValidity} {N(seen)}))"))[^1]);
        Assert.Contains("* ENABLED QRESYNC", await c.OkAsync("ENABLE QRESYNC"));
        var r = await c.OkAsync($"SELECT INBOX (QRESYNC ({status.UidValidity} {N(seen)}))");
        var vanished = Line(r, "* VANISHED");
        Assert.Equal($"* VANISHED (EARLIER) {msgs[1].Uid},{msgs[3].Uid}", vanished);
        int vanishedAt = r.IndexOf(vanished);
        int fetchAt = r.FindIndex(l => l.Contains(" FETCH "));
        Assert.True(vanishedAt < fetchAt);
        var first = Messages(s)[0];
        Assert.Equal($"* 1 FETCH (UID {first.Uid} FLAGS (\\Seen \\Recent Done) MODSEQ ({N(first.ModSeq)}))", r[fetchAt]);
        Assert.Single(r, l => l.Contains(" FETCH "));
        Assert.Contains($"* OK [HIGHESTMODSEQ {N(Highest(s))}] Highest", r);

        // known-uids narrows both; another SELECT closes the first mailbox with [CLOSED].
        var known = await c.OkAsync($"SELECT INBOX (QRESYNC ({status.UidValidity} {N(seen)} {msgs[2].Uid}:{msgs[4].Uid}))");
        Assert.Equal("* OK [CLOSED] Previous mailbox is now closed", known[0]);
        Assert.Equal($"* VANISHED (EARLIER) {msgs[3].Uid}", Line(known, "* VANISHED"));
        Assert.DoesNotContain(known, l => l.Contains(" FETCH "));
        // Another UIDVALIDITY: nothing to resync.
        var stale = await c.OkAsync($"SELECT INBOX (QRESYNC ({status.UidValidity + 1} 1))");
        Assert.DoesNotContain(stale, l => l.StartsWith("* VANISHED", StringComparison.Ordinal) || l.Contains(" FETCH "));
    }

    [Fact]
    public async Task VanishedReplacesExpungeOnceQresyncIsOn()
    {
        var (s, c) = await SetupAsync(4);
        await using var _ = s;
        await using var __ = c;
        var msgs = Messages(s);
        await c.OkAsync("ENABLE QRESYNC");
        await c.OkAsync("SELECT INBOX");
        await c.OkAsync("STORE 1,3 +FLAGS.SILENT (\\Deleted)");
        var ex = await c.OkAsync("EXPUNGE");
        Assert.Contains($"* VANISHED {msgs[0].Uid},{msgs[2].Uid}", ex);
        Assert.DoesNotContain(ex, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        Assert.Contains("OK [HIGHESTMODSEQ", ex[^1]);

        // Another session's expunge and flag change: VANISHED, and FETCH with UID and MODSEQ.
        await using var other = await s.ConnectAsync(login: true);
        await other.OkAsync("SELECT INBOX");
        await other.OkAsync("STORE 2 +FLAGS (\\Flagged)");
        await other.OkAsync("STORE 1 +FLAGS.SILENT (\\Deleted)");
        await other.OkAsync("EXPUNGE");
        var noop = await c.OkAsync("NOOP");
        var last = Messages(s).Single();
        Assert.Contains($"* VANISHED {msgs[1].Uid}", noop);
        Assert.Contains($"OK [HIGHESTMODSEQ {N(Highest(s))}] NOOP completed", noop[^1]);
        Assert.Contains($"* 1 FETCH (UID {last.Uid} FLAGS (\\Flagged \\Recent) MODSEQ ({N(last.ModSeq)}))", noop);

        // UID FETCH (CHANGEDSINCE n VANISHED): the UIDs of the set gone, then the changes.
        var r = await c.OkAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)");
        Assert.Equal($"* VANISHED (EARLIER) 1:{msgs[2].Uid}", r[0]);
        Assert.Contains(r, l => l.StartsWith($"* 1 FETCH (UID {last.Uid} FLAGS", StringComparison.Ordinal) && l.Contains("MODSEQ"));
        // Without QRESYNC enabled, [CLOSED] is not sent.
        await using var plain = await s.ConnectAsync(login: true);
        await plain.OkAsync("SELECT INBOX");
        Assert.DoesNotContain(await plain.OkAsync("SELECT INBOX"), l => l.Contains("[CLOSED]"));
    }

    [Fact]
    public async Task FetchOfAMessageExpungedByAnotherSessionIsAnsweredFromTheSessionsView()
    {
        var (s, c) = await SetupAsync(3);
        await using var _ = s;
        await using var __ = c;
        var msgs = Messages(s);
        await c.OkAsync("SELECT INBOX");
        await c.OkAsync("STORE 2 +FLAGS (\\Flagged Keep)");
        await s.Store.DeleteMessagesAsync(ImapTestServer.Alice, Inbox, new[] { msgs[1].Uid });

        // Flags, UID, size: known to the session, answered (RFC 2180 §4.1.2); no EXPUNGE during FETCH.
        var flags = await c.OkAsync("FETCH 1:3 (UID FLAGS RFC822.SIZE)");
        Assert.Contains(flags, l => l.StartsWith($"* 2 FETCH (UID {msgs[1].Uid} FLAGS (\\Flagged \\Recent Keep) RFC822.SIZE {msgs[1].Size})", StringComparison.Ordinal));
        Assert.DoesNotContain(flags, l => l.EndsWith("EXPUNGE", StringComparison.Ordinal));
        Assert.EndsWith("OK FETCH completed", flags[^1]);
        // The text is gone: the others are answered, the OK says some were expunged.
        var body = await c.OkAsync("FETCH 1:3 BODY.PEEK[]");
        Assert.Equal(2, body.Count(l => Regex.IsMatch(l, @"^\* [13] FETCH")));
        Assert.Contains("OK [EXPUNGEISSUED]", body[^1]);
        // A UID command may report the expunge.
        var uid = await c.OkAsync("UID FETCH 1:* FLAGS");
        Assert.Contains("* 2 EXPUNGE", uid);
    }

    [Fact]
    public async Task MoveReportsVanishedAndAnImplicitSeenCarriesModSeq()
    {
        var (s, c) = await SetupAsync(3);
        await using var _ = s;
        await using var __ = c;
        var msgs = Messages(s);
        await s.Store.CreateFolderAsync(ImapTestServer.Alice, "Archive");
        await c.OkAsync("ENABLE QRESYNC");
        await c.OkAsync("SELECT INBOX");
        var body = await c.OkAsync("FETCH 1 (BODY[])");
        var first = Messages(s)[0];
        Assert.Contains($"MODSEQ ({N(first.ModSeq)})", body[0]);
        Assert.Contains("\\Seen", body[0]);
        var move = await c.OkAsync("MOVE 2:3 Archive");
        Assert.Contains($"* VANISHED {msgs[1].Uid}:{msgs[2].Uid}", move);
        Assert.DoesNotContain(move, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        Assert.Equal(2, s.Store.ListMessages(ImapTestServer.Alice, "Archive").Count);
    }
}
