using System.Text;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>Keywords, MODSEQ and \Recent as the Maildir store keeps them on disk: Dovecot's way, across restarts and crashes.</summary>
public sealed class MaildirFolderStateTests : IDisposable
{
    private const string Alice = "alice@example.com";
    private static readonly DateTimeOffset Date = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private readonly TempDirectory root = new();
    private readonly List<TempDirectory> crashImages = new();
    private readonly List<MaildirStore> opened = new();

    public void Dispose()
    {
        foreach (var s in opened) s.Dispose();
        foreach (var d in crashImages) d.Dispose();
        root.Dispose();
    }

    private MaildirStore Open(string? path = null)
    {
        var store = new MaildirStore(path ?? root.Path, 1000);
        opened.Add(store);
        return store;
    }

    private async Task<MaildirStore> OpenWithAlice()
    {
        var store = Open();
        await store.Accounts.AddAsync(Alice, "pw");
        return store;
    }

    private static byte[] Msg(int n) => Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\nbody {n}\r\n");

    private string Inbox => Path.Combine(root.Path, "alice@example.com");

    private static string CurName(string folderDir, StoredMessage m)
        => Assert.Single(Directory.GetFiles(Path.Combine(folderDir, "cur"), m.Id + "*")).Substring(Path.Combine(folderDir, "cur").Length + 1);

    /// <summary>
    /// Flag changes reach the file name after the deferred rename (MaildirFolder.RenameDelay): waits up to five
    /// seconds for <paramref name="expected"/>, then compares what is there.
    /// </summary>
    private static async Task AssertCurNameBecomes(string folderDir, StoredMessage m, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (CurName(folderDir, m) != expected && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(expected, CurName(folderDir, m));
    }

    /// <summary>
    /// What a kill -9 or a power cut leaves: the files as they are now, with the store still open. Copied with cp,
    /// which (like a crash) ignores the lock the live store holds on its flag journal.
    /// </summary>
    private string CrashImage(string path)
    {
        var image = new TempDirectory();
        crashImages.Add(image);
        CrashCopy.Tree(path, image.Path);
        return image.Path;
    }

    [Fact]
    public async Task Keywords_are_letters_in_the_file_name_and_lines_in_dovecot_keywords()
    {
        var store = await OpenWithAlice();
        var a = await store.AppendAsync(Alice, "INBOX", Msg(1), MessageFlags.Seen | MessageFlags.Flagged, new[] { "Junk", "$Label1" }, Date);
        // Letters go in the order the keywords are first stored (here sorted: one APPEND).
        Assert.Equal("0 $Label1\n1 Junk\n", File.ReadAllText(Path.Combine(Inbox, "dovecot-keywords")));
        await AssertCurNameBecomes(Inbox, a, a.Id + ":2,FSab");
        await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.Draft, new[] { "$label1", "Work" }, FlagChange.Replace));
        await AssertCurNameBecomes(Inbox, a, a.Id + ":2,Dac");
        Assert.Equal("0 $Label1\n1 Junk\n2 Work\n", File.ReadAllText(Path.Combine(Inbox, "dovecot-keywords")));
        Assert.Equal(new[] { "$Label1", "Work" }, store.GetMessage(Alice, "INBOX", a.Uid)!.Keywords);

