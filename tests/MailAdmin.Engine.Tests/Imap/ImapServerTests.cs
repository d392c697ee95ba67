using System.Text;
using MailAdmin.Hosting;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>Transcripts over a real socket on 127.0.0.1 (commands that do not need the FETCH/SEARCH library).</summary>
public class ImapServerTests
{
    [Fact]
    public async Task GreetingCapabilityLoginSelectLogout()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await ImapRawClient.ConnectAsync(s.Port);
        var greeting = await c.ReadLineAsync();
        Assert.StartsWith("* OK [CAPABILITY IMAP4rev1 ", greeting);
        var caps = await c.OkAsync("CAPABILITY");
        foreach (var cap in new[] { "IMAP4rev1", "LITERAL+", "SASL-IR", "IDLE", "UIDPLUS", "MOVE", "NAMESPACE", "ID", "ENABLE", "SPECIAL-USE", "UNSELECT", "CHILDREN", "QUOTA", "APPENDLIMIT=26214400", "AUTH=PLAIN", "UTF8=ACCEPT" })
            Assert.Contains(" " + cap, caps[0] + " ");
        Assert.DoesNotContain("LOGINDISABLED", caps[0]);
        var login = await c.OkAsync("LOGIN alice@example.com secret");
        Assert.Contains("[CAPABILITY IMAP4rev1", login[^1]);
        await s.DeliverAsync("one");
        await s.DeliverAsync("two");
        var select = await c.OkAsync("SELECT INBOX");
        Assert.Contains("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)", select);
        Assert.Contains("* 2 EXISTS", select);
        Assert.Contains("* 2 RECENT", select);
        Assert.Contains("* OK [UNSEEN 1] First unseen", select);
        Assert.Contains(select, l => l.StartsWith("* OK [UIDVALIDITY "));
        Assert.Contains("* OK [UIDNEXT 3] Predicted next UID", select);
        Assert.Contains("[READ-WRITE]", select[^1]);
        var logout = await c.CommandAsync("LOGOUT");
        Assert.StartsWith("* BYE", logout[0]);
        Assert.EndsWith("OK LOGOUT completed", logout[^1]);
        Assert.Null(await c.ReadLineAsync());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(301)]
    public async Task PipelinedCommandsInRandomChunks(int seed)
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync();
        var message = ImapTestServer.Message("pipelined");
        var script = Encoding.ASCII.GetBytes("a LOGIN alice@example.com secret\r\nb SELECT INBOX\r\nc APPEND INBOX (" + ") {" + message.Length + "+}\r\n")
            .Concat(message).Concat(Encoding.ASCII.GetBytes("\r\nd NOOP\r\ne STATUS INBOX (MESSAGES)\r\nf LOGOUT\r\n")).ToArray();
        var random = new Random(seed);
        int pos = 0;
        while (pos < script.Length)
        {
            int n = seed == 0 ? script.Length : Math.Min(script.Length - pos, random.Next(1, 40));
            await c.SendBytesAsync(script[pos..(pos + n)]);
            pos += n;
            if (seed != 0 && random.Next(4) == 0) await Task.Delay(1);
        }
        var lines = await c.ReadUntilTagAsync("f");
        foreach (var tag in "abcdef")
            Assert.Contains(lines, l => l.StartsWith(tag + " OK"));
        Assert.Contains("* 1 EXISTS", lines);
        Assert.Contains("* STATUS \"INBOX\" (MESSAGES 1)", lines);
        Assert.Equal(message, await s.Store.ReadMessageAsync(ImapTestServer.Alice, "INBOX", 1));
    }

    [Fact]
    public async Task GarbageAfterLoginCostsOnlyBadResponses()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("SELECT INBOX");
        var random = new Random(5);
        var garbage = new byte[4000];
        random.NextBytes(garbage);
        for (int i = 0; i < garbage.Length; i++) if (garbage[i] == (byte)'{') garbage[i] = (byte)'x';   // no literals announced
        await c.SendBytesAsync(garbage);
        await c.SendAsync("\r\nz NOOP\r\n");
        var lines = await c.ReadUntilTagAsync("z");
        Assert.Equal("z OK NOOP completed", lines[^1]);
        Assert.All(lines.SkipLast(1), l => Assert.Contains(" BAD ", l));
        foreach (var cmd in new[] { "FETCH", "STORE 1", "UID", "UID FOO", "COPY", "LIST", "STATUS INBOX", "APPEND", "SELECT", "RENAME a", "AUTHENTICATE", "ENABLE" })
            Assert.Contains(" BAD ", (await c.CommandAsync(cmd))[^1]);
        await c.OkAsync("NOOP");
    }

    [Fact]
    public async Task StateTableRefusesCommandsOutOfState()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync();
        Assert.Contains("BAD Log in first", (await c.CommandAsync("SELECT INBOX"))[^1]);
        Assert.Contains("BAD Log in first", (await c.CommandAsync("FETCH 1 FLAGS"))[^1]);
        Assert.Contains("BAD Unknown command", (await c.CommandAsync("FROBNICATE"))[^1]);
        await c.OkAsync("NOOP");
        await c.OkAsync("LOGIN alice@example.com secret");
        Assert.Contains("BAD Already authenticated", (await c.CommandAsync("LOGIN alice@example.com secret"))[^1]);
        Assert.Contains("BAD No mailbox selected", (await c.CommandAsync("FETCH 1 FLAGS"))[^1]);
        Assert.Contains("BAD No mailbox selected", (await c.CommandAsync("EXPUNGE"))[^1]);
        Assert.Contains("BAD No mailbox selected", (await c.CommandAsync("CLOSE"))[^1]);
        await c.OkAsync("EXAMINE INBOX");
        await c.OkAsync("UNSELECT");
        Assert.Contains("BAD No mailbox selected", (await c.CommandAsync("CHECK"))[^1]);
        var failed = await c.CommandAsync("SELECT Nowhere");
        Assert.Contains("NO [NONEXISTENT]", failed[^1]);
    }

    [Fact]
    public async Task LoginFailuresAreDelayedCountedAndEndInBye()
    {
        await using var s = await ImapTestServer.StartAsync(o => { o.MaxErrorsBeforeLogin = 3; o.AuthFailureDelay = TimeSpan.FromMilliseconds(300); });
        await using var c = await s.ConnectAsync();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var r = await c.CommandAsync("LOGIN alice@example.com wrong");
        Assert.True(sw.ElapsedMilliseconds >= 250, "the failure answer was not delayed");
        Assert.Contains("NO [AUTHENTICATIONFAILED]", r[^1]);
        await c.CommandAsync("LOGIN nobody@example.com x");
        var bad = await c.CommandAsync("GARBAGE");
        Assert.Contains("BAD", bad[^1]);
        Assert.Equal("* BYE Too many invalid commands", await c.ReadLineAsync());
        Assert.Null(await c.ReadLineAsync());
        Assert.Equal(2, s.Server.Statistics.AuthFailures);
        Assert.DoesNotContain("wrong", s.LogText);
        Assert.Contains("LOGIN alice@example.com <redacted>", s.LogText);
    }

    [Fact]
    public async Task ProtocolLogRedactsPasswordsAndMessageContent()
    {
        await using var s = await ImapTestServer.StartAsync();
        await s.Store.Accounts.AddAsync("carol@example.com", "TopSecret42");
        await using var c = await s.ConnectAsync();
        await c.SendAsync("a LOGIN {17}\r\n");
        Assert.StartsWith("+ ", await c.ReadLineAsync());
        await c.SendAsync("carol@example.com {11+}\r\nTopSecret42\r\n");
        Assert.StartsWith("a OK", (await c.ReadUntilTagAsync("a"))[^1]);
        await c.OkAsync("APPEND INBOX {21+}\r\nSubject: hush-hush\r\n\r\n");
        await c.CommandAsync("LOGOUT");
        var log = s.LogText;
        Assert.DoesNotContain("TopSecret42", log);
        Assert.DoesNotContain("hush-hush", log);
        Assert.Contains("C: a LOGIN {17} <redacted>", log);
        Assert.Contains("APPEND INBOX {21}", log);
        Assert.Contains("S: a OK [CAPABILITY", log);
    }

    [Fact]
    public async Task AuthenticatePlainLoginAndSaslIr()
    {
        await using var s = await ImapTestServer.StartAsync(o => o.BearerTokens = new Dictionary<string, string> { [ImapTestServer.Alice] = "tok" });
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice@example.com\0secret"));
        await using (var c = await s.ConnectAsync())
        {
            Assert.Contains("AUTH=XOAUTH2", (await c.OkAsync("CAPABILITY"))[0]);
            await c.OkAsync("AUTHENTICATE PLAIN " + plain);   // SASL-IR
        }
        await using (var c = await s.ConnectAsync())
        {
            await c.SendAsync("a AUTHENTICATE PLAIN\r\n");
            Assert.Equal("+ ", await c.ReadLineAsync());
            await c.SendAsync(plain + "\r\n");
            Assert.StartsWith("a OK", (await c.ReadUntilTagAsync("a"))[^1]);
        }
        await using (var c = await s.ConnectAsync())
        {
            await c.SendAsync("a AUTHENTICATE LOGIN\r\n");
            Assert.Equal("+ VXNlcm5hbWU6", await c.ReadLineAsync());
            await c.SendAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes("alice@example.com")) + "\r\n");
            Assert.Equal("+ UGFzc3dvcmQ6", await c.ReadLineAsync());
            await c.SendAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes("secret")) + "\r\n");
            Assert.StartsWith("a OK", (await c.ReadUntilTagAsync("a"))[^1]);
        }
        await using (var c = await s.ConnectAsync())
        {
            var x = Convert.ToBase64String(Encoding.UTF8.GetBytes("user=alice@example.com\u0001auth=Bearer tok\u0001\u0001"));
            await c.OkAsync("AUTHENTICATE XOAUTH2 " + x);
        }
        await using (var c = await s.ConnectAsync())
        {
            await c.SendAsync("a AUTHENTICATE PLAIN\r\n");
            await c.ReadLineAsync();
            await c.SendAsync("*\r\n");
            Assert.StartsWith("a BAD", (await c.ReadUntilTagAsync("a"))[^1]);
            var bad = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice@example.com\0nope"));
            Assert.Contains("NO [AUTHENTICATIONFAILED]", (await c.CommandAsync("AUTHENTICATE PLAIN " + bad))[^1]);
        }
        Assert.DoesNotContain(plain, s.LogText);
        Assert.Contains("<SASL response redacted>", s.LogText);
    }

    [Fact]
    public async Task LoginDisabledUntilStartTls()
    {
        await using var s = await ImapTestServer.StartAsync(tls: true);
        await using var c = await s.ConnectAsync();
        var caps = (await c.OkAsync("CAPABILITY"))[0];
        Assert.Contains("LOGINDISABLED", caps);
        Assert.Contains("STARTTLS", caps);
        Assert.DoesNotContain("AUTH=PLAIN", caps);
        Assert.Contains("NO [PRIVACYREQUIRED]", (await c.CommandAsync("LOGIN alice@example.com secret"))[^1]);
        // Pipelined bytes after STARTTLS are dropped, never executed after the handshake.
        await c.SendAsync("s STARTTLS\r\nx LOGIN alice@example.com secret\r\n");
        Assert.Equal("s OK Begin TLS negotiation now", await c.ReadLineAsync());
        await c.StartTlsAsync();
        caps = (await c.OkAsync("CAPABILITY"))[0];
        Assert.DoesNotContain("STARTTLS", caps);
        Assert.DoesNotContain("LOGINDISABLED", caps);
        Assert.Contains("AUTH=PLAIN", caps);
        await c.OkAsync("LOGIN alice@example.com secret");
        Assert.Contains("discarded", s.LogText);
    }

    [Fact]
    public async Task ImplicitTlsListener()
    {
        await using var s = await ImapTestServer.StartAsync(tls: true);
        await using var c = await ImapRawClient.ConnectAsync(s.ImapsPort, implicitTls: true);
        Assert.StartsWith("* OK", await c.ReadLineAsync());
        Assert.DoesNotContain("STARTTLS", (await c.OkAsync("CAPABILITY"))[0]);
        await c.OkAsync("LOGIN alice@example.com secret");
    }

    [Fact]
    public async Task AppendWithLiteralDateAndAppendUid()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        var message = ImapTestServer.Message("appended");
        await c.SendAsync($"a APPEND Drafts \" 7-Feb-2024 10:11:12 +0100\" {{{message.Length}}}\r\n");
        Assert.StartsWith("+ ", await c.ReadLineAsync());
        await c.SendBytesAsync(message);
        await c.SendAsync("\r\n");
        var done = await c.ReadUntilTagAsync("a");
        var status = s.Store.GetFolderStatus(ImapTestServer.Alice, "Drafts");
        Assert.Equal($"a OK [APPENDUID {status.UidValidity} 1] APPEND completed", done[^1]);
        var stored = s.Store.ListMessages(ImapTestServer.Alice, "Drafts").Single();
        Assert.Equal(new DateTimeOffset(2024, 2, 7, 9, 11, 12, TimeSpan.Zero), stored.InternalDate.ToUniversalTime());
        Assert.Equal(message, await s.Store.ReadMessageAsync(ImapTestServer.Alice, "Drafts", 1));
        // LITERAL+: no continuation
        await c.SendAsync($"b APPEND INBOX {{{message.Length}+}}\r\n");
        await c.SendBytesAsync(message);
        await c.SendAsync("\r\n");
        Assert.Contains("[APPENDUID", (await c.ReadUntilTagAsync("b"))[^1]);
        // a missing mailbox: TRYCREATE
        Assert.Contains("NO [TRYCREATE]", (await c.CommandAsync("APPEND Nowhere {3+}\r\nabc"))[^1]);
        var st = await c.OkAsync("STATUS INBOX (MESSAGES UIDNEXT UNSEEN RECENT UIDVALIDITY SIZE)");
        Assert.StartsWith("* STATUS \"INBOX\" (MESSAGES 1 UIDNEXT 2 UNSEEN 1 RECENT ", st[0]);
    }

    [Fact]
    public async Task AppendIntoTheSelectedMailboxReportsExists()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("SELECT INBOX");
        var r = await c.OkAsync("APPEND INBOX {5+}\r\nabcde");
        Assert.Contains("* 1 EXISTS", r);
    }

    [Fact]
    public async Task TooBigAppendIsRefusedBeforeTheContinuation()
    {
        await using var s = await ImapTestServer.StartAsync(o => o.AppendLimit = 1000);
        await using var c = await s.ConnectAsync(login: true);
        Assert.Contains("APPENDLIMIT=1000", (await c.OkAsync("CAPABILITY"))[0]);
        await c.SendAsync("a APPEND INBOX {5000}\r\n");
        Assert.Equal("a NO [TOOBIG] Message too big (APPENDLIMIT 1000)", await c.ReadLineAsync());
        await c.OkAsync("NOOP");
        Assert.Empty(s.Store.ListMessages(ImapTestServer.Alice, "INBOX"));
        // before login no APPEND literal bigger than MaxLiteralSize is accepted
        await using var anonymous = await s.ConnectAsync();
        await anonymous.SendAsync("b APPEND INBOX {" + (s.Options.MaxLiteralSize + 1) + "}\r\n");
        Assert.Equal("b BAD Literal too big", await anonymous.ReadLineAsync());
    }

    [Fact]
    public async Task TooLongLineGetsBadAndTheSessionGoesOn()
    {
        await using var s = await ImapTestServer.StartAsync(o => o.MaxLineLength = 1024);
        await using var c = await s.ConnectAsync(login: true);
        await c.SendAsync("a NOOP " + new string('x', 5000) + "\r\n");
        var line = await c.ReadLineAsync();
        Assert.Contains("BAD Line too long", line);
        await c.OkAsync("NOOP");
    }

    [Fact]
    public async Task ListWithWildcardsSpecialUseAndChildren()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("CREATE Lists.dotnet");
        await c.OkAsync("CREATE Entw&APw-rfe");
        Assert.Contains("NO [ALREADYEXISTS]", (await c.CommandAsync("CREATE Lists.dotnet"))[^1]);
        Assert.Contains("NO [ALREADYEXISTS]", (await c.CommandAsync("CREATE inbox"))[^1]);
        var all = await c.OkAsync("LIST \"\" *");
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"INBOX\"", all);
        Assert.Contains("* LIST (\\HasNoChildren \\Sent) \".\" \"Sent\"", all);
        Assert.Contains("* LIST (\\HasNoChildren \\Trash) \".\" \"Trash\"", all);
        Assert.Contains("* LIST (\\Noselect \\HasChildren) \".\" \"Lists\"", all);
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"Lists.dotnet\"", all);
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"Entw&APw-rfe\"", all);
        var top = await c.OkAsync("LIST \"\" %");
        Assert.DoesNotContain(top, l => l.Contains("Lists.dotnet"));
        Assert.Contains(top, l => l.EndsWith("\"Lists\""));
        var sub = await c.OkAsync("LIST Lists. %");
        Assert.Equal(2, sub.Count);
        Assert.EndsWith("\"Lists.dotnet\"", sub[0]);
        Assert.Equal("* LIST (\\Noselect) \".\" \"\"", (await c.OkAsync("LIST \"\" \"\""))[0]);
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"INBOX\"", await c.OkAsync("LIST \"\" inBOX"));
        // LIST-EXTENDED shape is tolerated
        Assert.True((await c.OkAsync("LIST \"\" \"*\" RETURN (SPECIAL-USE)")).Count > 5);
        var ns = await c.OkAsync("NAMESPACE");
        Assert.Equal("* NAMESPACE ((\"\" \".\")) NIL NIL", ns[0]);
    }

    [Fact]
    public async Task SubscribeLsubRenameDelete()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        var lsub = await c.OkAsync("LSUB \"\" *");
        Assert.Contains("* LSUB () \".\" \"INBOX\"", lsub);
        Assert.Contains("* LSUB () \".\" \"Sent\"", lsub);
        await c.OkAsync("CREATE Work");
        await c.OkAsync("CREATE Work.Old");
        Assert.DoesNotContain((await c.OkAsync("LSUB \"\" *")), l => l.Contains("Work"));
        await c.OkAsync("SUBSCRIBE Work");
        Assert.Contains("* LSUB () \".\" \"Work\"", await c.OkAsync("LSUB \"\" *"));
        await c.OkAsync("RENAME Work Projects");
        var list = await c.OkAsync("LIST \"\" *");
        Assert.Contains(list, l => l.EndsWith("\"Projects.Old\""));
        Assert.DoesNotContain(list, l => l.Contains("Work"));
        Assert.Contains("* LSUB () \".\" \"Projects\"", await c.OkAsync("LSUB \"\" *"));
        await c.OkAsync("UNSUBSCRIBE Projects");
        Assert.DoesNotContain((await c.OkAsync("LSUB \"\" *")), l => l.Contains("Projects"));
        await c.OkAsync("DELETE Projects.Old");
        Assert.Contains("NO [NONEXISTENT]", (await c.CommandAsync("DELETE Projects.Old"))[^1]);
        Assert.Contains("NO", (await c.CommandAsync("DELETE INBOX"))[^1]);
        Assert.Contains("NO [CANNOT]", (await c.CommandAsync("CREATE \"../etc\""))[^1]);
        Assert.Contains("NO [CANNOT]", (await c.CommandAsync("CREATE \"/etc/passwd\""))[^1]);
        Assert.Contains("NO [NONEXISTENT]", (await c.CommandAsync("RENAME Nope Other"))[^1]);
    }

    [Fact]
    public async Task RenameInboxMovesItsMessages()
    {
        await using var s = await ImapTestServer.StartAsync();
        await s.DeliverAsync("a");
        await s.DeliverAsync("b");
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("RENAME INBOX Archive.2026");
        Assert.Empty(s.Store.ListMessages(ImapTestServer.Alice, "INBOX"));
        Assert.Equal(2, s.Store.ListMessages(ImapTestServer.Alice, "Archive.2026").Count);
        Assert.Contains("* 0 EXISTS", await c.OkAsync("SELECT INBOX"));
    }

    [Fact]
    public async Task StatusQuotaIdEnableAndUtf8Names()
    {
        await using var s = await ImapTestServer.StartAsync();
        await s.DeliverAsync("q");
        await using var c = await s.ConnectAsync(login: true);
        var root = await c.OkAsync("GETQUOTAROOT INBOX");
        Assert.Equal("* QUOTAROOT \"INBOX\" \"\"", root[0]);
        Assert.Matches(@"^\* QUOTA """" \(STORAGE \d+ 9765\)$", root[1]);
        Assert.StartsWith("* QUOTA \"\" (STORAGE ", (await c.OkAsync("GETQUOTA \"\""))[0]);
        Assert.StartsWith("* ID (\"name\" \"MailAdmin\"", (await c.OkAsync("ID (\"name\" \"test\")"))[0]);
        await c.OkAsync("CREATE Entw&APw-rfe");
        Assert.Equal("* ENABLED UTF8=ACCEPT", (await c.OkAsync("ENABLE UTF8=ACCEPT"))[0]);
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"Entwürfe\"", await c.OkAsync("LIST \"\" *"));
        await c.OkAsync("CREATE \"Geschäft\"");
        var utf8 = await c.OkAsync("APPEND \"Geschäft\" UTF8 (~{21+}\r\nSubject: Grüße\r\n\r\nx)");
        Assert.Contains("[APPENDUID ", utf8[^1]);
        Assert.Equal("Subject: Grüße\r\n\r\nx", Encoding.UTF8.GetString(await s.Store.ReadMessageAsync(ImapTestServer.Alice, "Geschäft", 1)));
        Assert.Contains(s.Store.GetFolders(ImapTestServer.Alice), f => f.Name == "Geschäft");
        await using var bob = await s.ConnectAsync(login: true, user: ImapTestServer.Bob);
        Assert.Equal("* QUOTAROOT \"INBOX\"", (await bob.OkAsync("GETQUOTAROOT INBOX"))[0]);
        Assert.Contains("NO", (await bob.CommandAsync("GETQUOTA \"\""))[^1]);
    }

    [Fact]
    public async Task ExpungeCloseAndExamineReadOnly()
    {
        await using var s = await ImapTestServer.StartAsync();
        var m1 = await s.DeliverAsync("1");
        var m2 = await s.DeliverAsync("2");
        var m3 = await s.DeliverAsync("3");
        await s.Store.SetFlagsAsync(ImapTestServer.Alice, "INBOX", new[] { m1.Uid, m3.Uid }, MessageFlags.Deleted, FlagChange.Add);
        await using var c = await s.ConnectAsync(login: true);
        var ex = await c.OkAsync("EXAMINE INBOX");
        Assert.Contains("[READ-ONLY]", ex[^1]);
        Assert.Contains("NO [READ-ONLY]", (await c.CommandAsync("EXPUNGE"))[^1]);
        await c.OkAsync("SELECT INBOX");
        var r = await c.OkAsync("EXPUNGE");
        Assert.Equal(new[] { "* 1 EXPUNGE", "* 2 EXPUNGE" }, r.Take(2));
        Assert.Equal(new[] { m2.Uid }, s.Store.ListMessages(ImapTestServer.Alice, "INBOX").Select(m => m.Uid));
        await s.Store.SetFlagsAsync(ImapTestServer.Alice, "INBOX", new[] { m2.Uid }, MessageFlags.Deleted, FlagChange.Add);
        var close = await c.OkAsync("CLOSE");
        Assert.DoesNotContain(close, l => l.Contains("EXPUNGE"));
        Assert.Empty(s.Store.ListMessages(ImapTestServer.Alice, "INBOX"));
    }

    [Fact]
    public async Task AutologoutAfterIdleTimeout()
    {
        await using var s = await ImapTestServer.StartAsync(o => { o.LoginTimeout = TimeSpan.FromMilliseconds(300); o.IdleTimeout = TimeSpan.FromMilliseconds(600); });
        Assert.Equal(TimeSpan.FromMinutes(30), new ImapServerOptions().IdleTimeout);
        await using var c = await s.ConnectAsync();
        Assert.StartsWith("* BYE Autologout", await c.ReadLineAsync());
        Assert.Null(await c.ReadLineAsync());
        await using var d = await s.ConnectAsync(login: true);
        Assert.StartsWith("* BYE Autologout", await d.ReadLineAsync());
    }

    [Fact]
    public async Task ConnectionsPerAccountAreLimited()
    {
        await using var s = await ImapTestServer.StartAsync(o => o.MaxConnectionsPerAccount = 2);
        await using var a = await s.ConnectAsync(login: true);
        await using var b = await s.ConnectAsync(login: true);
        await using var c = await s.ConnectAsync();
        Assert.Contains("NO [LIMIT]", (await c.CommandAsync("LOGIN alice@example.com secret"))[^1]);
        await c.OkAsync("LOGIN bob@example.com secret");
        await a.CommandAsync("LOGOUT");
        await Task.Delay(200);
        await using var d = await s.ConnectAsync(login: true);
    }

    [Fact]
    public async Task GracefulStopSaysByeToWaitingAndIdlingSessions()
    {
        var s = await ImapTestServer.StartAsync();
        await using var a = await s.ConnectAsync(login: true);
        await using var b = await s.ConnectAsync(login: true);
        await b.OkAsync("SELECT INBOX");
        await b.SendAsync("i IDLE\r\n");
        Assert.Equal("+ idling", await b.ReadLineAsync());
        await s.Server.StopAsync(new CancellationTokenSource(5000).Token);
        Assert.Equal("* BYE Server shutting down", await a.ReadLineAsync());
        Assert.Equal("* BYE Server shutting down", await b.ReadLineAsync());
        Assert.False(s.Server.IsRunning);
        await s.DisposeAsync();
    }

    [Fact]
    public async Task StatisticsAndEndpoints()
    {
        await using var s = await ImapTestServer.StartAsync();
        Assert.All(s.Server.Endpoints, e => Assert.Equal(System.Net.IPAddress.Loopback, e.EndPoint.Address));
        Assert.NotEqual(0, s.Port);
        await using (var c = await s.ConnectAsync(login: true))
        {
            await c.OkAsync("NOOP");
            Assert.Equal(1, s.Server.Statistics.ActiveSessions);
            await c.CommandAsync("LOGOUT");
        }
        await Task.Delay(200);
        var st = s.Server.Statistics;
        Assert.Equal(1, st.Connections);
        Assert.Equal(0, st.ActiveSessions);
        Assert.Equal(3, st.Commands);
        Assert.Equal(1, st.Logins);
        Assert.True(st.BytesReceived > 20 && st.BytesSent > 100, st.ToString());
    }

    [Fact]
    public async Task ConnectionLimitAnswersBye()
    {
        await using var s = await ImapTestServer.StartAsync(o => o.MaxConnections = 1);
        await using var a = await s.ConnectAsync();
        await using var b = await ImapRawClient.ConnectAsync(s.Port);
        Assert.StartsWith("* BYE [UNAVAILABLE]", await b.ReadLineAsync());
        Assert.Equal(1, s.Server.Statistics.RejectedConnections);
    }

    [Fact]
    public void OptionsAreValidated()
    {
        var store = new InMemoryStore(1000);
        var o = new ImapServerOptions();
        o.Listeners.Add(new ImapListenerOptions(ImapListenerMode.Imaps, 0));
        Assert.Throws<ArgumentException>(() => new ImapServer(o, store));
        Assert.Throws<ArgumentException>(() => new ImapServer(new ImapServerOptions(), store));   // no TLS, no insecure auth: nobody could log in
        Assert.Equal(System.Net.IPAddress.Loopback, new ImapListenerOptions().Address);
    }
}
