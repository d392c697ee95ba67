using MailAdmin.Store;
using Xunit;
using Xunit.Abstractions;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>
/// The memory an open Maildir folder keeps per message (its UID index), measured: a folder of
/// 20,000 messages is opened and the managed heap that stays reachable is divided by the count.
/// docs/store.md states the bound this checks.
/// </summary>
public sealed class StoreIndexMemoryTests : IDisposable
{
    private const int Messages = 20_000;
    /// <summary>The stated bound (docs/store.md): bytes of index per message in an open folder.</summary>
    private const int BoundPerMessage = 300;
    private readonly TempDirectory root = new();
    private readonly ITestOutputHelper output;

    public StoreIndexMemoryTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => root.Dispose();

    [Fact]
    public async Task Index_memory_per_message_stays_within_its_stated_bound()
    {
        var store = new MaildirStore(root.Path, 1000);
        await store.Accounts.AddAsync("alice@example.com", "pw");
        var inbox = store.GetAccountDirectory("alice@example.com");
        var now = DateTimeOffset.UtcNow;
        // Files as another delivery agent would leave them: half read (cur/, with flags), half new.
        for (int i = 0; i < Messages; i++)
        {
            var name = MaildirFileName.NewBaseName(100 + i, now);
            var path = i % 2 == 0 ? Path.Combine(inbox, "cur", MaildirFileName.WithInfo(name, MessageFlags.Seen)) : Path.Combine(inbox, "new", name);
            File.WriteAllBytes(path, new byte[0]);
        }
        store.Dispose();
        store = new MaildirStore(root.Path, 1000);
        await store.Accounts.GetAsync("alice@example.com");

        long before = GC.GetTotalMemory(true);
        Assert.Equal(Messages, store.GetFolderStatus("alice@example.com", "INBOX").Count);   // opens the folder: builds the index
        long after = GC.GetTotalMemory(true);
        double perMessage = (after - before) / (double)Messages;
        output.WriteLine($"index: {perMessage:F0} bytes per message ({Messages} messages)");
        Assert.True(perMessage < BoundPerMessage, $"{perMessage:F0} bytes per message, bound {BoundPerMessage}");
        GC.KeepAlive(store);
    }
}
