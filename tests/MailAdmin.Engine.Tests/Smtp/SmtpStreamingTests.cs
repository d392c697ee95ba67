using System.Net;
using System.Text;
using MailAdmin.Engine.Tests.Store;
using MailAdmin.Hosting;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Smtp;

/// <summary>
/// DATA and BDAT content written through to the store as it arrives (StoreSmtpBackend over a real
/// Maildir store): stored byte-exact whatever the chunking, one copy per recipient with its own
/// Delivered-To line, the size limit enforced while streaming, and no incoming file left behind.
/// </summary>
public sealed class SmtpStreamingTests : IDisposable
{
    private readonly TempDirectory root = new();

    public void Dispose() => root.Dispose();

    private async Task<MaildirStore> NewStoreAsync()
    {
        var store = new MaildirStore(root.Path, 1000);
        await store.Accounts.AddAsync("alice@example.com", "pw");
        await store.Accounts.AddAsync("bob@example.com", "pw");
        return store;
    }

    private static SmtpSession Session(IMailStore store, long maxSize = 8 << 20)
        => new(new SmtpSessionSettings { HostName = "mx.test", MaxMessageSize = maxSize }, new StoreSmtpBackend(store, new[] { "example.com" }, null),
            new IPEndPoint(IPAddress.Loopback, 40000));

    /// <summary>A message of about <paramref name="lines"/> lines, many starting with a dot.</summary>
    private static string Body(int lines)
    {
        var sb = new StringBuilder("Subject: big\r\n\r\n");
        for (int i = 0; i < lines; i++) sb.Append(i % 3 == 0 ? "." : "").Append("line ").Append(i).Append(' ', 40).Append("\r\n");
        return sb.ToString();
    }

    private static string Stuff(string content) => (content.StartsWith(".") ? "." : "") + content.Replace("\r\n.", "\r\n..");

    private string[] IncomingFiles()
    {
        var dir = Path.Combine(root.Path, ".incoming");
        return Directory.Exists(dir) ? Directory.GetFiles(dir) : Array.Empty<string>();
    }

    private static string StoredText(IMailStore store, string account)
    {
        var m = Assert.Single(store.ListMessages(account, "INBOX"));
        return Encoding.UTF8.GetString(store.ReadMessageAsync(account, "INBOX", m.Uid).GetAwaiter().GetResult());
    }

    private static string AfterTrace(string stored)
    {
        // Delivered-To, Return-Path, then the Received field (folded lines start with a tab).
        int i = stored.IndexOf("\r\nReceived: ", StringComparison.Ordinal);
        int end = stored.IndexOf("\r\n", i + 2, StringComparison.Ordinal);
        while (stored[end + 2] == '\t') end = stored.IndexOf("\r\n", end + 2, StringComparison.Ordinal);
        return stored.Substring(end + 2);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(65536)]
    [InlineData(int.MaxValue)]
    public async Task Data_is_stored_byte_exact_whatever_the_chunking(int chunk)
    {
        using var store = await NewStoreAsync();
        var content = Body(chunk == 1 ? 300 : 40_000);
        var d = await SessionDriver.RunAsync(Session(store), "EHLO c\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n" + Stuff(content) + ".\r\nQUIT\r\n", chunk);
        Assert.Equal(new[] { 250, 250, 250, 354, 250, 221 }, d.Codes);
        var stored = StoredText(store, "alice@example.com");
        Assert.StartsWith("Delivered-To: alice@example.com\r\nReturn-Path: <x@remote.test>\r\nReceived: ", stored);
        Assert.Equal(content, AfterTrace(stored));
        Assert.Empty(IncomingFiles());
    }

