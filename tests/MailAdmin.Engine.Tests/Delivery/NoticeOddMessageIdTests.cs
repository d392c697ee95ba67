using MailAdmin.Delivery;
using Xunit;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>The original's Message-ID goes into In-Reply-To/References; an odd one must not stop the notice.</summary>
public sealed class NoticeOddMessageIdTests
{
    [Theory]
    [InlineData("a b@c")]
    [InlineData("no-at-sign")]
    [InlineData("x@y>z")]
    [InlineData("\"q\"@[1.2.3.4]")]
    [InlineData("a@b@c")]
    public void OddMessageIdStillBuilds(string id)
    {
        var m = NoticeBuilderTests.Message();
        m.MessageId = id;
        var n = DeliveryStatusNotice.Build(NoticeKind.Failure, m, new[] { NoticeBuilderTests.Recipient("bob@remote.test", "550 5.1.1 no") }, NoticeBuilderTests.Original(), "mx.example.com", TimeSpan.FromDays(5), NoticeBuilderTests.Now);
        Assert.NotEmpty(n.Content);
    }
}
