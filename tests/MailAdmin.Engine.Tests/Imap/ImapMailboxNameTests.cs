using MailAdmin.Protocols.Imap;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>Mailbox names on the wire: modified UTF-7 (RFC 3501 §5.1.3) unless UTF8=ACCEPT is enabled
/// (RFC 6855 §3); a raw 8-bit name gets BAD, a malformed modified UTF-7 name NO [CANNOT], over a real socket.</summary>
public class ImapMailboxNameTests
{
    private static bool Bad(List<string> lines) => lines[^1].Split(' ')[1] == "BAD";

    [Fact]
    public async Task RawUtf8NameIsBadWithoutUtf8AcceptForEveryMailboxCommand()
    {
        await using var s = await ImapTestServer.StartAsync();
        await s.DeliverAsync("one");
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("CREATE Plain");

        var create = await c.CommandAsync("CREATE \"Geschäft\"");
        Assert.True(Bad(create), string.Join(" | ", create));
        Assert.Contains("8-bit", create[^1]);
        Assert.Contains("UTF8=ACCEPT", create[^1]);
        Assert.True(Bad(await c.CommandAsync("CREATE {9+}\r\nGeschäft")));   // as a literal too
        Assert.DoesNotContain(s.Store.GetFolders(ImapTestServer.Alice), f => f.Name == "Geschäft");

        foreach (var cmd in new[]
        {
            "SELECT \"Geschäft\"", "EXAMINE \"Geschäft\"", "DELETE \"Geschäft\"", "RENAME Plain \"Geschäft\"",
            "RENAME \"Geschäft\" Other", "SUBSCRIBE \"Geschäft\"", "UNSUBSCRIBE \"Geschäft\"",
            "STATUS \"Geschäft\" (MESSAGES)", "LIST \"\" \"Geschäft\"", "LIST \"Geschäft\" *", "LSUB \"\" \"Gesch%ä\"",
            "APPEND \"Geschäft\" {5+}\r\nHello",
        })
        {
            var r = await c.CommandAsync(cmd);
            Assert.True(Bad(r), cmd + " -> " + string.Join(" | ", r));
        }
        await c.OkAsync("SELECT INBOX");
        foreach (var cmd in new[] { "COPY 1 \"Geschäft\"", "MOVE 1 \"Geschäft\"", "UID COPY 1 \"Geschäft\"" })
        {
            var r = await c.CommandAsync(cmd);
            Assert.True(Bad(r), cmd + " -> " + string.Join(" | ", r));
        }
        Assert.Equal(1, s.Store.GetFolderStatus(ImapTestServer.Alice, "INBOX").Count);
        Assert.Contains(s.Store.GetFolders(ImapTestServer.Alice), f => f.Name == "Plain");
        Assert.DoesNotContain(s.Store.GetFolders(ImapTestServer.Alice), f => f.Name.Contains('ä'));

        // After ENABLE UTF8=ACCEPT the same names are UTF-8 and fine.
        Assert.Equal("* ENABLED UTF8=ACCEPT", (await c.OkAsync("ENABLE UTF8=ACCEPT"))[0]);
        await c.OkAsync("CREATE \"Geschäft\"");
        Assert.Contains(s.Store.GetFolders(ImapTestServer.Alice), f => f.Name == "Geschäft");
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"Geschäft\"", await c.OkAsync("LIST \"\" \"Gesch*\""));
        await c.OkAsync("COPY 1 \"Geschäft\"");
        await c.OkAsync("SELECT \"Geschäft\"");
        Assert.Contains("* STATUS \"Geschäft\" (MESSAGES 1)", await c.OkAsync("STATUS \"Geschäft\" (MESSAGES)"));
    }

    [Fact]
    public async Task ModifiedUtf7NamesAreStoredDecodedAndListedEncoded()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("CREATE Entw&APw-rfe");
        await c.OkAsync("CREATE \"a&-b\"");
        await c.OkAsync("CREATE \"&ZeVnLIqe-.&U,BTFw-\"");
        var names = s.Store.GetFolders(ImapTestServer.Alice).Select(f => f.Name).ToList();
        Assert.Contains("Entwürfe", names);
        Assert.Contains("a&b", names);
        Assert.Contains("日本語.台北", names);
        var list = await c.OkAsync("LIST \"\" *");
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"Entw&APw-rfe\"", list);
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"a&-b\"", list);
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"&ZeVnLIqe-.&U,BTFw-\"", list);
        Assert.DoesNotContain(list, l => l.Any(ch => ch > 0x7e));
        await c.OkAsync("SELECT Entw&APw-rfe");
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"Entw&APw-rfe\"", await c.OkAsync("LIST \"\" Entw&APw-*"));
        await c.OkAsync("RENAME Entw&APw-rfe &ANw-bersicht");
        Assert.Contains(s.Store.GetFolders(ImapTestServer.Alice), f => f.Name == "Übersicht");
    }

    [Theory]
    [InlineData("a&b")]              // '&' never closed
    [InlineData("&Jjo")]             // BASE64 run without its '-'
    [InlineData("&Jjo.x")]           // '.' is not modified BASE64: the run was not closed
    [InlineData("&AGE-")]            // encodes "a", which must be sent as itself
    [InlineData("&ACY-")]            // encodes "&", which must be "&-"
    [InlineData("&AOQ-&APY-")]       // two runs back to back (null shift)
    [InlineData("&AP-")]             // one byte: not whole UTF-16
    [InlineData("&AOR-")]            // leftover bits not zero
    [InlineData("&AOQA-")]           // three bytes: not whole UTF-16
    [InlineData("&2D0-")]            // a lone high surrogate
    [InlineData("&AOQ=-")]           // '=' padding is not modified BASE64
    public async Task MalformedModifiedUtf7IsRefusedAndCreatesNothing(string wire)
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        int before = s.Store.GetFolders(ImapTestServer.Alice).Count;
        var create = await c.CommandAsync("CREATE \"" + wire + "\"");
        Assert.Contains(" NO [CANNOT] ", create[^1]);
        Assert.Contains("modified UTF-7", create[^1]);
        Assert.Equal(before, s.Store.GetFolders(ImapTestServer.Alice).Count);
        Assert.Contains(" NO [CANNOT] ", (await c.CommandAsync("SELECT \"" + wire + "\""))[^1]);
        // A LIST pattern no valid name can match: nothing listed, not an error (imaptest "atoms").
        Assert.Equal(new[] { "OK" }, (await c.CommandAsync("LIST \"\" \"" + wire + "\"")).Select(l => l.Split(' ')[1]));
        Assert.Throws<ImapParseException>(() => ImapMailboxName.Decode(wire));
        // With UTF8=ACCEPT the name is not modified UTF-7 at all: it is taken as it is.
        await c.OkAsync("ENABLE UTF8=ACCEPT");
        await c.OkAsync("CREATE \"" + wire + "\"");
        Assert.Contains(s.Store.GetFolders(ImapTestServer.Alice), f => f.Name == wire);
    }

    [Theory]
    [InlineData("&-", "&")]
    [InlineData("&AOQ-&-", "ä&")]
    [InlineData("&AOQA9g-", "äö")]
    [InlineData("&2D3eAA-", "😀")]
    [InlineData("x&AOQ-y&APY-z", "xäyöz")]
    public void CanonicalModifiedUtf7Decodes(string wire, string name)
    {
        Assert.Equal(name, ImapMailboxName.Decode(wire));
        Assert.Equal(wire, ImapMailboxName.Encode(name));
    }

    [Fact]
    public void ControlCharactersAreRefusedWithoutUtf8Accept()
    {
        Assert.Throws<ImapParseException>(() => ImapMailboxName.FromWire("a\tb", utf8Accept: false));
        Assert.Throws<ImapParseException>(() => ImapMailboxName.FromWire("Geschäft", utf8Accept: false));
        Assert.Equal("Geschäft", ImapMailboxName.FromWire("Geschäft", utf8Accept: true));
        Assert.Equal("Entwürfe", ImapMailboxName.FromWire("Entw&APw-rfe", utf8Accept: false));
    }
}