    [Fact]
    public async Task Each_recipient_gets_one_copy_with_its_own_delivered_to()
    {
        using var store = await NewStoreAsync();
        var content = Body(20_000);
        var d = await SessionDriver.RunAsync(Session(store), "EHLO c\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<Alice@example.com>\r\nDATA\r\n" + Stuff(content) + ".\r\n", 4096, null);
        Assert.Equal(250, d.Replies.Last().Code);
        var alice = StoredText(store, "alice@example.com");
        var bob = StoredText(store, "bob@example.com");
        Assert.StartsWith("Delivered-To: alice@example.com\r\n", alice);
        Assert.StartsWith("Delivered-To: bob@example.com\r\n", bob);
        Assert.Equal(alice.Substring(alice.IndexOf("\r\n") + 2), bob.Substring(bob.IndexOf("\r\n") + 2));
        Assert.Equal(content, AfterTrace(bob));
        Assert.Empty(IncomingFiles());
    }

    [Fact]
    public async Task Too_large_data_is_refused_and_its_file_discarded()
    {
        using var store = await NewStoreAsync();
        var d = await SessionDriver.RunAsync(Session(store, maxSize: 100_000), "EHLO c\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n" + Stuff(Body(10_000)) + ".\r\nNOOP\r\n", 8192);
        Assert.Equal(new[] { 250, 250, 250, 354, 552, 250 }, d.Codes);
        Assert.Empty(store.ListMessages("alice@example.com", "INBOX"));
        Assert.Empty(IncomingFiles());
    }

    [Fact]
    public async Task Too_large_data_stops_writing_at_the_limit()
    {
        using var store = await NewStoreAsync();
        var session = Session(store, maxSize: 100_000);
        var d = new SessionDriver(session);
        await d.FeedAsync(Encoding.ASCII.GetBytes("EHLO c\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n"));
        var body = Encoding.ASCII.GetBytes(Stuff(Body(20_000)));
        await d.FeedAsync(body);   // still inside DATA: the incoming file exists, and holds at most the limit
        var file = Assert.Single(IncomingFiles());
        Assert.InRange(new FileInfo(file).Length, 0, 100_000 + 1024);
        await d.FeedAsync(Encoding.ASCII.GetBytes(".\r\n"));
        Assert.Equal(552, d.Replies.Last().Code);
        Assert.Empty(IncomingFiles());
    }

    [Fact]
    public async Task Bdat_chunks_are_stored_byte_exact()
    {
        using var store = await NewStoreAsync();
        var content = Body(5000);
        int half = content.Length / 2;
        var transcript = "EHLO c\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<alice@example.com>\r\n"
            + "BDAT " + half + "\r\n" + content.Substring(0, half) + "BDAT " + (content.Length - half) + " LAST\r\n" + content.Substring(half);
        var d = await SessionDriver.RunAsync(Session(store), transcript, 1000);
        Assert.Equal(new[] { 250, 250, 250, 250, 250 }, d.Codes);
        Assert.Equal(content, AfterTrace(StoredText(store, "alice@example.com")));
        Assert.Empty(IncomingFiles());
    }

    [Fact]
    public async Task A_session_that_ends_inside_data_leaves_no_file()
    {
        using var store = await NewStoreAsync();
        var session = Session(store);
        var d = new SessionDriver(session);
        await d.FeedAsync(Encoding.ASCII.GetBytes("EHLO c\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n" + Body(2000)));
        Assert.Single(IncomingFiles());
        session.Dispose();
        Assert.Empty(IncomingFiles());
        Assert.Empty(store.ListMessages("alice@example.com", "INBOX"));
    }

    [Fact]
    public async Task The_in_memory_store_takes_the_message_once()
    {
        using var store = new InMemoryStore(1000);
        await store.Accounts.AddAsync("alice@example.com", "pw");
        await store.Accounts.AddAsync("bob@example.com", "pw");
        var content = Body(3000);
        var d = await SessionDriver.RunAsync(Session(store), "EHLO c\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n" + Stuff(content) + ".\r\n", 5000);
        Assert.Equal(250, d.Replies.Last().Code);
        Assert.Equal(content, AfterTrace(StoredText(store, "alice@example.com")));
        Assert.Equal(content, AfterTrace(StoredText(store, "bob@example.com")));
    }
}