        store.Dispose();
        var reopened = Open();
        Assert.Equal(new[] { "$Label1", "Work" }, reopened.GetMessage(Alice, "INBOX", a.Uid)!.Keywords);
        Assert.Equal(MessageFlags.Draft, reopened.GetMessage(Alice, "INBOX", a.Uid)!.Flags);
        Assert.Equal(new[] { "$Label1", "Junk", "Work" }, reopened.GetFolderStatus(Alice, "INBOX").Keywords);
    }

    [Fact]
    public async Task A_folder_holds_26_keywords_and_refuses_a_27th_clearly()
    {
        var store = await OpenWithAlice();
        var a = await store.AppendAsync(Alice, "INBOX", Msg(1), MessageFlags.None, Date);
        var names = Enumerable.Range(0, 26).Select(i => "k" + i).ToArray();
        await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.None, names.Take(25).ToArray(), FlagChange.Add));
        // Two new ones with one letter left: refused whole, the last letter stays free.
        await Assert.ThrowsAsync<MailStoreException>(() =>
            store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.None, new[] { "x1", "x2" }, FlagChange.Add)));
        Assert.True(store.GetFolderStatus(Alice, "INBOX").CanCreateKeywords);
        await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.None, names.Skip(25).ToArray(), FlagChange.Add));
        var status = store.GetFolderStatus(Alice, "INBOX");
        Assert.False(status.CanCreateKeywords);
        Assert.Equal(26, status.Keywords.Count);
        await AssertCurNameBecomes(Inbox, a, a.Id + ":2,abcdefghijklmnopqrstuvwxyz");

        var error = await Assert.ThrowsAsync<MailStoreException>(() =>
            store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.Seen, new[] { "OneTooMany" }, FlagChange.Add)));
        Assert.Contains("26 keywords", error.Message);
        Assert.Equal(MessageFlags.None, store.GetMessage(Alice, "INBOX", a.Uid)!.Flags); // nothing half done
        await Assert.ThrowsAsync<MailStoreException>(() => store.AppendAsync(Alice, "INBOX", Msg(2), MessageFlags.None, new[] { "OneTooMany" }, Date));
        // Known keywords still work, in any case.
        await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.None, new[] { "K3" }, FlagChange.Remove));
        Assert.DoesNotContain("k3", store.GetMessage(Alice, "INBOX", a.Uid)!.Keywords);
    }

    [Fact]
    public async Task Copy_remaps_keyword_letters_through_the_target_folder()
    {
        var store = await OpenWithAlice();
        // The target already knows "Work" under letter a, so the source's letters cannot be taken over as they are.
        var t = await store.AppendAsync(Alice, "Trash", Msg(9), MessageFlags.None, new[] { "Work" }, Date);
        var a = await store.AppendAsync(Alice, "INBOX", Msg(1), MessageFlags.Seen, new[] { "Junk", "Work" }, Date);
        await AssertCurNameBecomes(Inbox, a, a.Id + ":2,Sab"); // Junk a, Work b here
        var map = await store.CopyMessagesAsync(Alice, "INBOX", new[] { a.Uid }, "Trash");
        var copy = store.GetMessage(Alice, "Trash", map[0].Value)!;
        Assert.Equal(new[] { "Junk", "Work" }, copy.Keywords);
        var trash = Path.Combine(Inbox, ".Trash");
        Assert.Equal("0 Work\n1 Junk\n", File.ReadAllText(Path.Combine(trash, "dovecot-keywords")));
        await AssertCurNameBecomes(trash, copy, copy.Id + ":2,Sab");
        await AssertCurNameBecomes(trash, t, t.Id + ":2,a");

        var moved = await store.MoveMessagesAsync(Alice, "Trash", new[] { t.Uid }, "INBOX");
        Assert.Equal(new[] { "Work" }, store.GetMessage(Alice, "INBOX", moved[0].Value)!.Keywords);
        Assert.EndsWith(":2,b", CurName(Inbox, store.GetMessage(Alice, "INBOX", moved[0].Value)!));
    }

    [Fact]
    public async Task Keywords_another_program_sets_are_read()
    {
        var store = await OpenWithAlice();
        var a = await store.AppendAsync(Alice, "INBOX", Msg(1), MessageFlags.Seen, Date);
        store.Dispose();
        File.WriteAllText(Path.Combine(Inbox, "dovecot-keywords"), "3 $Forwarded\n7 NonJunk\n");
        File.Move(Path.Combine(Inbox, "cur", CurName(Inbox, a)), Path.Combine(Inbox, "cur", a.Id + ":2,RSdh"));
        var reopened = Open();
        var m = reopened.GetMessage(Alice, "INBOX", a.Uid)!;
        Assert.Equal(new[] { "$Forwarded", "NonJunk" }, m.Keywords);
        Assert.Equal(MessageFlags.Seen | MessageFlags.Answered, m.Flags);
        // A new keyword takes a free letter, leaving the other program's as they are.
        await reopened.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.None, new[] { "Mine" }, FlagChange.Add));
        Assert.Equal("0 Mine\n3 $Forwarded\n7 NonJunk\n", File.ReadAllText(Path.Combine(Inbox, "dovecot-keywords")));
        await AssertCurNameBecomes(Inbox, a, a.Id + ":2,RSadh");
    }

    [Fact]
    public async Task New_keywords_wait_for_dovecots_lock_and_break_a_stale_one()
    {
        var store = await OpenWithAlice();
        var a = await store.AppendAsync(Alice, "INBOX", Msg(1), MessageFlags.None, Date);
        var lockPath = Path.Combine(Inbox, "dovecot-keywords.lock");
        File.WriteAllText(lockPath, "");
        var update = Task.Run(() => store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.None, new[] { "Waited" }, FlagChange.Add)));
        await Task.Delay(300);
        Assert.False(update.IsCompleted); // Dovecot holds the lock
        File.Delete(lockPath);
        await update.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new[] { "Waited" }, store.GetMessage(Alice, "INBOX", a.Uid)!.Keywords);
        Assert.False(File.Exists(lockPath));

        File.WriteAllText(lockPath, "");
        File.SetLastWriteTimeUtc(lockPath, DateTime.UtcNow.AddMinutes(-5)); // left by a crash
        await store.UpdateFlagsAsync(Alice, "INBOX", new[] { a.Uid }, new FlagUpdate(MessageFlags.None, new[] { "AfterStale" }, FlagChange.Add));
        Assert.Equal("0 Waited\n1 AfterStale\n", File.ReadAllText(Path.Combine(Inbox, "dovecot-keywords")));
        Assert.False(File.Exists(lockPath));
    }

    [Fact]
    public async Task ModSeqs_are_the_same_after_a_clean_restart()
    {
        var store = await OpenWithAlice();
        for (var i = 0; i < 3; i++) await store.DeliverAsync(Alice, "INBOX", Msg(i), Date);
        var uids = store.ListMessages(Alice, "INBOX").Select(m => m.Uid).ToArray();
        await store.SetFlagsAsync(Alice, "INBOX", new[] { uids[1] }, MessageFlags.Seen, FlagChange.Add);
        var before = store.ListMessages(Alice, "INBOX").ToDictionary(m => m.Uid, m => m.ModSeq);
        var highest = store.GetFolderStatus(Alice, "INBOX").HighestModSeq;
        store.Dispose();

        var reopened = Open();
        Assert.Equal(before, reopened.ListMessages(Alice, "INBOX").ToDictionary(m => m.Uid, m => m.ModSeq));
        Assert.Equal(highest, reopened.GetFolderStatus(Alice, "INBOX").HighestModSeq);
        var changed = await reopened.SetFlagsAsync(Alice, "INBOX", new[] { uids[0] }, MessageFlags.Flagged, FlagChange.Add);
        Assert.True(changed[0].ModSeq > highest);
    }

    [Fact]
    public async Task ModSeqs_never_go_backwards_after_a_crash()
    {
        var store = await OpenWithAlice();
        for (var i = 0; i < 3; i++) await store.DeliverAsync(Alice, "INBOX", Msg(i), Date);
        var uids = store.ListMessages(Alice, "INBOX").Select(m => m.Uid).ToArray();
        store.Dispose(); // a clean state on disk first: the crash must not bring it back
        store = Open();
        for (var i = 0; i < 5; i++)
            await store.SetFlagsAsync(Alice, "INBOX", new[] { uids[i % 3] }, i % 2 == 0 ? MessageFlags.Seen : MessageFlags.Flagged, FlagChange.Add);
        var seen = store.ListMessages(Alice, "INBOX").ToDictionary(m => m.Uid, m => m.ModSeq);
        var highest = store.GetFolderStatus(Alice, "INBOX").HighestModSeq;

        var crashed = Open(CrashImage(root.Path));
        var after = crashed.ListMessages(Alice, "INBOX").ToDictionary(m => m.Uid, m => m.ModSeq);
        Assert.Equal(seen.Keys, after.Keys);
        // Every message counts as changed (a client resyncs once), none lower than a MODSEQ given out before.
        Assert.All(after.Values, modSeq => Assert.True(modSeq > highest, $"{modSeq} after the crash, {highest} before"));
        Assert.True(crashed.GetFolderStatus(Alice, "INBOX").HighestModSeq > highest);
        var flags = store.ListMessages(Alice, "INBOX").ToDictionary(m => m.Uid, m => m.Flags);
        Assert.Equal(flags, crashed.ListMessages(Alice, "INBOX").ToDictionary(m => m.Uid, m => m.Flags));

        // A second crash right after the first recovery: still never lower than what the first recovery showed.
        var shown = crashed.GetFolderStatus(Alice, "INBOX").HighestModSeq;
        await crashed.SetFlagsAsync(Alice, "INBOX", new[] { uids[0] }, MessageFlags.Draft, FlagChange.Add);
        var shownAfterChange = crashed.GetFolderStatus(Alice, "INBOX").HighestModSeq;
        Assert.True(shownAfterChange > shown);
        var again = Open(CrashImage(crashed.RootPath));
        Assert.All(again.ListMessages(Alice, "INBOX"), m => Assert.True(m.ModSeq > shownAfterChange));
    }

    [Fact]
    public async Task Recency_survives_a_restart_claimed_or_not()
    {
        var store = await OpenWithAlice();
        var delivered = await store.DeliverAsync(Alice, "INBOX", Msg(1), Date);
        var appended = await store.AppendAsync(Alice, "INBOX", Msg(2), MessageFlags.Seen, Date);
        Assert.Equal(2, (await store.ClaimRecentAsync(Alice, "INBOX")).Count);
        Assert.False(File.Exists(Path.Combine(Inbox, "new", delivered.Id))); // claimed deliveries leave new/
        var unclaimed = await store.AppendAsync(Alice, "INBOX", Msg(3), MessageFlags.Seen, Date);
        var copied = await store.CopyMessagesAsync(Alice, "INBOX", new[] { appended.Uid }, "Trash");
        store.Dispose();

        var reopened = Open();
        Assert.False(reopened.GetMessage(Alice, "INBOX", delivered.Uid)!.IsRecent);
        Assert.False(reopened.GetMessage(Alice, "INBOX", appended.Uid)!.IsRecent);
        Assert.True(reopened.GetMessage(Alice, "INBOX", unclaimed.Uid)!.IsRecent);
        Assert.True(reopened.GetMessage(Alice, "Trash", copied[0].Value)!.IsRecent);
        Assert.Equal(1, reopened.GetFolderStatus(Alice, "INBOX").Recent);
        Assert.Equal(new[] { unclaimed.Uid }, (await reopened.ClaimRecentAsync(Alice, "INBOX")).Select(m => m.Uid));
    }
}
