using System.Text;
using MailAdmin.Delivery;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Store;

namespace MailAdmin.Engine.Tests.Delivery;

/// <summary>Builders shared by the queue tests.</summary>
internal static class QueueTestKit
{
    public static DeliveryOptions FastOptions(params int[] retryMilliseconds) => new()
    {
        RetrySchedule = (retryMilliseconds.Length > 0 ? retryMilliseconds : new[] { 60_000 }).Select(ms => TimeSpan.FromMilliseconds(ms)).ToList(),
    };

    public static OutboundQueue NewQueue(IOutboundTransport transport, DeliveryOptions? options = null, IQueueStore? store = null, IMessageTrace? trace = null, INoticeSender? notices = null)
        => new(options ?? FastOptions(), store ?? new InMemoryQueueStore(), transport, trace ?? new InMemoryMessageTrace()) { Notices = notices };

    public static QueueMessage Message(params string[] recipients) => Message(DsnNotify.Unspecified, recipients);

    public static QueueMessage Message(DsnNotify notify, params string[] recipients)
    {
        var m = new QueueMessage(OutboundQueue.NewId(), "sender@here.test") { MessageId = Guid.NewGuid().ToString("N") + "@here.test", Subject = "test" };
        foreach (var r in recipients) m.Recipients.Add(new QueueRecipient(r) { Notify = notify });
        return m;
    }

    public static byte[] Body(string subject = "test") => Encoding.ASCII.GetBytes("From: sender@here.test\r\nSubject: " + subject + "\r\n\r\nHello.\r\n");

    public static Task Enqueue(OutboundQueue queue, QueueMessage message) => queue.EnqueueAsync(message, new ArrayContent(Body()), CancellationToken.None);

    public static RecipientResult Reply(string address, int code, string enhanced, string text = "scripted") => new(address, code, enhanced, text, "mx.test");

    public static async Task Idle(OutboundQueue queue, int seconds = 5)
        => Xunit.Assert.True(await queue.WaitIdleAsync(TimeSpan.FromSeconds(seconds)), "the queue did not become idle");

    public static QueueRecipient Recipient(OutboundQueue queue, string id, string address)
        => queue.GetMessages().Single(m => m.Id == id).Recipients.Single(r => r.Address == address);
}
