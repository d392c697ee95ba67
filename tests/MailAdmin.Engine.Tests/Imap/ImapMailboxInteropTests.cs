using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>The mailbox extensions with a client nobody here wrote: MailKit uses LIST-STATUS, LIST-EXTENDED, MULTIAPPEND and CREATE-SPECIAL-USE when offered.</summary>
public class ImapMailboxInteropTests
{
    [Fact]
    public async Task MailKitListStatusMultiAppendCreateSpecialUseSubscriptions()
    {
        await using var s = await ImapTestServer.StartAsync();
        using var client = new ImapClient { Timeout = 10_000 };
        await client.ConnectAsync("127.0.0.1", s.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.Alice, ImapTestServer.Password);
        foreach (var cap in new[] { ImapCapabilities.ListExtended, ImapCapabilities.ListStatus, ImapCapabilities.StatusSize, ImapCapabilities.CreateSpecialUse, ImapCapabilities.MultiAppend })
            Assert.True(client.Capabilities.HasFlag(cap), cap + " not offered");

        // MULTIAPPEND: one command, all UIDs back.
        var requests = Enumerable.Range(1, 3)
            .Select(i => (IAppendRequest)new AppendRequest(MimeMessage.Load(new MemoryStream(ImapTestServer.Message("multi " + i))), MessageFlags.Seen, new[] { "$Label" + i }))
            .ToList();
        var uids = await client.Inbox.AppendAsync(requests);
        Assert.Equal(new uint[] { 1, 2, 3 }, uids.Select(u => u.Id));
        Assert.Contains(s.LogText.Split('\n'), l => l.Contains("APPEND INBOX (\\Seen $Label1)") && l.Contains("(\\Seen $Label2)"));
        var stored = s.Store.ListMessages(ImapTestServer.Alice, "INBOX");
        Assert.Equal(new[] { "$Label2" }, stored[1].Keywords);

        // CREATE-SPECIAL-USE, then found by its use.
        var personal = client.GetFolder(client.PersonalNamespaces[0]);
        var archive = await personal.CreateAsync("Old mail", new[] { SpecialFolder.Archive });
        Assert.NotNull(archive);
        Assert.Equal("\\Archive", s.Store.GetFolders(ImapTestServer.Alice).Single(f => f.Name == "Old mail").SpecialUse);

        // LIST-STATUS: counts and sizes come with the listing.
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.Count | StatusItems.Unread | StatusItems.Size);
        var inbox = folders.Single(f => f.FullName == "INBOX");
        Assert.Equal(3, inbox.Count);
        Assert.Equal(0, inbox.Unread);
        Assert.Equal((ulong)s.Store.GetFolderStatus(ImapTestServer.Alice, "INBOX").Size, inbox.Size);
        Assert.True(folders.Single(f => f.FullName == "Old mail").Attributes.HasFlag(FolderAttributes.Archive));
        Assert.Contains(s.LogText.Split('\n'), l => l.Contains("RETURN (") && l.Contains("STATUS (MESSAGES UNSEEN SIZE)"));

        // Subscriptions: the new folder is not subscribed until asked.
        Assert.DoesNotContain(await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.None, subscribedOnly: true), f => f.FullName == "Old mail");
        await archive!.SubscribeAsync();
        Assert.Contains(await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.None, subscribedOnly: true), f => f.FullName == "Old mail");
        await client.DisconnectAsync(true);
    }

    [ImapServerInteropTests.ToolFact("python3")]
    public async Task PythonImaplibListExtendedStatusSizeSpecialUseLsub()
    {
        await using var s = await ImapTestServer.StartAsync();
        await s.DeliverAsync("for size");
        string script = string.Join("\n",
            "import imaplib, sys",
            "m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))",
            "m.login('alice@example.com', 'secret')",
            "print('create', m._simple_command('CREATE', 'Receipts', '(USE (\\\\Archive))')[0])",
            "print('sub', m.subscribe('Receipts')[0])",
            "m.create('Parent.Child'); m.subscribe('Parent.Child')",
            "typ, data = m.list('\"\"', '*')",
            "print('list', [d.decode() for d in data if b'Receipts' in d])",
            "typ, data = m._simple_command('LIST', '\"\"', '%', 'RETURN', '(STATUS (MESSAGES SIZE))')",
            "print('liststatus', typ, [d.decode() for d in m._untagged_response(typ, data, 'STATUS')[1]])",
            "typ, data = m.lsub('\"\"', '%')",
            "print('lsub', [d.decode() for d in data])",
            "print('status', m.status('INBOX', '(SIZE)')[1][0].decode())",
            "m.logout()");
        var r = await ImapServerInteropTests.PythonAsync(script, s.Port.ToString());
        Assert.True(r.Exit == 0, "python failed: " + r.Err + r.Out);
        var size = s.Store.GetFolderStatus(ImapTestServer.Alice, "INBOX").Size;
        Assert.Contains("create OK", r.Out);
        Assert.Contains("sub OK", r.Out);
        Assert.Contains("list ['(\\\\HasNoChildren \\\\Archive) \".\" \"Receipts\"']", r.Out);
        Assert.Contains("'\"INBOX\" (MESSAGES 1 SIZE " + size + ")'", r.Out);
        Assert.Contains("'\"Receipts\" (MESSAGES 0 SIZE 0)'", r.Out);
        Assert.Contains("'(\\\\Noselect) \".\" \"Parent\"'", r.Out);
        Assert.Contains("status \"INBOX\" (SIZE " + size + ")", r.Out);
    }
}
