using System.Text;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// A message whose file disappears between FETCH's look-up and its read (another session's or process's expunge)
/// is left out with OK [EXPUNGEISSUED] (RFC 2180 §4.1.2), not a NO for the whole command after partial output
/// (imaptest's stress run counted those as errors).
/// </summary>
public class FetchOfAVanishedFileTests
{
    [Fact]
    public async Task Fetch_of_text_leaves_out_a_message_whose_file_vanished_and_answers_the_others()
    {
        var root = Path.Combine(Path.GetTempPath(), "imap-vanished-" + Guid.NewGuid().ToString("N"));
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
            foreach (var subject in new[] { "first", "second" })
            {
                var message = Encoding.ASCII.GetString(ImapTestServer.Message(subject));
                await c.OkAsync($"APPEND INBOX {{{message.Length}+}}\r\n{message}");
            }
            await c.OkAsync("SELECT INBOX");
            // Gone behind the store's back after the SELECT: the index still lists it, its read finds nothing.
            var first = store.ListMessages(ImapTestServer.Alice, "INBOX")[0];
            foreach (var file in Directory.GetFiles(root, first.Id + "*", SearchOption.AllDirectories))
                File.Delete(file);

            var lines = await c.OkAsync("FETCH 1:2 (BODY.PEEK[])");
            Assert.DoesNotContain(lines, l => l.StartsWith("* 1 FETCH", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("* 2 FETCH (BODY[] {", StringComparison.Ordinal));
            Assert.Contains("OK [EXPUNGEISSUED]", lines[^1]);
        }
        finally
        {
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }
}
