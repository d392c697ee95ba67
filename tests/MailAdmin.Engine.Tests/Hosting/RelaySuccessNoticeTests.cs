using MailAdmin.Delivery;
using Xunit;

namespace MailAdmin.Engine.Tests.Hosting;

/// <summary>RCPT NOTIFY=SUCCESS at final delivery: a "delivered" notice for exactly the recipients that asked (RFC 3461 §6.2.6).</summary>
public class RelaySuccessNoticeTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OnlyTheRecipientThatAskedGetsADeliveredNotice(bool maildir)
    {
        using var rig = new RelayRig(maildir);
        await rig.AddAsync("alice@example.com");
        await rig.AddAsync("bob@example.com");
        var driver = await rig.RunAsync("EHLO c\nMAIL FROM:<sender@remote.example>\nRCPT TO:<alice@example.com> NOTIFY=SUCCESS,FAILURE\nRCPT TO:<bob@example.com>\nDATA\nSubject: s\n\nbody\n.\n");
        Assert.Equal(250, driver.Replies.Last().Code);

        var notice = Assert.Single(rig.Notices.Sent);
        Assert.Equal(NoticeKind.Success, notice.Kind);
        var alice = Assert.Single(notice.Recipients);
        Assert.Equal(("alice@example.com", QueueRecipientStatus.Delivered), (alice.Address, alice.Status));
        Assert.StartsWith("250 2.0.0", alice.LastReply);
        // The notice still had the content: the last delivery copied instead of moving the file.
        Assert.Contains("Subject: s", notice.Original);
        Assert.Single(await rig.InboxAsync("alice@example.com"));
        Assert.Single(await rig.InboxAsync("bob@example.com"));
    }

    [Fact]
    public async Task WithoutNotifySuccessNoNoticeGoes()
    {
        using var rig = new RelayRig(maildir: true);
        await rig.AddAsync("alice@example.com");
        var driver = await rig.RunAsync("EHLO c\nMAIL FROM:<sender@remote.example>\nRCPT TO:<alice@example.com> NOTIFY=FAILURE\nDATA\nSubject: s\n\nbody\n.\n");
        Assert.Equal(250, driver.Replies.Last().Code);
        Assert.Empty(rig.Notices.Sent);
    }
}
