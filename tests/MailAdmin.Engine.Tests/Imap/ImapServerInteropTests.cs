using System.Diagnostics;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>Real clients nobody here wrote: MailKit's ImapClient and Python's imaplib.</summary>
public class ImapServerInteropTests
{
    private static async Task<ImapClient> MailKitAsync(ImapTestServer s)
    {
        var client = new ImapClient { Timeout = 10_000, ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", s.Port, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync(ImapTestServer.Alice, ImapTestServer.Password);
        return client;
    }

    [Fact]
    public async Task MailKitStartTlsLoginFoldersAppendAndIdle()
    {
        await using var s = await ImapTestServer.StartAsync(tls: true);
        using var client = await MailKitAsync(s);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Idle));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.UidPlus));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Move));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.SpecialUse));

        var personal = client.GetFolder(client.PersonalNamespaces[0]);
        var folders = await personal.GetSubfoldersAsync(false);
        Assert.Contains(folders, f => f.Name == "Sent");
        var sent = client.GetFolder(SpecialFolder.Sent);
        Assert.NotNull(sent);
        Assert.Equal("Sent", sent!.FullName);

        var created = await personal.CreateAsync("Projekte Ä", true);
        Assert.Contains(s.Store.GetFolders(ImapTestServer.Alice), f => f.Name == "Projekte Ä");
        await created!.RenameAsync(personal, "Projekte B");
        Assert.Contains(s.Store.GetFolders(ImapTestServer.Alice), f => f.Name == "Projekte B");

        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(0, inbox.Count);
        var message = MimeMessage.Load(new MemoryStream(ImapTestServer.Message("appended by MailKit")));
        var uid = await inbox.AppendAsync(message);
        Assert.Equal(1u, uid!.Value.Id);
        Assert.Equal(s.Store.GetFolderStatus(ImapTestServer.Alice, "INBOX").UidValidity, inbox.UidValidity);

        // IDLE: a delivery wakes it within a second.
        using var done = new CancellationTokenSource();
        var counts = new List<int>();
        inbox.CountChanged += (_, _) => { lock (counts) counts.Add(inbox.Count); done.CancelAfter(50); };
        var idle = client.IdleAsync(done.Token);
        await Task.Delay(200);
        var sw = Stopwatch.StartNew();
        await s.DeliverAsync("during idle");
        using (var guard = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            await idle.WaitAsync(guard.Token);
        Assert.True(sw.ElapsedMilliseconds < 1000, "IDLE took " + sw.ElapsedMilliseconds + " ms");
        lock (counts) Assert.Contains(2, counts);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task MailKitFetchSearchStoreMove()   // needs the imap-fetch library
    {
        await using var s = await ImapTestServer.StartAsync(tls: true);
        await s.DeliverAsync("first");
        await s.DeliverAsync("second", from: "dave@example.net");
        using var client = await MailKitAsync(s);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var summaries = await inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.Flags | MessageSummaryItems.Size | MessageSummaryItems.BodyStructure);
        Assert.Equal(new[] { "first", "second" }, summaries.Select(m => m.Envelope!.Subject));
        var found = await inbox.SearchAsync(SearchQuery.FromContains("dave"));
        Assert.Equal(summaries[1].UniqueId, Assert.Single(found));
        await inbox.AddFlagsAsync(found, MessageFlags.Flagged, true);
        Assert.Equal(MailAdmin.Store.MessageFlags.Flagged, s.Store.GetMessage(ImapTestServer.Alice, "INBOX", found[0].Id)!.Flags);
        var body = await inbox.GetMessageAsync(summaries[0].UniqueId);
        Assert.Equal("first", body.Subject);
        var trash = client.GetFolder(SpecialFolder.Trash);
        var map = await inbox.MoveToAsync(found, trash!);
        Assert.Single(map.Destination);
        Assert.Equal(1, inbox.Count);
        Assert.Single(s.Store.ListMessages(ImapTestServer.Alice, "Trash"));
        await client.DisconnectAsync(true);
    }

    /// <summary>A fact skipped (with the reason) when an external client is not installed.</summary>
    internal sealed class ToolFactAttribute : FactAttribute
    {
        public ToolFactAttribute(string tool) { if (FindTool(tool) == null) Skip = tool + " not found on PATH"; }
    }

    private static string? FindTool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    internal static async Task<(int Exit, string Out, string Err)> PythonAsync(string script, params string[] args)
    {
        var psi = new ProcessStartInfo(FindTool("python3")!) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stdout = p.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = p.StandardError.ReadToEndAsync(cts.Token);
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [ToolFact("python3")]
    public async Task PythonImaplibLoginListAppendStatus()
    {
        await using var s = await ImapTestServer.StartAsync(tls: true);
        string script = string.Join("\n",
            "import imaplib, ssl, sys, time",
            "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE",
            "m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))",
            "m.starttls(ssl_context=ctx)",
            "print('login', m.login('alice@example.com', 'secret')[0])",
            "typ, data = m.list()",
            "print('list', typ, len(data))",
            "for d in data: print('folder', d.decode())",
            "msg = b'From: py@example.org\\r\\nSubject: from imaplib\\r\\n\\r\\nHello\\r\\n'",
            "print('append', m.append('INBOX', None, imaplib.Time2Internaldate(time.time()), msg))",
            "print('create', m.create('Py.Sub')[0])",
            "print('status', m.status('INBOX', '(MESSAGES UIDNEXT)'))",
            "typ, data = m.select('INBOX')",
            "print('select', typ, data[0].decode())",
            "print('logout', m.logout()[0])");
        var r = await PythonAsync(script, s.Port.ToString());
        Assert.True(r.Exit == 0, "python failed: " + r.Err + r.Out);
        Assert.Contains("login OK", r.Out);
        Assert.Contains("folder (\\HasNoChildren \\Sent) \".\" \"Sent\"", r.Out);
        Assert.Contains("append ('OK', [b'[APPENDUID", r.Out);
        Assert.Contains("create OK", r.Out);
        Assert.Contains("MESSAGES 1 UIDNEXT 2", r.Out);
        Assert.Contains("select OK 1", r.Out);
        Assert.Contains("logout BYE", r.Out);
    }

    [ToolFact("python3")]
    public async Task PythonImaplibFetchSearchStore()   // needs the imap-fetch library
    {
        await using var s = await ImapTestServer.StartAsync();
        await s.DeliverAsync("one");
        await s.DeliverAsync("two", from: "dave@example.net");
        string script = string.Join("\n",
            "import imaplib, sys",
            "m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))",
            "m.login('alice@example.com', 'secret')",
            "m.select('INBOX')",
            "typ, data = m.search(None, 'FROM', 'dave')",
            "print('search', typ, data[0].decode())",
            "typ, data = m.uid('SEARCH', 'ALL')",
            "print('uidsearch', typ, data[0].decode())",
            "typ, data = m.fetch('2', '(RFC822.HEADER)')",
            "print('fetch', typ, b'Subject: two' in data[0][1])",
            "typ, data = m.store('1', '+FLAGS', '\\\\Deleted')",
            "print('store', typ)",
            "typ, data = m.expunge()",
            "print('expunge', typ, data)",
            "m.logout()");
        var r = await PythonAsync(script, s.Port.ToString());
        Assert.True(r.Exit == 0, "python failed: " + r.Err + r.Out);
        Assert.Contains("search OK 2", r.Out);
        Assert.Contains("uidsearch OK 1 2", r.Out);
        Assert.Contains("fetch OK True", r.Out);
        Assert.Contains("store OK", r.Out);
        Assert.Contains("expunge OK [b'1']", r.Out);
    }

    [ToolFact("python3")]
    public async Task PythonImaplibModifiedUtf7Folders()
    {
        await using var s = await ImapTestServer.StartAsync();
        string script = string.Join("\n",
            "import imaplib, sys",
            "m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))",
            "m.login('alice@example.com', 'secret')",
            "print('create', m.create('Entw&APw-rfe')[0])",
            "print('createamp', m.create('\"R&-D\"')[0])",
            "typ, data = m.list('\"\"', 'Entw*')",
            "print('list', typ, data[0].decode())",
            "print('select', m.select('Entw&APw-rfe')[0])",
            "typ, data = m.create('a&b'); print('create a&b', typ, data[0].decode())",
            "m.logout()");
        var r = await PythonAsync(script, s.Port.ToString());
        Assert.True(r.Exit == 0, "python failed: " + r.Err + r.Out);
        Assert.Contains("create OK", r.Out);
        Assert.Contains("createamp OK", r.Out);
        Assert.Contains("list OK (\\HasNoChildren) \".\" \"Entw&APw-rfe\"", r.Out);
        Assert.Contains("select OK", r.Out);
        Assert.Contains("create a&b NO [CANNOT]", r.Out);   // malformed modified UTF-7: refused, not a syntax error
        Assert.Contains("modified UTF-7", r.Out);
        var names = s.Store.GetFolders(ImapTestServer.Alice).Select(f => f.Name).ToList();
        Assert.Contains("Entwürfe", names);
        Assert.Contains("R&D", names);
        Assert.DoesNotContain("a&b", names);
    }
}
