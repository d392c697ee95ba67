using System.Text;
using MailAdmin.Messages;
using Xunit;

namespace MailAdmin.Engine.Tests.Messages;

public class ReceivedRouteTests
{
    private static MailMessage Message(params string[] receivedTopFirst)
    {
        var text = new StringBuilder();
        foreach (var r in receivedTopFirst) text.Append("Received: ").Append(r).Append("\r\n");
        text.Append("From: a@example.org\r\nTo: b@example.net\r\nSubject: route\r\n\r\nbody\r\n");
        return MailMessage.FromBytes(Encoding.UTF8.GetBytes(text.ToString()));
    }

    [Fact]
    public void The_bottom_most_header_is_hop_one_and_clock_skew_is_flagged_not_an_error()
    {
        // host1 stamps 11:34:36; host2, the next hop (written above it), stamps 11:33:00.
        var message = Message(
            "from host1.example.org by host2.example.net with ESMTP id B; Mon, 5 Jan 2026 11:33:00 +0000",
            "from client.example.org by host1.example.org with ESMTP id A; Mon, 5 Jan 2026 11:34:36 +0000");
        var hops = MailRoute.GetHops(message);
        Assert.Equal(2, hops.Count);
        Assert.Equal(1, hops[0].Hop);
        Assert.Equal("host1.example.org", hops[0].ByHost);
        Assert.Null(hops[0].Delay);
        Assert.False(hops[0].ClockSkew);
        Assert.Equal(2, hops[1].Hop);
        Assert.Equal("host2.example.net", hops[1].ByHost);
        Assert.Equal(-TimeSpan.FromSeconds(96), hops[1].Delay);
        Assert.True(hops[1].ClockSkew);
        Assert.Null(hops[1].ParseError);
        Assert.Same(message, hops[1].Message);
    }

    [Fact]
    public void Delays_across_time_zones_and_elapsed_time()
    {
        var hops = MailRoute.FromFieldBodies(new[]
        {
            "by c.example; Mon, 5 Jan 2026 12:00:10 +0100",
            "by b.example; Mon, 5 Jan 2026 06:00:05 -0500",
            "by a.example; Mon, 5 Jan 2026 11:00:00 +0000",
        });
        Assert.Equal(new[] { "a.example", "b.example", "c.example" }, hops.Select(h => h.ByHost));
        Assert.Equal(TimeSpan.FromSeconds(5), hops[1].Delay);
        Assert.Equal(TimeSpan.FromSeconds(5), hops[2].Delay);
        Assert.Equal(TimeSpan.FromSeconds(10), hops[2].Elapsed);
        Assert.All(hops, h => Assert.False(h.ClockSkew));
        var summary = MailRoute.Summarize(hops);
        Assert.Equal(3, summary.HopCount);
        Assert.Equal(TimeSpan.FromSeconds(10), summary.TotalTime);
        Assert.Equal("c.example", summary.Destination);
        Assert.Equal(0, summary.ClockSkewCount);
    }

    [Fact]
    public void A_malformed_hop_is_reported_and_the_rest_parsed()
    {
        var message = Message(
            "from b.example by c.example with ESMTP; Mon, 5 Jan 2026 10:00:30 +0000",
            "this is not a received header at all",
            "from client.example by a.example with ESMTP; Mon, 5 Jan 2026 10:00:00 +0000");
        var hops = MailRoute.GetHops(message);
        Assert.Equal(3, hops.Count);
        Assert.Null(hops[0].ParseError);
        Assert.NotNull(hops[1].ParseError);
        Assert.Null(hops[1].Delay);
        Assert.Null(hops[2].ParseError);
        Assert.Null(hops[2].Delay); // the previous hop has no timestamp
        Assert.Equal(TimeSpan.FromSeconds(30), hops[2].Elapsed);
        Assert.Equal("this is not a received header at all", hops[1].RawValue);
        Assert.Equal(1, MailRoute.Summarize(hops).ParseErrorCount);
    }

    [Fact]
    public void A_message_without_received_headers_has_no_hops()
    {
        Assert.Empty(MailRoute.GetHops(Message()));
        Assert.Null(MailRoute.Summarize(MailRoute.GetHops(Message())).TotalTime);
    }
}
