using System.Collections.Concurrent;
using System.Security;
using System.Text;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>The behaviour both stores promise. Subclasses give the store.</summary>
public abstract class MailStoreContractTests : IDisposable
{
    protected const int Iterations = 1000; // fast hashes for tests
    protected const string Alice = "alice@example.com";
    private readonly List<IMailStore> opened = new();

    protected abstract IMailStore CreateStoreCore();

    protected IMailStore CreateStore()
    {
        var store = CreateStoreCore();
        opened.Add(store);
        return store;
    }

    public virtual void Dispose()
    {
        foreach (var s in opened) s.Dispose();
    }

    protected static readonly DateTimeOffset Date = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    protected static byte[] Message(int n, int bodyBytes = 100)
    {
        var sb = new StringBuilder();
        sb.Append("From: a@example.com\r\nTo: alice@example.com\r\nSubject: message ").Append(n).Append("\r\nX-N: ").Append(n).Append("\r\n\r\n");
        for (var i = 0; i < bodyBytes; i++) sb.Append((char)('a' + (n + i) % 26));
        sb.Append("\r\nEND\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    protected async Task<IMailStore> StoreWithAlice(long? quota = null)
    {
        var store = CreateStore();
        await store.Accounts.AddAsync(Alice, "secret", quota);
        return store;
    }

    [Fact]
    public async Task Delivered_bytes_read_back_identical()
    {
        var store = await StoreWithAlice();
        var data = new byte[70_000];
        new Random(1).NextBytes(data); // any bytes: NUL, bare CR and LF, 8-bit
        var stored = await store.DeliverAsync(Alice, "INBOX", data, Date);
        Assert.Equal(data.Length, stored.Size);
        Assert.Equal(Date, stored.InternalDate);
        Assert.True(stored.IsRecent);
        Assert.Equal(MessageFlags.None, stored.Flags);
        Assert.Equal(data, await store.ReadMessageAsync(Alice, "INBOX", stored.Uid));
        using var stream = store.OpenMessage(Alice, "inbox", stored.Uid);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(data, copy.ToArray());
        var listed = Assert.Single(store.ListMessages("ALICE@Example.COM", "Inbox"));
        Assert.Equal(stored.Uid, listed.Uid);
        Assert.Equal(stored.Id, listed.Id);
        Assert.Equal(data.Length, listed.Size);
    }

    [Fact]
    public async Task Message_reader_reads_whole_messages_and_checks_account_and_folder_once()
    {
        var store = await StoreWithAlice();
        var small = await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        var big = await store.DeliverAsync(Alice, "INBOX", Message(2, 300_000), Date);
        var empty = await store.DeliverAsync(Alice, "INBOX", Array.Empty<byte>(), Date);
        var reader = store.OpenMessageReader("ALICE@example.com", "inbox");
        Assert.Equal(Message(1), reader.Read(small.Uid));
        Assert.Equal(Message(2, 300_000), reader.Read(big.Uid));
        Assert.Empty(reader.Read(empty.Uid)!);
        Assert.Null(reader.Read(999));
        // A flag change renames the Maildir file: the reader finds it under its new name.
        await store.SetFlagsAsync(Alice, "INBOX", new[] { small.Uid }, MessageFlags.Seen | MessageFlags.Flagged, FlagChange.Add);
        Assert.Equal(Message(1), reader.Read(small.Uid));
        await store.DeleteMessagesAsync(Alice, "INBOX", new[] { small.Uid });
        Assert.Null(reader.Read(small.Uid));
        Assert.Throws<AccountNotFoundException>(() => store.OpenMessageReader("bob@example.com", "INBOX"));
        Assert.Throws<FolderNotFoundException>(() => store.OpenMessageReader(Alice, "Nope"));
    }

    [Fact]
    public async Task Empty_message_is_stored()
    {
        var store = await StoreWithAlice();
        var stored = await store.DeliverAsync(Alice, "INBOX", Array.Empty<byte>(), Date);
        Assert.Empty(await store.ReadMessageAsync(Alice, "INBOX", stored.Uid));
    }

    [Fact]
    public async Task New_account_has_inbox_and_special_folders()
    {
        var store = await StoreWithAlice();
        var folders = await store.GetFoldersAsync(Alice);
        Assert.Equal(new[] { "INBOX", "Drafts", "Junk", "Sent", "Trash" }, folders.Select(f => f.Name));
        Assert.Equal("\\Sent", folders.Single(f => f.Name == "Sent").SpecialUse);
        Assert.Equal("\\Junk", folders.Single(f => f.Name == "Junk").SpecialUse);
        Assert.Null(folders[0].SpecialUse);
        Assert.Equal('.', store.HierarchyDelimiter);
    }

    [Fact]
    public async Task Uids_ascend_and_are_never_reused_after_deletes()
    {
        var store = await StoreWithAlice();
        var uids = new List<uint>();
        for (var i = 0; i < 5; i++) uids.Add((await store.DeliverAsync(Alice, "INBOX", Message(i), Date)).Uid);
        Assert.Equal(uids.OrderBy(u => u), uids);
        Assert.Equal(uids.Count, uids.Distinct().Count());
        await store.DeleteMessagesAsync(Alice, "INBOX", new[] { uids[3], uids[4] });
        var next = await store.DeliverAsync(Alice, "INBOX", Message(9), Date);
        Assert.True(next.Uid > uids[4]);
        var status = store.GetFolderStatus(Alice, "INBOX");
        Assert.True(status.UidNext > next.Uid);
        Assert.Equal(4, status.Count);
        Assert.NotEqual(0u, status.UidValidity);
    }

    [Fact]
    public async Task Each_folder_has_its_own_uids_and_uidvalidity()
    {
        var store = await StoreWithAlice();
        var a = await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        var b = await store.DeliverAsync(Alice, "Sent", Message(2), Date);
        Assert.Equal(1u, a.Uid);
        Assert.Equal(1u, b.Uid);
        Assert.NotEqual(store.GetFolderStatus(Alice, "INBOX").UidValidity, store.GetFolderStatus(Alice, "Sent").UidValidity);
    }

    [Fact]
    public async Task Concurrent_deliveries_all_stored_with_distinct_uids()
    {
        var store = await StoreWithAlice();
        const int tasks = 8, each = 50;
        var results = new ConcurrentBag<(int N, StoredMessage M)>();
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                var n = t * each + i;
                results.Add((n, await store.DeliverAsync(Alice, "INBOX", Message(n, n % 300), Date)));
            }
        })));
        Assert.Equal(tasks * each, results.Count);
        Assert.Equal(tasks * each, results.Select(r => r.M.Uid).Distinct().Count());
        var listed = store.ListMessages(Alice, "INBOX");
        Assert.Equal(tasks * each, listed.Count);
        Assert.Equal(listed.Select(m => m.Uid).OrderBy(u => u), listed.Select(m => m.Uid));
        foreach (var (n, m) in results.Where(r => r.N % 37 == 0))
            Assert.Equal(Message(n, n % 300), await store.ReadMessageAsync(Alice, "INBOX", m.Uid));
        Assert.Equal(tasks * each, store.GetFolderStatus(Alice, "INBOX").Count);
    }

    [Fact]
    public async Task Reader_never_sees_a_partial_message()
    {
        var store = await StoreWithAlice();
        const int count = 120;
        var expected = Enumerable.Range(0, count).Select(n => Message(n, 20_000 + n * 97)).ToArray();
        var done = false;
        var checkedReads = 0;
        var readerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(async () =>
        {
            readerStarted.SetResult();
            // One last full pass after the deliveries end, so that something is checked even
            // when the deliveries (in memory) beat the reader.
            while (true)
            {
                var last = Volatile.Read(ref done);
                foreach (var m in store.ListMessages(Alice, "INBOX"))
                {
                    var bytes = await store.ReadMessageAsync(Alice, "INBOX", m.Uid);
                    Assert.Equal(m.Size, bytes.Length);
                    var text = Encoding.ASCII.GetString(bytes);
                    var xn = text.IndexOf("X-N: ", StringComparison.Ordinal);
                    var n = int.Parse(text.Substring(xn + 5, text.IndexOf('\r', xn) - xn - 5));
                    Assert.Equal(expected[n], bytes);
                    checkedReads++;
                }
                if (last) break;
            }
        });
        await readerStarted.Task;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            for (var n = t; n < count; n += 4) await store.DeliverAsync(Alice, "INBOX", expected[n], Date);
        })));
        Volatile.Write(ref done, true);
        await reader;
        Assert.Equal(count, store.ListMessages(Alice, "INBOX").Count);
        Assert.True(checkedReads > 0);
    }

    [Fact]
    public async Task Quota_is_enforced_and_freed_by_deletes()
    {
        var store = await StoreWithAlice(quota: 1000);
        var first = await store.DeliverAsync(Alice, "INBOX", new byte[600], Date);
        var e = await Assert.ThrowsAsync<QuotaExceededException>(() => store.DeliverAsync(Alice, "Sent", new byte[600], Date));
        Assert.Equal(1000, e.Quota);
        Assert.Equal(600, e.Used);
        Assert.Equal(600, e.Size);
        Assert.Equal(600, await store.GetUsedBytesAsync(Alice));
        await store.DeleteMessagesAsync(Alice, "INBOX", new[] { first.Uid });
        Assert.Equal(0, await store.GetUsedBytesAsync(Alice));
        await store.DeliverAsync(Alice, "INBOX", new byte[600], Date);
        await store.Accounts.UpdateAsync(Alice, new AccountUpdate { Quota = 0 });
        await store.DeliverAsync(Alice, "INBOX", new byte[6000], Date);
        Assert.Equal(6600, await store.GetUsedBytesAsync(Alice));
    }

    [Fact]
    public async Task Concurrent_deliveries_never_overrun_the_quota()
    {
        var store = await StoreWithAlice(quota: 10_000);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            try { await store.DeliverAsync(Alice, "INBOX", new byte[1000], Date); return true; }
            catch (QuotaExceededException) { return false; }
        })));
        Assert.Equal(10, outcomes.Count(o => o));
        Assert.Equal(10, store.ListMessages(Alice, "INBOX").Count);
    }

    [Fact]
    public async Task Disabled_and_unknown_accounts_are_refused()
    {
        var store = await StoreWithAlice();
        await store.Accounts.UpdateAsync(Alice, new AccountUpdate { Enabled = false });
        await Assert.ThrowsAsync<AccountDisabledException>(() => store.DeliverAsync(Alice, "INBOX", Message(1), Date));
        await Assert.ThrowsAsync<AccountNotFoundException>(() => store.DeliverAsync("bob@example.com", "INBOX", Message(1), Date));
        await store.Accounts.UpdateAsync(Alice, new AccountUpdate { Enabled = true });
        await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        await Assert.ThrowsAsync<FolderNotFoundException>(() => store.DeliverAsync(Alice, "Nope", Message(1), Date));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData("../../etc")]
    [InlineData("/etc/passwd")]
    [InlineData("C:\\Windows")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData(".hidden")]
    [InlineData("trailing.")]
    [InlineData("a..b")]
    [InlineData("nul\0byte")]
    [InlineData("line\nbreak")]
    [InlineData("")]
    public async Task Bad_folder_names_are_refused(string name)
    {
        var store = await StoreWithAlice();
        await Assert.ThrowsAsync<InvalidFolderNameException>(() => store.CreateFolderAsync(Alice, name));
        await Assert.ThrowsAsync<InvalidFolderNameException>(() => store.DeliverAsync(Alice, name, Message(1), Date));
        Assert.Throws<InvalidFolderNameException>(() => store.ListMessages(Alice, name));
        Assert.Equal(5, store.GetFolders(Alice).Count);
    }

    [Theory]
    [InlineData("../evil@example.com")]
    [InlineData("..@example.com")]
    [InlineData("/etc/passwd@x")]
    [InlineData("a\\..\\..\\b@c")]
    [InlineData(".@x")]
    [InlineData("%2e%2e@x")]
    public async Task Odd_account_addresses_are_neutralised(string address)
    {
        var store = CreateStore();
        await store.Accounts.AddAsync(address, "pw");
        var m = await store.DeliverAsync(address, "INBOX", Message(1), Date);
        Assert.Equal(Message(1), await store.ReadMessageAsync(address, "INBOX", m.Uid));
        Assert.Equal(5, store.GetFolders(address).Count);
        // a different address never shares the mailbox
        await store.Accounts.AddAsync("evil@example.com", "pw");
        Assert.Empty(store.ListMessages("evil@example.com", "INBOX"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-at-sign")]
    [InlineData("@example.com")]
    [InlineData("alice@")]
    [InlineData("nul\0@example.com")]
    [InlineData("two words@example.com")]
    public async Task Invalid_addresses_are_refused(string address)
    {
        var store = CreateStore();
        await Assert.ThrowsAsync<InvalidAccountAddressException>(() => store.Accounts.AddAsync(address, "pw"));
        Assert.Null(await store.Accounts.GetAsync(address));
    }

    [Fact]
    public async Task Flags_are_set_added_and_removed()
    {
        var store = await StoreWithAlice();
        var a = await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        var b = await store.DeliverAsync(Alice, "INBOX", Message(2), Date);
        Assert.Equal(2, store.GetFolderStatus(Alice, "INBOX").Unseen);
        var changed = await store.SetFlagsAsync(Alice, "INBOX", new[] { a.Uid, 999u }, MessageFlags.Seen | MessageFlags.Flagged, FlagChange.Add);
        Assert.Single(changed);
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, store.GetMessage(Alice, "INBOX", a.Uid)!.Flags);
        await store.SetFlagsAsync(Alice, "INBOX", new[] { a.Uid }, MessageFlags.Flagged, FlagChange.Remove);
        Assert.Equal(MessageFlags.Seen, store.GetMessage(Alice, "INBOX", a.Uid)!.Flags);
        await store.SetFlagsAsync(Alice, "INBOX", new[] { a.Uid, b.Uid }, MessageFlags.Answered | MessageFlags.Draft, FlagChange.Replace);
        Assert.All(store.ListMessages(Alice, "INBOX"), m => Assert.Equal(MessageFlags.Answered | MessageFlags.Draft, m.Flags));
        Assert.Equal(2, store.GetFolderStatus(Alice, "INBOX").Unseen);
        Assert.Equal(Message(1), await store.ReadMessageAsync(Alice, "INBOX", a.Uid));
    }

    [Fact]
    public async Task Recent_is_claimed_once()
    {
        var store = await StoreWithAlice();
        await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        await store.DeliverAsync(Alice, "INBOX", Message(2), Date);
        Assert.Equal(2, store.GetFolderStatus(Alice, "INBOX").Recent);
        Assert.Equal(2, (await store.ClaimRecentAsync(Alice, "INBOX")).Count);
        Assert.Empty(await store.ClaimRecentAsync(Alice, "INBOX"));
        Assert.Equal(0, store.GetFolderStatus(Alice, "INBOX").Recent);
        Assert.All(store.ListMessages(Alice, "INBOX"), m => Assert.False(m.IsRecent));
        // RFC 3501 §2.3.2: an appended message is recent too, whoever appended it; the next session claims it.
        var appended = await store.AppendAsync(Alice, "INBOX", Message(3), MessageFlags.Seen, Date);
        Assert.True(appended.IsRecent);
        Assert.Equal(MessageFlags.Seen, appended.Flags);
        Assert.Equal(new[] { appended.Uid }, (await store.ClaimRecentAsync(Alice, "INBOX")).Select(m => m.Uid));
        Assert.Equal(MessageFlags.Seen, store.GetMessage(Alice, "INBOX", appended.Uid)!.Flags);
    }

    [Fact]
    public async Task Recency_stays_through_flag_changes_and_copies_are_recent()
    {
        var store = await StoreWithAlice();
        var a = await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        await store.SetFlagsAsync(Alice, "INBOX", new[] { a.Uid }, MessageFlags.Seen, FlagChange.Add);
        Assert.True(store.GetMessage(Alice, "INBOX", a.Uid)!.IsRecent); // a STORE is not a claim
        Assert.Single(await store.ClaimRecentAsync(Alice, "INBOX"));
        var map = await store.CopyMessagesAsync(Alice, "INBOX", new[] { a.Uid }, "Trash");
        Assert.True(store.GetMessage(Alice, "Trash", map[0].Value)!.IsRecent);
        Assert.Equal(1, store.GetFolderStatus(Alice, "Trash").Recent);
        Assert.Equal(new[] { map[0].Value }, (await store.ClaimRecentAsync(Alice, "Trash")).Select(m => m.Uid));
        Assert.Equal(MessageFlags.Seen, store.GetMessage(Alice, "Trash", map[0].Value)!.Flags);
    }

    [Fact]
    public async Task Keywords_are_set_added_and_removed_case_insensitively()
    {
        var store = await StoreWithAlice();
        var a = await store.AppendAsync(Alice, "INBOX", Message(1), MessageFlags.Seen, new[] { "Junk", "$Label1" }, Date);
        Assert.Equal(new[] { "$Label1", "Junk" }, a.Keywords);
        var result = await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.None, new[] { "junk", "Work" }, FlagChange.Add));
        Assert.Equal(new[] { "$Label1", "Junk", "Work" }, Assert.Single(result.Changed).Keywords);
        await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.None, new[] { "JUNK" }, FlagChange.Remove));
        Assert.Equal(new[] { "$Label1", "Work" }, store.GetMessage(Alice, "INBOX", a.Uid)!.Keywords);
        Assert.Equal(MessageFlags.Seen, store.GetMessage(Alice, "INBOX", a.Uid)!.Flags);
        await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.Flagged, new[] { "Done" }, FlagChange.Replace));
        var now = store.GetMessage(Alice, "INBOX", a.Uid)!;
        Assert.Equal(new[] { "Done" }, now.Keywords);
        Assert.Equal(MessageFlags.Flagged, now.Flags);
        var status = store.GetFolderStatus(Alice, "INBOX");
        Assert.Contains("Done", status.Keywords);
        Assert.True(status.CanCreateKeywords);
        var map = await store.CopyMessagesAsync(Alice, "INBOX", new[] { a.Uid }, "Trash");
        Assert.Equal(new[] { "Done" }, store.GetMessage(Alice, "Trash", map[0].Value)!.Keywords);
    }

    [Fact]
    public async Task ModSeq_rises_only_for_real_changes_and_unchangedsince_reports_the_others()
    {
        var store = await StoreWithAlice();
        var a = await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        var b = await store.DeliverAsync(Alice, "INBOX", Message(2), Date);
        Assert.True(a.ModSeq > 0);
        Assert.True(b.ModSeq > a.ModSeq);
        Assert.Equal(b.ModSeq, store.GetFolderStatus(Alice, "INBOX").HighestModSeq);

        var seen = await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.Seen, null, FlagChange.Add));
        var aSeen = Assert.Single(seen.Changed);
        Assert.True(aSeen.ModSeq > b.ModSeq);
        Assert.Equal(aSeen.ModSeq, store.GetFolderStatus(Alice, "INBOX").HighestModSeq);

        // Nothing to change: no new MODSEQ.
        var again = await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.Seen, null, FlagChange.Add));
        Assert.Empty(again.Changed);
        Assert.Equal(aSeen.ModSeq, store.GetMessage(Alice, "INBOX", a.Uid)!.ModSeq);

        // UNCHANGEDSINCE b's MODSEQ: a changed after it and is left alone; b is changed.
        var conditional = await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid, b.Uid }, new FlagUpdate(MessageFlags.Flagged, null, FlagChange.Add, b.ModSeq));
        Assert.Equal(new[] { a.Uid }, conditional.Modified);
        Assert.Equal(new[] { b.Uid }, conditional.Changed.Select(m => m.Uid));
        Assert.Equal(MessageFlags.Seen, store.GetMessage(Alice, "INBOX", a.Uid)!.Flags);
        Assert.True(conditional.Changed[0].ModSeq > aSeen.ModSeq);

        var before = store.GetFolderStatus(Alice, "INBOX").HighestModSeq;
        var appended = await store.AppendAsync(Alice, "INBOX", Message(3), MessageFlags.None, Date);
        Assert.True(appended.ModSeq > before);
        await store.SetFlagsAsync(Alice, "INBOX", new[] { a.Uid }, MessageFlags.Deleted, FlagChange.Add);
        var beforeExpunge = store.GetFolderStatus(Alice, "INBOX").HighestModSeq;
        await store.ExpungeAsync(Alice, "INBOX");
        Assert.True(store.GetFolderStatus(Alice, "INBOX").HighestModSeq > beforeExpunge);
    }

    [Fact]
    public async Task ListMessagesChangedSince_lists_exactly_the_messages_changed_after_a_modseq_ascending()
    {
        var store = await StoreWithAlice();
        var a = await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        var b = await store.DeliverAsync(Alice, "INBOX", Message(2), Date);
        var c = await store.DeliverAsync(Alice, "INBOX", Message(3), Date);
        var since = store.GetFolderStatus(Alice, "INBOX").HighestModSeq;
        Assert.Empty(store.ListMessagesChangedSince(Alice, "INBOX", since));

        // c first, then a: the answer is still in UID order, with the new MODSEQs.
        await store.UpdateFlagsAsync(Alice, "INBOX", new[] { c.Uid }, new FlagUpdate(MessageFlags.Flagged, null, FlagChange.Add));
        await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.Seen, null, FlagChange.Add));
        var changed = store.ListMessagesChangedSince(Alice, "INBOX", since);
        Assert.Equal(new[] { a.Uid, c.Uid }, changed.Select(m => m.Uid));
        Assert.Equal(MessageFlags.Seen, changed[0].Flags);
        Assert.All(changed, m => Assert.True(m.ModSeq > since));
        Assert.Equal(new[] { a.Uid, b.Uid, c.Uid }, store.ListMessagesChangedSince(Alice, "INBOX", 0).Select(m => m.Uid));
    }

    [Fact]
    public async Task Expunge_removes_only_deleted_messages()
    {
        var store = await StoreWithAlice();
        var uids = new List<uint>();
        for (var i = 0; i < 4; i++) uids.Add((await store.DeliverAsync(Alice, "INBOX", Message(i), Date)).Uid);
        await store.SetFlagsAsync(Alice, "INBOX", new[] { uids[0], uids[2], uids[3] }, MessageFlags.Deleted, FlagChange.Add);
        Assert.Equal(new[] { uids[0] }, await store.ExpungeAsync(Alice, "INBOX", new[] { uids[0], uids[1] }));
        Assert.Equal(new[] { uids[2], uids[3] }, await store.ExpungeAsync(Alice, "INBOX"));
        Assert.Equal(new[] { uids[1] }, store.ListMessages(Alice, "INBOX").Select(m => m.Uid));
        await Assert.ThrowsAsync<MessageNotFoundException>(() => store.ReadMessageAsync(Alice, "INBOX", uids[0]));
        Assert.Null(store.GetMessage(Alice, "INBOX", uids[0]));
    }

    [Fact]
    public async Task Folders_are_created_renamed_with_children_and_deleted()
    {
        var store = await StoreWithAlice();
        await store.CreateFolderAsync(Alice, "Projects");
        await store.CreateFolderAsync(Alice, "Projects.2026");
        await Assert.ThrowsAsync<FolderExistsException>(() => store.CreateFolderAsync(Alice, "Projects"));
        await Assert.ThrowsAsync<FolderExistsException>(() => store.CreateFolderAsync(Alice, "inbox"));
        var m = await store.DeliverAsync(Alice, "Projects.2026", Message(7), Date);
        var validity = store.GetFolderStatus(Alice, "Projects.2026").UidValidity;

        await store.RenameFolderAsync(Alice, "Projects", "Archive");
        var names = store.GetFolders(Alice).Select(f => f.Name).ToList();
        Assert.Contains("Archive", names);
        Assert.Contains("Archive.2026", names);
        Assert.DoesNotContain("Projects", names);
        Assert.DoesNotContain("Projects.2026", names);
        Assert.Equal(Message(7), await store.ReadMessageAsync(Alice, "Archive.2026", m.Uid));
        Assert.Equal(validity, store.GetFolderStatus(Alice, "Archive.2026").UidValidity);
        Assert.Throws<FolderNotFoundException>(() => store.ListMessages(Alice, "Projects.2026"));

        await Assert.ThrowsAsync<InvalidFolderNameException>(() => store.DeleteFolderAsync(Alice, "INBOX"));
        await Assert.ThrowsAsync<InvalidFolderNameException>(() => store.RenameFolderAsync(Alice, "INBOX", "Old"));
        await Assert.ThrowsAsync<FolderExistsException>(() => store.RenameFolderAsync(Alice, "Archive", "Sent"));
        await Assert.ThrowsAsync<FolderNotFoundException>(() => store.DeleteFolderAsync(Alice, "Nope"));

        Assert.Equal(Message(7).Length, await store.GetUsedBytesAsync(Alice));
        await store.DeleteFolderAsync(Alice, "Archive.2026");
        Assert.Equal(0, await store.GetUsedBytesAsync(Alice));
        await store.CreateFolderAsync(Alice, "Archive.2026");
        Assert.Empty(store.ListMessages(Alice, "Archive.2026"));
        Assert.NotEqual(validity, store.GetFolderStatus(Alice, "Archive.2026").UidValidity);
    }

    [Fact]
    public async Task Copy_keeps_bytes_flags_and_date()
    {
        var store = await StoreWithAlice();
        var a = await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        var b = await store.DeliverAsync(Alice, "INBOX", Message(2), Date.AddDays(1));
        await store.SetFlagsAsync(Alice, "INBOX", new[] { b.Uid }, MessageFlags.Seen, FlagChange.Add);
        var map = await store.CopyMessagesAsync(Alice, "INBOX", new[] { b.Uid, a.Uid, 77u }, "Trash");
        Assert.Equal(new[] { a.Uid, b.Uid }, map.Select(kv => kv.Key));
        var copyB = store.GetMessage(Alice, "Trash", map[1].Value)!;
        Assert.Equal(MessageFlags.Seen, copyB.Flags);
        Assert.Equal(Date.AddDays(1), copyB.InternalDate);
        Assert.Equal(Message(2), await store.ReadMessageAsync(Alice, "Trash", copyB.Uid));
        Assert.Equal(4 * Message(1).Length, await store.GetUsedBytesAsync(Alice)); // two originals, two copies
    }

    [Fact]
    public async Task Move_keeps_bytes_flags_and_date_and_removes_the_originals()
    {
        var store = await StoreWithAlice();
        var a = await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        var b = await store.DeliverAsync(Alice, "INBOX", Message(2), Date.AddDays(1));
        var c = await store.DeliverAsync(Alice, "INBOX", Message(3), Date);
        await store.SetFlagsAsync(Alice, "INBOX", new[] { b.Uid }, MessageFlags.Flagged, FlagChange.Add);
        var changed = new List<FolderChangedEventArgs>();
        store.FolderChanged += (_, e) => { lock (changed) changed.Add(e); };
        var used = await store.GetUsedBytesAsync(Alice);

        var map = await store.MoveMessagesAsync(Alice, "INBOX", new[] { b.Uid, a.Uid, 77u }, "Trash");

        Assert.Equal(new[] { a.Uid, b.Uid }, map.Select(kv => kv.Key));
        Assert.Equal(map[0].Value + 1, map[1].Value); // consecutive UIDs in the target
        Assert.Equal(new[] { c.Uid }, store.ListMessages(Alice, "INBOX").Select(m => m.Uid));
        var movedB = store.GetMessage(Alice, "Trash", map[1].Value)!;
        Assert.Equal(MessageFlags.Flagged, movedB.Flags);
        Assert.Equal(Date.AddDays(1), movedB.InternalDate);
        Assert.Equal(Message(2), await store.ReadMessageAsync(Alice, "Trash", movedB.Uid));
        Assert.Equal(used, await store.GetUsedBytesAsync(Alice));
        Assert.Contains(changed, e => e.Folder == "Trash" && e.Kind == FolderChangeKind.Added && e.Uids.SequenceEqual(map.Select(kv => kv.Value)));
        Assert.Contains(changed, e => e.Folder == "INBOX" && e.Kind == FolderChangeKind.Expunged && e.Uids.OrderBy(u => u).SequenceEqual(new[] { a.Uid, b.Uid }));
        Assert.Empty(await store.MoveMessagesAsync(Alice, "INBOX", new[] { a.Uid }, "Trash")); // already gone
    }

    [Fact]
    public async Task Copy_over_quota_copies_nothing()
    {
        var store = await StoreWithAlice(quota: 3L * Message(1).Length);
        var a = await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        var b = await store.DeliverAsync(Alice, "INBOX", Message(2), Date);
        await Assert.ThrowsAsync<QuotaExceededException>(() => store.CopyMessagesAsync(Alice, "INBOX", new[] { a.Uid, b.Uid }, "Trash"));
        Assert.Empty(store.ListMessages(Alice, "Trash"));
        Assert.Equal(2L * Message(1).Length, await store.GetUsedBytesAsync(Alice));
        // a move within the account needs no room
        Assert.Equal(2, (await store.MoveMessagesAsync(Alice, "INBOX", new[] { a.Uid, b.Uid }, "Trash")).Count);
    }

    [Fact]
    public async Task Delivery_raises_events_and_wakes_waiters()
    {
        var store = await StoreWithAlice();
        var delivered = new List<MessageDeliveredEventArgs>();
        var changed = new List<FolderChangedEventArgs>();
        store.MessageDelivered += (_, e) => { lock (delivered) delivered.Add(e); };
        store.FolderChanged += (_, e) => { lock (changed) changed.Add(e); };

        var waiter = store.WaitForMessageAsync(Alice, "INBOX", m => m.Size > 500, TimeSpan.FromSeconds(10));
        var anyWaiter = store.WaitForDeliveryAsync(e => e.Folder == "INBOX", TimeSpan.FromSeconds(10));
        await store.DeliverAsync(Alice, "INBOX", Message(1, 10), Date);
        Assert.False(waiter.IsCompleted);
        var big = await store.DeliverAsync(Alice, "INBOX", Message(2, 1000), Date);
        Assert.Equal(big.Uid, (await waiter)!.Uid);
        Assert.Equal(Alice, (await anyWaiter)!.Account);

        Assert.Equal(2, delivered.Count);
        Assert.Equal("INBOX", delivered[1].Folder);
        Assert.Equal(big.Uid, delivered[1].Message.Uid);
        await store.SetFlagsAsync(Alice, "INBOX", new[] { big.Uid }, MessageFlags.Deleted, FlagChange.Add);
        await store.ExpungeAsync(Alice, "INBOX");
        Assert.Equal(new[] { FolderChangeKind.Added, FolderChangeKind.Added, FolderChangeKind.FlagsChanged, FolderChangeKind.Expunged }, changed.Select(c => c.Kind));
        Assert.Equal(new[] { big.Uid }, changed[3].Uids);

        // an existing message satisfies the wait at once; none times out with null
        Assert.NotNull(await store.WaitForMessageAsync(Alice, "INBOX", null, TimeSpan.FromSeconds(5)));
        Assert.Null(await store.WaitForMessageAsync(Alice, "Sent", null, TimeSpan.FromMilliseconds(100)));
        using var cts = new CancellationTokenSource(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WaitForMessageAsync(Alice, "Sent", null, Timeout.InfiniteTimeSpan, cts.Token));
    }

    [Fact]
    public async Task A_throwing_event_handler_does_not_fail_the_delivery()
    {
        var store = await StoreWithAlice();
        var later = 0;
        store.MessageDelivered += (_, _) => throw new InvalidOperationException("handler bug");
        store.MessageDelivered += (_, _) => later++;
        var m = await store.DeliverAsync(Alice, "INBOX", Message(1), Date);
        Assert.Equal(1, later);
        Assert.NotNull(store.GetMessage(Alice, "INBOX", m.Uid));
    }

    [Fact]
    public async Task Accounts_are_added_found_updated_and_removed()
    {
        var store = CreateStore();
        var added = await store.Accounts.AddAsync("  Alice@Example.COM ", "pw1", 5000);
        Assert.Equal(Alice, added.Address);
        Assert.Equal(5000, added.Quota);
        Assert.True(added.Enabled);
        Assert.True((DateTimeOffset.UtcNow - added.Created).Duration() < TimeSpan.FromMinutes(1));
        await Assert.ThrowsAsync<AccountExistsException>(() => store.Accounts.AddAsync("ALICE@example.com", "x"));
        Assert.Equal(Alice, (await store.Accounts.GetAsync("alice@EXAMPLE.com"))!.Address);

        var secure = new SecureString();
        foreach (var c in "pw2") secure.AppendChar(c);
        await store.Accounts.AddAsync("bob@example.com", secure, enabled: false);
        Assert.Equal(new[] { Alice, "bob@example.com" }, (await store.Accounts.ListAsync()).Select(a => a.Address));

        var updated = await store.Accounts.UpdateAsync(Alice, new AccountUpdate { Password = "new", Quota = 0, Enabled = false });
        Assert.Null(updated.Quota);
        Assert.False(updated.Enabled);
        Assert.Equal(added.Created, updated.Created);
        await Assert.ThrowsAsync<AccountNotFoundException>(() => store.Accounts.UpdateAsync("nobody@example.com", new AccountUpdate { Enabled = true }));

        await Assert.ThrowsAsync<AccountDisabledException>(() => store.DeliverAsync("bob@example.com", "INBOX", Message(1), Date));
        await store.AppendAsync(Alice, "INBOX", Message(1), MessageFlags.None, Date).ContinueWith(t => Assert.IsType<AccountDisabledException>(t.Exception!.InnerException));
        Assert.True(await store.Accounts.RemoveAsync("BOB@example.com"));
        Assert.False(await store.Accounts.RemoveAsync("bob@example.com"));
        Assert.Null(await store.Accounts.GetAsync("bob@example.com"));
        await Assert.ThrowsAsync<AccountNotFoundException>(() => Task.Run(() => store.ListMessages("bob@example.com", "INBOX")));
        // re-added: a fresh, empty mailbox
        await store.Accounts.AddAsync("bob@example.com", "pw");
        Assert.Empty(store.ListMessages("bob@example.com", "INBOX"));
    }

    [Fact]
    public async Task Passwords_verify_only_when_right_and_enabled()
    {
        var store = CreateStore();
        await store.Accounts.AddAsync(Alice, "correct horse");
        Assert.NotNull(await store.Accounts.VerifyPasswordAsync("ALICE@example.com", "correct horse"));
        Assert.Null(await store.Accounts.VerifyPasswordAsync(Alice, "Correct horse"));
        Assert.Null(await store.Accounts.VerifyPasswordAsync(Alice, ""));
        Assert.Null(await store.Accounts.VerifyPasswordAsync("nobody@example.com", "correct horse"));
        Assert.Null(await store.Accounts.VerifyPasswordAsync("not an address", "correct horse"));
        var secure = new SecureString();
        foreach (var c in "correct horse") secure.AppendChar(c);
        Assert.NotNull(await store.Accounts.VerifyPasswordAsync(Alice, secure));

        await store.Accounts.UpdateAsync(Alice, new AccountUpdate { Enabled = false });
        Assert.Null(await store.Accounts.VerifyPasswordAsync(Alice, "correct horse"));
        await store.Accounts.UpdateAsync(Alice, new AccountUpdate { Enabled = true, SecurePassword = secure.Copy() });
        Assert.NotNull(await store.Accounts.VerifyPasswordAsync(Alice, "correct horse"));
        await store.Accounts.UpdateAsync(Alice, new AccountUpdate { Password = "änderung" });
        Assert.Null(await store.Accounts.VerifyPasswordAsync(Alice, "correct horse"));
        Assert.NotNull(await store.Accounts.VerifyPasswordAsync(Alice, "änderung"));
    }
}

public sealed class InMemoryStoreContractTests : MailStoreContractTests
{
    protected override IMailStore CreateStoreCore() => new InMemoryStore(Iterations);
}
