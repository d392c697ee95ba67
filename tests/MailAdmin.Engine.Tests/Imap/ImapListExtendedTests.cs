using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), STATUS=SIZE (RFC 8438), LSUB's \Noselect parents and
/// mailbox names with unusual atom characters, over a real socket, following imaptest's listext, subscribe and atoms scripts.
/// </summary>
public class ImapListExtendedTests
{
    private static async Task<ImapRawClient> WithListextFoldersAsync(ImapTestServer s)
    {
        var c = await s.ConnectAsync(login: true);
        foreach (var f in new[] { "t.", "t.test1", "t.test2.", "t.test2.test1", "t.test3", "t.test4.test5", "t.test4.test52", "t.test6", "t.test7.test7", "t.test8.test8", "t.test8.test9" })
            await c.OkAsync("CREATE " + f);
        foreach (var f in new[] { "t.test1", "t.test2.test1", "t.test6", "t.test7.test7", "t.test8.test8", "t.test8.test9" })
            await c.OkAsync("SUBSCRIBE " + f);
        await c.OkAsync("DELETE t.test6");
        return c;
    }

    private static string? Line(List<string> lines, string name) => lines.SingleOrDefault(l => l.EndsWith(" \"" + name + "\"", StringComparison.Ordinal) || l.Contains(" \"" + name + "\" (", StringComparison.Ordinal));

