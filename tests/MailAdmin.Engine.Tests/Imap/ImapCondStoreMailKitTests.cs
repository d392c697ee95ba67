using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>MailKit as a real CONDSTORE/QRESYNC client: quick resync, CHANGEDSINCE, UNCHANGEDSINCE, keywords.</summary>
public class ImapCondStoreMailKitTests
{
    private const string Inbox = "INBOX";

    private static async Task<ImapClient> ConnectAsync(ImapTestServer s)
    {
        var client = new ImapClient { Timeout = 10_000 };
        await client.ConnectAsync("127.0.0.1", s.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.Alice, ImapTestServer.Password);
        return client;
    }

    [Fact]
    public async Task QuickResyncAfterOfflineChanges()
    {
        await using var s = await ImapTestServer.StartAsync();
        for (int i = 1; i <= 5; i++) await s.DeliverAsync("Message " + i);

        uint uidValidity;
        ulong highest;
        IList<UniqueId> known;
        using (var first = await ConnectAsync(s))
        {
            Assert.True(first.Capabilities.HasFlag(ImapCapabilities.CondStore));
            Assert.True(first.Capabilities.HasFlag(ImapCapabilities.QuickResync));
            await first.EnableQuickResyncAsync();
            await first.Inbox.OpenAsync(FolderAccess.ReadWrite);
            uidValidity = first.Inbox.UidValidity;
            highest = first.Inbox.HighestModSeq;
            Assert.Equal(s.Store.GetFolderStatus(ImapTestServer.Alice, Inbox).HighestModSeq, highest);
            known = await first.Inbox.SearchAsync(SearchQuery.All);
            Assert.Equal(5, known.Count);
            await first.DisconnectAsync(true);
        }

        // While the client is away: one message gets a flag and a keyword, two are deleted.
        var msgs = s.Store.ListMessages(ImapTestServer.Alice, Inbox);
        await s.Store.UpdateFlagsAsync(ImapTestServer.Alice, Inbox, new[] { msgs[0].Uid }, new FlagUpdate(MailAdmin.Store.MessageFlags.Flagged, new[] { "Done" }, FlagChange.Add));
        await s.Store.DeleteMessagesAsync(ImapTestServer.Alice, Inbox, new[] { msgs[1].Uid, msgs[3].Uid });

        using var client = await ConnectAsync(s);
        await client.EnableQuickResyncAsync();
        var vanished = new List<UniqueId>();
        bool earlier = false;
        var flagged = new List<(UniqueId? Uid, MailKit.MessageFlags Flags, KeywordSnapshot Keywords, ulong? ModSeq)>();
        var inbox = client.Inbox;
        inbox.MessagesVanished += (_, e) => { vanished.AddRange(e.UniqueIds); earlier |= e.Earlier; };
        inbox.MessageFlagsChanged += (_, e) => flagged.Add((e.UniqueId, e.Flags, new KeywordSnapshot(e.Keywords), e.ModSeq));
        await inbox.OpenAsync(FolderAccess.ReadWrite, uidValidity, highest, known);

        Assert.True(earlier);
        Assert.Equal(new[] { msgs[1].Uid, msgs[3].Uid }, vanished.Select(u => u.Id).OrderBy(u => u));
        var change = Assert.Single(flagged);
        Assert.Equal(msgs[0].Uid, change.Uid!.Value.Id);
        Assert.True(change.Flags.HasFlag(MailKit.MessageFlags.Flagged));
        Assert.Contains("Done", change.Keywords.Items);
        Assert.Equal(s.Store.GetMessage(ImapTestServer.Alice, Inbox, msgs[0].Uid)!.ModSeq, change.ModSeq);
        Assert.Equal(3, inbox.Count);
        Assert.True(inbox.HighestModSeq > highest);
    }

    [Fact]
    public async Task FetchChangedSinceStoreUnchangedSinceAndKeywords()
    {
        await using var s = await ImapTestServer.StartAsync();
        for (int i = 1; i <= 3; i++) await s.DeliverAsync("Message " + i);
        using var client = await ConnectAsync(s);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite, CancellationToken.None);
        Assert.True(inbox.PermanentFlags.HasFlag(MailKit.MessageFlags.UserDefined));
        var start = inbox.HighestModSeq;
        Assert.True(start > 0);
        var uids = await inbox.SearchAsync(SearchQuery.All);

        await inbox.StoreAsync(new[] { uids[1] }, new StoreFlagsRequest(StoreAction.Add, MailKit.MessageFlags.Seen, new[] { "$Label1" }) { Silent = true });
        var changed = await inbox.FetchAsync(UniqueIdRange.All, new FetchRequest(MessageSummaryItems.Flags | MessageSummaryItems.ModSeq | MessageSummaryItems.UniqueId) { ChangedSince = start });
        var only = Assert.Single(changed);
        Assert.Equal(uids[1], only.UniqueId);
        Assert.True(only.Flags!.Value.HasFlag(MailKit.MessageFlags.Seen));
        Assert.Contains("$Label1", only.Keywords);
        Assert.True(only.ModSeq > start);

        // UNCHANGEDSINCE the old value: the re-flagged message is left alone and reported.
        var modified = await inbox.StoreAsync(uids, new StoreFlagsRequest(StoreAction.Add, MailKit.MessageFlags.Flagged) { UnchangedSince = start });
        Assert.Equal(new[] { uids[1] }, modified);
        Assert.Equal(MailAdmin.Store.MessageFlags.Flagged, s.Store.GetMessage(ImapTestServer.Alice, Inbox, uids[0].Id)!.Flags);
        Assert.Equal(MailAdmin.Store.MessageFlags.Seen, s.Store.GetMessage(ImapTestServer.Alice, Inbox, uids[1].Id)!.Flags);

        Assert.Equal(new[] { uids[1] }, await inbox.SearchAsync(SearchQuery.HasKeyword("$Label1")));
        Assert.Equal(new[] { uids[0], uids[2] }, await inbox.SearchAsync(SearchQuery.NotKeyword("$Label1")));
        var since = await inbox.SearchAsync(SearchQuery.ChangedSince(only.ModSeq!.Value + 1));
        Assert.Equal(new[] { uids[0], uids[2] }, since);
    }

    /// <summary>A snapshot of a keyword set (MailKit hands out a live one).</summary>
    private sealed class KeywordSnapshot
    {
        public KeywordSnapshot(IEnumerable<string> keywords) => Items = keywords.ToList();
        public List<string> Items { get; }
    }
}
