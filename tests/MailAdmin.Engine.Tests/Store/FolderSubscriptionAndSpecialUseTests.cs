using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>What both stores keep for IMAP beside the messages: subscriptions per account, a created folder's special use.</summary>
public abstract class FolderSubscriptionAndSpecialUseTests : IDisposable
{
    protected const int Iterations = 1000;
    protected const string Alice = "alice@example.com";
    private readonly List<IMailStore> opened = new();

    protected abstract IMailStore CreateStoreCore();

    protected async Task<IMailStore> StoreWithAlice()
    {
        var store = CreateStoreCore();
        opened.Add(store);
        await store.Accounts.AddAsync(Alice, "secret");
        return store;
    }

    public virtual void Dispose()
    {
        foreach (var s in opened) s.Dispose();
    }

    [Fact]
    public async Task New_account_is_subscribed_to_inbox_and_default_folders_only()
    {
        var store = await StoreWithAlice();
        await store.CreateFolderAsync(Alice, "Work");
        Assert.Equal(new[] { "Drafts", "INBOX", "Junk", "Sent", "Trash" }, store.GetSubscriptions(Alice));
    }

    [Fact]
    public async Task Subscriptions_are_replaced_and_may_name_missing_folders()
    {
        var store = await StoreWithAlice();
        store.SetSubscriptions(Alice, new[] { "Work", "inbox", "Gone.Child", "Work" });
        Assert.Equal(new[] { "Gone.Child", "INBOX", "Work" }, store.GetSubscriptions(Alice));
        Assert.Throws<InvalidFolderNameException>(() => store.SetSubscriptions(Alice, new[] { "a..b" }));
        Assert.Throws<AccountNotFoundException>(() => store.GetSubscriptions("nobody@example.com"));
    }

    [Fact]
    public async Task Special_use_is_kept_with_the_folder_through_rename_and_gone_with_delete()
    {
        var store = await StoreWithAlice();
        await store.CreateFolderAsync(Alice, "Old mail", "\\archive");
        await store.CreateFolderAsync(Alice, "Plain", null);
        var folders = store.GetFolders(Alice);
        Assert.Equal("\\Archive", folders.Single(f => f.Name == "Old mail").SpecialUse);
        Assert.Null(folders.Single(f => f.Name == "Plain").SpecialUse);
        Assert.Equal("\\Sent", folders.Single(f => f.Name == "Sent").SpecialUse);   // the default folders' own

        await store.RenameFolderAsync(Alice, "Old mail", "Archive.2026");
        Assert.Equal("\\Archive", store.GetFolders(Alice).Single(f => f.Name == "Archive.2026").SpecialUse);
        await store.DeleteFolderAsync(Alice, "Archive.2026");
        await store.CreateFolderAsync(Alice, "Archive.2026");
        Assert.Null(store.GetFolders(Alice).Single(f => f.Name == "Archive.2026").SpecialUse);
    }

    [Theory]
    [InlineData("\\All")]       // virtual: this store has no virtual folders
    [InlineData("\\Flagged")]
    [InlineData("\\Important")]
    [InlineData("Sent")]
    public async Task Unknown_or_virtual_special_use_creates_nothing(string use)
    {
        var store = await StoreWithAlice();
        await Assert.ThrowsAsync<InvalidFolderNameException>(() => store.CreateFolderAsync(Alice, "X", use));
        Assert.DoesNotContain(store.GetFolders(Alice), f => f.Name == "X");
    }
}

public sealed class InMemoryFolderSubscriptionAndSpecialUseTests : FolderSubscriptionAndSpecialUseTests
{
    protected override IMailStore CreateStoreCore() => new InMemoryStore(Iterations);
}

public sealed class MaildirFolderSubscriptionAndSpecialUseTests : FolderSubscriptionAndSpecialUseTests
{
    private readonly TempDirectory root = new();

    protected override IMailStore CreateStoreCore() => new MaildirStore(root.Path, Iterations);

    public override void Dispose()
    {
        base.Dispose();
        root.Dispose();
    }

    [Fact]
    public async Task Both_survive_a_restart()
    {
        using (var store = new MaildirStore(root.Path, Iterations))
        {
            await store.Accounts.AddAsync(Alice, "secret");
            await store.CreateFolderAsync(Alice, "Receipts", "\\Archive");
            store.SetSubscriptions(Alice, new[] { "INBOX", "Receipts" });
        }
        using var reopened = new MaildirStore(root.Path, Iterations);
        Assert.Equal(new[] { "INBOX", "Receipts" }, reopened.GetSubscriptions(Alice));
        Assert.Equal("\\Archive", reopened.GetFolders(Alice).Single(f => f.Name == "Receipts").SpecialUse);
    }

    [Fact]
    public async Task Account_from_before_subscriptions_were_kept_starts_with_its_folders()
    {
        var store = await StoreWithAlice();
        await store.CreateFolderAsync(Alice, "Work");
        File.Delete(Path.Combine(((MaildirStore)store).GetAccountDirectory(Alice), "mailadmin-subscriptions"));
        Assert.Contains("Work", store.GetSubscriptions(Alice));
    }
}
