using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

public sealed class AccountStoreTests : IDisposable
{
    private readonly TempDirectory root = new();

    public void Dispose() => root.Dispose();

    [Fact]
    public async Task Two_instances_on_one_root_writing_at_once_lose_nothing()
    {
        var one = new AccountStore(root.Path, 1000);
        var two = new AccountStore(root.Path, 1000);
        const int each = 25;
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < each; i++) await one.AddAsync($"one{i}@example.com", "pw", i); }),
            Task.Run(async () => { for (var i = 0; i < each; i++) await two.AddAsync($"two{i}@example.com", "pw", i); }),
            Task.Run(async () => { for (var i = 0; i < each; i++) await one.AddAsync($"three{i}@example.com", "pw"); }));
        foreach (var store in new[] { one, two, new AccountStore(root.Path, 1000) })
            Assert.Equal(3 * each, (await store.ListAsync()).Count);

        // concurrent updates of different accounts through different instances all land
        await Task.WhenAll(Enumerable.Range(0, each).Select(i => (i % 2 == 0 ? one : two).UpdateAsync($"one{i}@example.com", new AccountUpdate { Quota = 1000 + i, Enabled = false })));
        var fresh = await new AccountStore(root.Path, 1000).ListAsync();
        Assert.All(fresh.Where(a => a.Address.StartsWith("one")), a => Assert.False(a.Enabled));
        Assert.Equal(Enumerable.Range(0, each).Select(i => (long?)(1000 + i)).OrderBy(q => q), fresh.Where(a => a.Address.StartsWith("one")).Select(a => a.Quota).OrderBy(q => q));
    }

    [Fact]
    public async Task A_second_process_holding_the_lock_makes_writers_wait()
    {
        var store = new AccountStore(root.Path, 1000) { LockTimeout = TimeSpan.FromSeconds(10) };
        var lockPath = Path.Combine(root.Path, AccountStore.LockFileName);
        var held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var add = store.AddAsync("a@example.com", "pw");
        await Task.Delay(300);
        Assert.False(add.IsCompleted);
        held.Dispose();
        await add;
        Assert.NotNull(await store.GetAsync("A@example.com"));

        using (new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            store.LockTimeout = TimeSpan.FromMilliseconds(200);
            await Assert.ThrowsAsync<MailStoreException>(() => store.AddAsync("b@example.com", "pw"));
        }
    }

    [Fact]
    public async Task Changes_by_another_instance_are_seen_by_readers()
    {
        var reader = new AccountStore(root.Path, 1000);
        Assert.Empty(await reader.ListAsync());
        await new AccountStore(root.Path, 1000).AddAsync("late@example.com", "pw");
        Assert.NotNull(await reader.GetAsync("late@example.com"));
        Assert.NotNull(await reader.VerifyPasswordAsync("late@example.com", "pw"));
    }

    [Fact]
    public async Task The_file_round_trips_all_fields()
    {
        var store = new AccountStore(root.Path, 1000);
        var a = await store.AddAsync("Quote\"Back\\slash@example.com", "pw", 12345, enabled: false);
        var back = Assert.Single(await new AccountStore(root.Path, 1000).ListAsync());
        Assert.Equal(a.Address, back.Address);
        Assert.Equal(12345, back.Quota);
        Assert.False(back.Enabled);
        Assert.Equal(a.Created, back.Created);
    }

    [Fact]
    public async Task A_damaged_file_is_reported()
    {
        File.WriteAllText(Path.Combine(root.Path, AccountStore.FileName), "{ not json");
        await Assert.ThrowsAsync<MailStoreException>(() => new AccountStore(root.Path, 1000).ListAsync());
    }
}
