using Xunit;

namespace MailAdmin.Engine.Tests.Hosting;

/// <summary>
/// Never an open relay: address tricks from a client that neither authenticated nor is in a relay
/// network (percent hack, source route, quoted '@', foreign postmaster, trailing dot, case, literals)
/// put nothing in the outbound queue, with or without a catch-all.
/// </summary>
public sealed class RelayAddressTrickTests
{
    [Theory]
    [InlineData("<user%remote.test@example.com>")]
    [InlineData("<@example.com:user@remote.test>")]
    [InlineData("<\"user@remote.test\"@example.com>")]
    [InlineData("<postmaster@remote.test>")]
    [InlineData("<user@remote.test.>")]
    [InlineData("<USER@REMOTE.TEST>")]
    [InlineData("<user@[127.0.0.1]>")]
    [InlineData("<user@example.com.remote.test>")]
    [InlineData("<postmaster@remote.test.>")]
    [InlineData("<user@remote.test@example.com>")]
    [InlineData("<alice@example.com@remote.test>")]
    [InlineData("<\"alice@example.com\"@remote.test>")]
    public async Task NothingIsQueuedForAnUntrustedClient(string rcpt)
    {
        foreach (var catchAll in new string?[] { null, "all@example.com" })
        {
            using var rig = new RelayRig(maildir: true, catchAll: catchAll);
            await rig.AddAsync("alice@example.com");
            var queue = rig.UseQueue();
            await rig.RunAsync("EHLO c\nMAIL FROM:<x@remote.test>\nRCPT TO:" + rcpt + "\nRCPT TO:<alice@example.com>\nDATA\nSubject: s\n\nbody\n.\n");
            Assert.Empty(queue.GetMessages());
        }
    }
}
