using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>SORT (RFC 5256 §3), SORT=DISPLAY (RFC 5957) and THREAD (RFC 5256 §2) over a socket and through MailKit.</summary>
public class ImapSortThreadTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Messages with the given header lines, delivered in order; <c>arrivalHours</c> sets INTERNALDATE as hours after <see cref="Day"/>.</summary>
    private static async Task<(ImapTestServer Server, ImapRawClient Client)> SetupAsync(params (string Headers, int ArrivalHours)[] messages)
    {
        var s = await ImapTestServer.StartAsync();
        int n = 0;
        foreach (var (headers, hours) in messages)
        {
            var text = headers.Replace("\n", "\r\n") + "\r\n\r\nbody " + new string('x', ++n) + "\r\n";
            await s.Store.DeliverAsync(ImapTestServer.Alice, "INBOX", Encoding.UTF8.GetBytes(text), Day.AddHours(hours));
        }
        var c = await s.ConnectAsync(login: true);
        await c.OkAsync("SELECT INBOX");
        return (s, c);
    }

    private static (string, int) M(string headers, int arrivalHours = 0) => (headers, arrivalHours);

    [Fact]
    public async Task SortsByArrivalSizeAndDateWithReverseAndSequenceTieBreak()
    {
        var (s, c) = await SetupAsync(
            M("Date: Fri, 20 Nov 2026 10:00:00 +0000", 5),
            M("Date: Fri, 20 Nov 2026 12:00:00 +0000", 1),
            M("Date: Fri, 20 Nov 2026 13:00:00 +0200", 3),     // 11:00 UTC
            M("Subject: no date", -1),                         // sorts by INTERNALDATE 11:00 UTC
            M("Date: Fri, 20 Nov 2026 12:00:00 +0000", 1));
        await using var _ = s;
        await using var __ = c;
        Assert.Equal("* SORT 4 2 5 3 1", (await c.OkAsync("SORT (ARRIVAL) US-ASCII ALL"))[0]);
        Assert.Equal("* SORT 1 3 2 5 4", (await c.OkAsync("SORT (REVERSE ARRIVAL) US-ASCII ALL"))[0]);
        Assert.Equal("* SORT 1 3 4 2 5", (await c.OkAsync("SORT (DATE) UTF-8 ALL"))[0]);
        Assert.Equal("* SORT 2 5 3 4 1", (await c.OkAsync("SORT (REVERSE DATE) UTF-8 ALL"))[0]);
        // Equal dates (3 and 4 at 11:00, 2 and 5 at 12:00) fall back on the next key, the larger first.
        Assert.Equal("* SORT 1 3 4 5 2", (await c.OkAsync("SORT (DATE REVERSE SIZE) UTF-8 ALL"))[0]);
        // Sizes: a "Date:" line is longer than "Subject: no date"; bodies grow by one byte each.
        Assert.Equal("* SORT 4 1 2 3", (await c.OkAsync("SORT (SIZE) UTF-8 NOT 5"))[0]);
        var uids = s.Store.ListMessages(ImapTestServer.Alice, "INBOX").Select(m => m.Uid).ToList();
        Assert.Equal($"* SORT {uids[3]} {uids[1]}", (await c.OkAsync("UID SORT (ARRIVAL) UTF-8 2,4"))[0]);
        Assert.Contains("NO [BADCHARSET", (await c.CommandAsync("SORT (DATE) KOI8-X ALL"))[^1]);
        Assert.Contains("BAD", (await c.CommandAsync("SORT (FROB) UTF-8 ALL"))[^1]);
        Assert.Contains("BAD", (await c.CommandAsync("SORT (DATE REVERSE) UTF-8 ALL"))[^1]);
        Assert.Contains("BAD", (await c.CommandAsync("SORT (DATE) UTF-8 9"))[^1]);
    }

    [Fact]
    public async Task SortsBySubjectAddressesAndDisplayNames()
    {
        var (s, c) = await SetupAsync(
            M("Subject: Re: beta\nFrom: Zed <b-user@example.org>\nTo: x@example.org"),
            M("Subject: alpha\nFrom: a-user@example.org (Mallory)\nTo: grp: m@example.org;"),
            M("Subject: =?utf-8?q?Fwd=3A_Beta?=\nFrom: =?utf-8?q?=C3=84rger?= <c-user@example.org>"),
            M("Subject: [list] Alpha (fwd)\nCc: nobody@example.org"),
            M("Subject: _under\nFrom: \"Bob\" <d-user@example.org>"));
        await using var _ = s;
        await using var __ = c;
        // Base subjects: beta, alpha, Beta, Alpha, _under; '_' sorts after letters (upper-case compare).
        Assert.Equal("* SORT 2 4 1 3 5", (await c.OkAsync("SORT (SUBJECT) UTF-8 ALL"))[0]);
        Assert.Equal("* SORT 5 1 3 2 4", (await c.OkAsync("SORT (REVERSE SUBJECT) UTF-8 ALL"))[0]);
        // FROM compares the first mailbox's local part; a missing field is "".
        Assert.Equal("* SORT 4 2 1 3 5", (await c.OkAsync("SORT (FROM) UTF-8 ALL"))[0]);
        // TO: "", "", "", "grp" (a group's name), "x".
        Assert.Equal("* SORT 3 4 5 2 1", (await c.OkAsync("SORT (TO) UTF-8 ALL"))[0]);
        Assert.Equal("* SORT 1 2 3 5 4", (await c.OkAsync("SORT (CC) UTF-8 ALL"))[0]);
        // DISPLAYFROM: "", Mallory (comment), Zed, Ärger (decoded), Bob.
        Assert.Equal("* SORT 4 5 2 1 3", (await c.OkAsync("SORT (DISPLAYFROM) UTF-8 ALL"))[0]);
        Assert.Equal("* SORT 3 4 5 2 1", (await c.OkAsync("SORT (DISPLAYTO) UTF-8 ALL"))[0]);
    }

    [Fact]
    public async Task ThreadsByOrderedSubject()
    {
        var (s, c) = await SetupAsync(
            M("Subject: apples\nDate: Fri, 20 Nov 2026 10:00:00 +0000"),
            M("Subject: pears\nDate: Fri, 20 Nov 2026 09:00:00 +0000"),
            M("Subject: Re: apples\nDate: Fri, 20 Nov 2026 11:00:00 +0000"),
            M("Subject: RE: Pears\nDate: Fri, 20 Nov 2026 09:30:00 +0000"),
            M("Subject: Fwd: apples\nDate: Fri, 20 Nov 2026 10:30:00 +0000"),
            M("Subject: plums\nDate: Fri, 20 Nov 2026 08:00:00 +0000"));
        await using var _ = s;
        await using var __ = c;
        Assert.Equal("* THREAD (6)(2 4)(1 (5)(3))", (await c.OkAsync("THREAD ORDEREDSUBJECT UTF-8 ALL"))[0]);
        var uids = s.Store.ListMessages(ImapTestServer.Alice, "INBOX").Select(m => m.Uid).ToList();
        Assert.Equal($"* THREAD ({uids[1]})({uids[0]} {uids[2]})", (await c.OkAsync("UID THREAD ORDEREDSUBJECT UTF-8 1:3"))[0]);
        Assert.Equal("* THREAD", (await c.OkAsync("THREAD ORDEREDSUBJECT UTF-8 DELETED"))[0]);
        Assert.Contains("BAD", (await c.CommandAsync("THREAD FROB UTF-8 ALL"))[^1]);
    }

    [Fact]
    public async Task ThreadsByReferencesWithMissingParentsDuplicatesAndLoops()
    {
        var (s, c) = await SetupAsync(
            M("Message-ID: <root@x>\nSubject: topic\nDate: Fri, 20 Nov 2026 10:00:00 +0000"),
            M("Message-ID: <r1@x>\nReferences: <root@x>\nSubject: Re: topic\nDate: Fri, 20 Nov 2026 11:00:00 +0000"),
            M("Message-ID: <r2@x>\nIn-Reply-To: <r1@x>\nSubject: Re: topic\nDate: Fri, 20 Nov 2026 12:00:00 +0000"),
            M("Message-ID: <r3@x>\nReferences: <root@x>\nSubject: Re: topic\nDate: Fri, 20 Nov 2026 10:30:00 +0000"),
            // Two replies to a message we do not have: a dummy parent with two children.
            M("Message-ID: <o1@x>\nReferences: <gone@x>\nSubject: other\nDate: Fri, 20 Nov 2026 08:00:00 +0000"),
            M("Message-ID: <o2@x>\nReferences: <gone@x>\nSubject: different\nDate: Fri, 20 Nov 2026 08:30:00 +0000"),
            // No references, same base subject as a root which is not a reply: joins it as a child.
            M("Message-ID: <s1@x>\nSubject: Re: lonely\nDate: Fri, 20 Nov 2026 07:00:00 +0000"),
            M("Message-ID: <s0@x>\nSubject: lonely\nDate: Fri, 20 Nov 2026 06:00:00 +0000"));
        await using var _ = s;
        await using var __ = c;
        Assert.Equal("* THREAD (8 7)((5)(6))(1 (4)(2 3))", (await c.OkAsync("THREAD REFERENCES UTF-8 ALL"))[0]);
    }

    [Fact]
    public async Task ReferencesLoopBreaksTheOldParentAndDuplicateIdsStandAlone()
    {
        // <c> first hangs under <a> (through msg 2's References), then says it replies to <b>,
        // which is its own child: the loop is not made, and <c> stops being <a>'s child.
        var (s, c) = await SetupAsync(
            M("Message-ID: <a@x>", 3),
            M("Message-ID: <b@x>\nReferences: <a@x> <c@x>", 1),
            M("Message-ID: <c@x>\nReferences: <b@x>", 2),
            M("Message-ID: <a@x>", 4),
            M("References: <c@x> <c@x>", 5));
        await using var _ = s;
        await using var __ = c;
        Assert.Equal("* THREAD (3 2)(1)(4)", (await c.OkAsync("THREAD REFERENCES US-ASCII 1:4"))[0]);
        Assert.Equal("* THREAD (3 (2)(5))(1)", (await c.OkAsync("THREAD REFERENCES US-ASCII 1,2,3,5"))[0]);
    }

    [Fact]
    public async Task MailKitSortsThreadsAndSearchesWithResultOptions()
    {
        await using var s = await ImapTestServer.StartAsync();
        foreach (var (subject, from, hours) in new[] { ("gamma", "zoe@example.org", 2), ("Re: alpha", "amy@example.org", 1), ("alpha", "bob@example.org", 0), ("beta", "cat@example.org", 3) })
        {
            var text = $"From: {from}\r\nSubject: {subject}\r\nMessage-ID: <{subject.Replace(":", "").Replace(" ", "")}@t>\r\nDate: {Day.AddHours(hours):R}\r\n\r\nbody\r\n";
            await s.Store.DeliverAsync(ImapTestServer.Alice, "INBOX", Encoding.UTF8.GetBytes(text), Day.AddHours(hours));
        }
        using var client = new ImapClient { Timeout = 10_000 };
        await client.ConnectAsync("127.0.0.1", s.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.Alice, ImapTestServer.Password);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.ESearch));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.SearchResults));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Sort));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Thread));
        Assert.Contains(ThreadingAlgorithm.References, client.ThreadingAlgorithms);
        Assert.Contains(ThreadingAlgorithm.OrderedSubject, client.ThreadingAlgorithms);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uids = s.Store.ListMessages(ImapTestServer.Alice, "INBOX").Select(m => m.Uid).ToList();

        var result = await inbox.SearchAsync(SearchOptions.All | SearchOptions.Count | SearchOptions.Min | SearchOptions.Max, SearchQuery.SubjectContains("alpha"));
        Assert.Equal(2, result.Count);
        Assert.Equal(uids[1], result.Min!.Value.Id);
        Assert.Equal(uids[2], result.Max!.Value.Id);
        Assert.Equal(new[] { uids[1], uids[2] }, result.UniqueIds.Select(u => u.Id));

        var bySubject = await inbox.SortAsync(SearchQuery.All, new[] { OrderBy.Subject, OrderBy.ReverseArrival });
        Assert.Equal(new[] { uids[1], uids[2], uids[3], uids[0] }, bySubject.Select(u => u.Id));
        var byFrom = await inbox.SortAsync(SearchQuery.All, new[] { OrderBy.From });
        Assert.Equal(new[] { uids[1], uids[2], uids[3], uids[0] }, byFrom.Select(u => u.Id));

        var threads = await inbox.ThreadAsync(ThreadingAlgorithm.OrderedSubject, SearchQuery.All);
        Assert.Equal(3, threads.Count);
        Assert.Equal(uids[2], threads[0].UniqueId!.Value.Id);
        Assert.Equal(uids[1], Assert.Single(threads[0].Children).UniqueId!.Value.Id);
        var references = await inbox.ThreadAsync(ThreadingAlgorithm.References, SearchQuery.All);
        Assert.Equal(3, references.Count);
        await client.DisconnectAsync(true);
    }
}
