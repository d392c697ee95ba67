using MailAdmin.Delivery;
using Xunit;

namespace MailAdmin.Engine.Tests.Hosting;

/// <summary>RFC 5321 §4.5.1: postmaster is always accepted, and lands in the postmaster account.</summary>
public class RelayPostmasterTests
{
    private const string ToPostmaster =
        "EHLO c\nMAIL FROM:<someone@remote.example>\nRCPT TO:<Postmaster>\nRCPT TO:<POSTMASTER@Example.COM>\nDATA\nSubject: hello postmaster\n\nbody\n.\n";

    [Fact]
    public async Task WithoutAnyAccountPostmasterIsRefusedClearly()
    {
        using var rig = new RelayRig();
        var d = await rig.RunAsync("EHLO c\nMAIL FROM:<a@remote.example>\nRCPT TO:<postmaster>\nRCPT TO:<postmaster@example.com>\n");
        Assert.Equal(new[] { 250, 250, 550, 550 }, d.Codes);
        Assert.All(d.Replies.Skip(2), r => Assert.Equal("5.1.1", r.EnhancedCode));
        Assert.Contains("No postmaster mailbox configured", d.Replies[2].Lines[0]);
        Assert.Null(rig.Backend.ResolvePostmaster());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GoesToTheFirstAccountCreatedEvenWhenCreatedAfterStart(bool maildir)
    {
        using var rig = new RelayRig(maildir);
        // Created after the backend: resolved when mail comes, not at start.
        await rig.AddAsync("zed@example.com");
        await rig.AddAsync("alice@example.com");
        var d = await rig.RunAsync(ToPostmaster);
        Assert.Equal(new[] { 250, 250, 250, 250, 354, 250 }, d.Codes);
        var inbox = await rig.InboxAsync("zed@example.com");
        Assert.Equal(2, inbox.Count);
        Assert.Contains(inbox, m => m.StartsWith("Delivered-To: Postmaster\r\n"));
        Assert.Contains(inbox, m => m.StartsWith("Delivered-To: POSTMASTER@Example.COM\r\n"));
        Assert.Empty(await rig.InboxAsync("alice@example.com"));
        Assert.Equal(2, rig.Trace.Of(MessageTraceStatus.Delivered).Count(e => e.Detail == "INBOX of zed@example.com"));
    }

    [Fact]
    public async Task TheFirstEnabledAccountAndTheConfiguredOne()
    {
        using var rig = new RelayRig();
        await rig.AddAsync("old@example.com");
        await rig.AddAsync("admin@example.com");
        await rig.Store.Accounts.UpdateAsync("old@example.com", new MailAdmin.Store.AccountUpdate { Enabled = false });
        Assert.Equal("admin@example.com", rig.Backend.ResolvePostmaster());

        rig.Backend.Postmaster = "Ops@Example.com";   // configured but not there (yet): refused, not misdelivered
        Assert.Null(rig.Backend.ResolvePostmaster());
        var refused = await rig.RunAsync("EHLO c\nMAIL FROM:<a@remote.example>\nRCPT TO:<postmaster>\n");
        Assert.Equal(550, refused.Replies[2].Code);
        await rig.AddAsync("ops@example.com");
        Assert.Equal("ops@example.com", rig.Backend.ResolvePostmaster());
        var d = await rig.RunAsync(ToPostmaster);
        Assert.Equal(250, d.Replies.Last().Code);
        Assert.Equal(2, (await rig.InboxAsync("ops@example.com")).Count);
    }

    [Fact]
    public async Task PostmasterOfAnotherDomainIsNotOurs()
    {
        using var rig = new RelayRig();
        await rig.AddAsync("admin@example.com");
        var d = await rig.RunAsync("EHLO c\nMAIL FROM:<a@remote.example>\nRCPT TO:<postmaster@elsewhere.example>\nRCPT TO:<postmasterx@example.com>\n");
        Assert.Equal(new[] { 250, 250, 554, 550 }, d.Codes);
    }

    [Fact]
    public async Task ResolveLocalFollowsPostmasterCatchAllAndAccounts()
    {
        using (var rig = new RelayRig())
        {
            await rig.AddAsync("admin@example.com");
            await rig.AddAsync("alice@example.com");
            Assert.Equal("admin@example.com", rig.Backend.ResolveLocal("postmaster"));
            Assert.Equal("admin@example.com", rig.Backend.ResolveLocal("PostMaster@EXAMPLE.com"));
            Assert.Equal("alice@example.com", rig.Backend.ResolveLocal("Alice@example.com"));
            Assert.Null(rig.Backend.ResolveLocal("nobody@example.com"));
            Assert.Null(rig.Backend.ResolveLocal("alice@elsewhere.example"));
        }
        using (var rig = new RelayRig(catchAll: "all@example.com"))
        {
            await rig.AddAsync("admin@example.com");
            await rig.AddAsync("all@example.com");
            Assert.Equal("all@example.com", rig.Backend.ResolveLocal("anyone@example.com"));
            Assert.Equal("all@example.com", rig.Backend.ResolveLocal("anyone@elsewhere.example"));
            Assert.Equal("admin@example.com", rig.Backend.ResolveLocal("postmaster@example.com"));
            var d = await rig.RunAsync("EHLO c\nMAIL FROM:<a@remote.example>\nRCPT TO:<postmaster>\nRCPT TO:<x@example.com>\nDATA\n\nhi\n.\n");
            Assert.Equal(250, d.Replies.Last().Code);
            Assert.Single(await rig.InboxAsync("admin@example.com"));
            Assert.Single(await rig.InboxAsync("all@example.com"));
        }
    }
}
