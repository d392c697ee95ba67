using System.Text;
using MailAdmin.Protocols.Imap;
using MailAdmin.Store;
using Xunit;
using static MailAdmin.Engine.Tests.Imap.FetchTestSupport;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// The ENVELOPE the header cache renders once and keeps must be the one EnvelopeWriter writes
/// each time, and APPEND must fill the cache so that FETCH reads no message file.
/// </summary>
public class FetchEnvelopeCacheTests
{
    [Theory]
    [MemberData(nameof(FetchHeaderCacheTests.Corpus), MemberType = typeof(FetchHeaderCacheTests))]
    public void Cached_envelope_equals_the_one_written_from_the_whole_message(string message)
    {
        var full = Bytes(message);
        const string attributes = "(UID FLAGS ENVELOPE RFC822.SIZE)";
        // Both orders: a plain answer kept first must not be handed out under UTF8=ACCEPT, nor the reverse.
        foreach (var order in new[] { new[] { false, true }, new[] { true, false } })
        {
            var entry = new ImapHeaderCache.Entry(ImapHeaderCache.ReadHeader(new MemoryStream(full)));
            foreach (var utf8 in order)
            {
                var expected = Fetch(Context(full), attributes, utf8: utf8);
                for (int round = 0; round < 2; round++)   // rendered, then served from the entry
                    Assert.Equal(expected, Fetch(Cached(entry, full.Length), attributes, utf8: utf8));
            }
        }
    }

    [Theory]
    [InlineData("Subject: a\r\n\r\nbody\r\n", 14)]
    [InlineData("Subject: a\n\nbody\n", 12)]
    [InlineData("\r\nbody\r\n", 2)]
    [InlineData("Subject: no body\r\n", -1)]
    public void Header_end_is_found_in_a_whole_message(string message, int end)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        Assert.Equal(end, ImapHeaderCache.HeaderEnd(bytes, bytes.Length, 0));
    }

    [Fact]
    public async Task Append_fills_the_cache_so_fetch_needs_no_message_file()
    {
        var root = Path.Combine(Path.GetTempPath(), "imap-envelope-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var store = new MaildirStore(root, 1000);
            await store.Accounts.AddAsync(ImapTestServer.Alice, ImapTestServer.Password);
            var options = new MailAdmin.Hosting.ImapServerOptions { AllowInsecureAuth = true };
            options.Listeners.Add(new MailAdmin.Hosting.ImapListenerOptions(MailAdmin.Hosting.ImapListenerMode.Imap, 0));
            using var server = new MailAdmin.Hosting.ImapServer(options, store);
            await server.StartAsync();
            await using var c = await ImapRawClient.ConnectAsync(server.Endpoints[0].Port);
            await c.ReadLineAsync();
            await c.OkAsync("LOGIN alice@example.com secret");
            var message = Encoding.ASCII.GetString(ImapTestServer.Message("cached at append"));
            await c.OkAsync($"APPEND INBOX {{{message.Length}+}}\r\n{message}");
            // With the file gone, only the cache can answer (a header-only FETCH never opens it). Gone after
            // the SELECT: SELECT looks at the disk and would report a file deleted before it as expunged.
            await c.OkAsync("SELECT INBOX");
            foreach (var file in Directory.GetFiles(root, "*", SearchOption.AllDirectories).Where(f => f.Contains("/new/") || f.Contains("/cur/")))
                File.Delete(file);
            var lines = await c.OkAsync("FETCH 1 (ENVELOPE)");
            Assert.Contains(lines, l => l.StartsWith("* 1 FETCH (ENVELOPE (\"Thu, 26 Nov 2026 10:00:00 +0000\" \"cached at append\" ((\"Carol\" NIL \"carol\" \"example.org\"))", StringComparison.Ordinal));
        }
        finally
        {
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }

    private static ImapMessageContext Cached(ImapHeaderCache.Entry entry, int size)
    {
        var stored = new StoredMessage(101, "id101", size, new DateTimeOffset(2024, 1, 17, 9, 5, 3, TimeSpan.FromHours(1)), MessageFlags.None, false);
        return new ImapMessageContext(1, stored, entry);
    }
}