    [Fact]
    public async Task CapabilitiesAreAnnounced()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        var caps = (await c.OkAsync("CAPABILITY"))[0].Split(' ');
        foreach (var cap in new[] { "LIST-EXTENDED", "LIST-STATUS", "STATUS=SIZE", "CREATE-SPECIAL-USE", "MULTIAPPEND", "SPECIAL-USE" })
            Assert.Contains(cap, caps);
    }

    [Fact]
    public async Task MultiplePatternsSelectionAndReturnOptions()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await WithListextFoldersAsync(s);

        var multi = await c.OkAsync("LIST \"\" (t.*2 t.test3)");
        Assert.Equal(new[] { "t.test2", "t.test3", "t.test4.test52" }, multi.SkipLast(1).Select(l => l.Split('"')[^2]));

        var subscribed = await c.OkAsync("LIST (SUBSCRIBED) \"\" t.*");
        Assert.Equal("* LIST (\\HasNoChildren \\Subscribed) \".\" \"t.test1\"", Line(subscribed, "t.test1"));
        Assert.Equal("* LIST (\\NonExistent \\Subscribed) \".\" \"t.test6\"", Line(subscribed, "t.test6"));
        Assert.Null(Line(subscribed, "t.test3"));
        Assert.Null(Line(subscribed, "t.test8.test8.x"));

        var children = await c.OkAsync("LIST \"\" t.% RETURN (CHILDREN SUBSCRIBED)");
        Assert.Equal("* LIST (\\HasNoChildren \\Subscribed) \".\" \"t.test1\"", Line(children, "t.test1"));
        Assert.Equal("* LIST (\\HasChildren) \".\" \"t.test2\"", Line(children, "t.test2"));
        Assert.Equal("* LIST (\\HasNoChildren) \".\" \"t.test3\"", Line(children, "t.test3"));
        Assert.Equal("* LIST (\\Noselect \\HasChildren) \".\" \"t.test7\"", Line(children, "t.test7"));
        Assert.Null(Line(children, "t.test6"));
    }

    [Fact]
    public async Task RecursiveMatchReportsParentsOfUnlistedSubscribedChildren()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await WithListextFoldersAsync(s);

        var r = await c.OkAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" t.test2% RETURN (CHILDREN)");
        Assert.Equal("* LIST (\\HasChildren) \".\" \"t.test2\" (\"CHILDINFO\" (\"SUBSCRIBED\"))", r[0]);
        Assert.Equal(2, r.Count);

        // The only subscribed child matches itself: no CHILDINFO for its parent.
        r = await c.OkAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" t*test7");
        Assert.Equal(new[] { "* LIST (\\HasNoChildren \\Subscribed) \".\" \"t.test7.test7\"" }, r.SkipLast(1));

        r = await c.OkAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" t*test8");
        Assert.Equal("* LIST (\\Noselect \\HasChildren) \".\" \"t.test8\" (\"CHILDINFO\" (\"SUBSCRIBED\"))", Line(r, "t.test8"));
        Assert.NotNull(Line(r, "t.test8.test8"));

        r = await c.OkAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (t.test2 t.test2.test1)");
        Assert.Equal(new[] { "* LIST (\\HasNoChildren \\Subscribed) \".\" \"t.test2.test1\"" }, r.SkipLast(1));
    }

    [Theory]
    [InlineData("LIST (IMAPTEST) \"\" \"\"")]
    [InlineData("LIST (RECURSIVEMATCH) \"\" \"\"")]
    [InlineData("LIST (RECURSIVEMATCH REMOTE) \"\" \"\"")]
    [InlineData("LIST \"\" \"\" RETURN (IMAPTEST)")]
    [InlineData("LIST \"\" % RETURN (STATUS (MESSAGES BOGUS))")]
    [InlineData("LIST \"\" % RETURN")]
    public async Task InvalidOptionsAreBad(string command)
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        var r = await c.CommandAsync(command);
        Assert.Single(r);
        Assert.Contains(" BAD ", r[0]);
        await c.OkAsync("LIST (REMOTE) \"\" %");
    }

    [Fact]
    public async Task SpecialUseSelectionAndListStatus()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await s.DeliverAsync("one");
        await s.DeliverAsync("two");
        await c.OkAsync("CREATE Empty");
        await c.OkAsync("CREATE Parent.Child");

        var special = await c.OkAsync("LIST (SPECIAL-USE) \"\" *");
        Assert.Equal(new[] { "Drafts", "Junk", "Sent", "Trash" }, special.SkipLast(1).Select(l => l.Split('"')[^2]));
        Assert.Contains("* LIST (\\HasNoChildren \\Sent) \".\" \"Sent\"", special);

        var size = s.Store.GetFolderStatus(ImapTestServer.Alice, "INBOX").Size;
        var r = await c.OkAsync("LIST \"\" * RETURN (STATUS (MESSAGES UNSEEN SIZE))");
        int inbox = r.IndexOf("* LIST (\\HasNoChildren) \".\" \"INBOX\"");
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 2 UNSEEN 2 SIZE " + size + ")", r[inbox + 1]);
        int empty = r.IndexOf("* LIST (\\HasNoChildren) \".\" \"Empty\"");
        Assert.Equal("* STATUS \"Empty\" (MESSAGES 0 UNSEEN 0 SIZE 0)", r[empty + 1]);
        // A \Noselect parent gets no STATUS.
        int parent = r.IndexOf("* LIST (\\Noselect \\HasChildren) \".\" \"Parent\"");
        Assert.StartsWith("* LIST ", r[parent + 1]);

        Assert.Equal("* STATUS \"INBOX\" (SIZE " + size + " MESSAGES 2)", (await c.OkAsync("STATUS INBOX (SIZE MESSAGES)"))[0]);
    }

    [Fact]
    public async Task LsubShowsUnsubscribedParentOfSubscribedChildAsNoselect()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        foreach (var f in new[] { "m.", "m.test", "m.test2.", "m.test3.", "m.test2.test", "m.test3.test3" }) await c.OkAsync("CREATE " + f);
        foreach (var f in new[] { "m.test", "m.test2.test", "m.test3.test3" }) await c.OkAsync("SUBSCRIBE " + f);
        await using var other = await s.ConnectAsync(login: true);

        Assert.Equal(new[] { "* LSUB () \".\" \"m.test\"", "* LSUB (\\Noselect) \".\" \"m.test2\"", "* LSUB (\\Noselect) \".\" \"m.test3\"" },
            (await other.OkAsync("LSUB \"\" m.%")).SkipLast(1));
        Assert.Equal(new[] { "* LSUB () \".\" \"m.test\"", "* LSUB () \".\" \"m.test2.test\"" }, (await other.OkAsync("LSUB \"\" *test")).SkipLast(1));

        await c.OkAsync("UNSUBSCRIBE m.test");
        await c.OkAsync("UNSUBSCRIBE m.test2.test");
        Assert.Equal(new[] { "* LSUB () \".\" \"m.test3.test3\"" }, (await other.OkAsync("LSUB \"\" m.*")).SkipLast(1));
        // A subscribed mailbox deleted since: still subscribed (RFC 3501 §6.3.6), shown as \Noselect.
        await c.OkAsync("DELETE m.test3.test3");
        Assert.Equal(new[] { "* LSUB (\\Noselect) \".\" \"m.test3.test3\"" }, (await other.OkAsync("LSUB \"\" m.*")).SkipLast(1));
    }

    [Fact]
    public async Task NewFoldersAreNotSubscribed()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("CREATE Fresh");
        Assert.DoesNotContain(await c.OkAsync("LSUB \"\" *"), l => l.Contains("Fresh"));
        Assert.Contains("* LSUB () \".\" \"INBOX\"", await c.OkAsync("LSUB \"\" *"));
        Assert.DoesNotContain("Fresh", s.Store.GetSubscriptions(ImapTestServer.Alice));
        await c.OkAsync("SUBSCRIBE Fresh");
        Assert.Contains("Fresh", s.Store.GetSubscriptions(ImapTestServer.Alice));
    }

    [Fact]
    public async Task AtomsWithUnusualCharacters()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("LIST \"\" ~foo");
        Assert.Contains(" NO ", (await c.CommandAsync("SELECT ~foo"))[^1]);
        // '[' is an atom character outside FETCH sections; "&'+,-" is not valid modified UTF-7: NO, not BAD.
        Assert.Contains(" NO ", (await c.CommandAsync("SELECT !#$&'+,-.0123456789:;<=>?@^_`|[}"))[^1]);
        await c.OkAsync("LIST \"\" !#$&'+,-.0123456789:;<=>?@^_`|[}%*");
        await c.OkAsync("CREATE a[b");
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"a[b\"", await c.OkAsync("LIST \"\" a[*"));
        await c.OkAsync("SELECT a[b");
    }

    [Fact]
    public async Task CreateSpecialUse()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("CREATE \"Old Mail\" (USE (\\Archive))");
        Assert.Contains("* LIST (\\HasNoChildren \\Archive) \".\" \"Old Mail\"", await c.OkAsync("LIST \"\" *"));
        Assert.Contains(" NO [USEATTR] ", (await c.CommandAsync("CREATE Everything (USE (\\All))"))[^1]);
        Assert.Contains(" NO [USEATTR] ", (await c.CommandAsync("CREATE Odd (USE (\\Bogus))"))[^1]);
        Assert.Contains(" BAD ", (await c.CommandAsync("CREATE Odd (USE)"))[^1]);
        Assert.DoesNotContain(s.Store.GetFolders(ImapTestServer.Alice), f => f.Name is "Everything" or "Odd");
        await c.OkAsync("CREATE Plain (USE ())");
        Assert.Null(s.Store.GetFolders(ImapTestServer.Alice).Single(f => f.Name == "Plain").SpecialUse);
    }
}
