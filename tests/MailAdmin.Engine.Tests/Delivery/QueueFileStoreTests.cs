using System.Text;
using MailAdmin.Delivery;
using MailAdmin.Engine.Tests.Store;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Store;
using Xunit;
using static MailAdmin.Engine.Tests.Delivery.QueueTestKit;

namespace MailAdmin.Engine.Tests.Delivery;

public sealed class QueueFileStoreTests : IDisposable
{
    private readonly TempDirectory root = new();
    private string QueueDir => Path.Combine(root.Path, FileQueueStore.DirectoryName);

    public void Dispose() => root.Dispose();

    private static QueueMessage Full()
    {
        var m = new QueueMessage(OutboundQueue.NewId(), "Sénder@here.test")
        {
            ReceivedAt = new DateTimeOffset(2026, 12, 2, 14, 0, 0, 123, TimeSpan.Zero),
            EnvelopeId = "env \"1\"",
            Ret = DsnReturn.Headers,
            SmtpUtf8 = true,
            Body = SmtpBodyType.EightBitMime,
            Size = 42,
            MessageId = "abc@here.test",
            Subject = "Grüße\r\n\ttab",
            AuthenticatedUser = "user@here.test",
            ClientAddress = "127.0.0.1",
            ClientTrusted = true,
        };
        m.Recipients.Add(new QueueRecipient("a@x.test") { Notify = DsnNotify.Success | DsnNotify.Delay, OriginalRecipient = "rfc822;A@x.test" });
        m.Recipients.Add(new QueueRecipient("b@y.test")
        {
            Status = QueueRecipientStatus.Deferred, Attempts = 3, LastReply = "451 4.4.1 no answer", RemoteHost = "mx.y.test",
            LastAttempt = new DateTimeOffset(2026, 12, 2, 15, 0, 0, TimeSpan.Zero), NextAttempt = new DateTimeOffset(2026, 12, 2, 16, 0, 0, TimeSpan.Zero), DelayNotified = true,
        });
        return m;
    }

    [Fact]
    public async Task State_and_content_round_trip_through_a_new_store()
    {
        var m = Full();
        using (var store = new FileQueueStore(QueueDir))
        {
            await store.AddAsync(m, new ArrayContent(Body()), CancellationToken.None);
            m.Suspended = true;
            m.Recipients[0].Status = QueueRecipientStatus.Delivered;
            m.Recipients[0].LastReply = "250 2.0.0 ok";
            store.Save(m);
        }
        using var again = new FileQueueStore(QueueDir);
        var loaded = Assert.Single(again.Load());
        Assert.Equal(QueueStateJson.Serialize(m), QueueStateJson.Serialize(loaded));
        Assert.Equal(m.ReceivedAt, loaded.ReceivedAt);
        Assert.Equal(m.Recipients[1].NextAttempt, loaded.Recipients[1].NextAttempt);
        Assert.Equal(DsnNotify.Success | DsnNotify.Delay, loaded.Recipients[0].Notify);
        Assert.True(loaded.Suspended);
        using (var s = again.OpenContent(m.Id))
        using (var copy = new MemoryStream())
        {
            await s.CopyToAsync(copy);
            Assert.Equal(Body(), copy.ToArray());
        }
        again.Delete(m.Id, durable: true);
        again.Delete(m.Id, durable: false); // not there: no error
        Assert.Empty(new FileQueueStore(QueueDir).Load());
        Assert.Empty(Directory.GetFiles(QueueDir));
    }

    [Fact]
    public async Task An_incoming_file_is_moved_into_the_queue_and_the_store_sees_no_account_there()
    {
        using var mail = new MaildirStore(root.Path, 1000);
        await mail.Accounts.AddAsync("owner@here.test", "pw");
        using var incoming = mail.CreateIncomingMessage();
        incoming.Write(Body("moved"));
        var m = Message("r@a.test");
        using var store = new FileQueueStore(QueueDir);
        await store.AddAsync(m, incoming.AsContent(), CancellationToken.None);
        Assert.Empty(Directory.GetFiles(Path.Combine(root.Path, MaildirStore.IncomingDirectoryName)));
        Assert.Equal(Body("moved"), File.ReadAllBytes(Path.Combine(QueueDir, m.Id + ".eml")));

        using var reopened = new MaildirStore(root.Path, 1000);
        var accounts = await reopened.Accounts.ListAsync();
        Assert.Equal(new[] { "owner@here.test" }, accounts.Select(a => a.Address));
        Assert.Throws<InvalidAccountAddressException>(() => reopened.GetAccountDirectory(FileQueueStore.DirectoryName));
        Assert.NotEqual(QueueDir, reopened.GetAccountDirectory("queue@here.test"));
        Assert.Single(store.Load());
    }

    [Fact]
    public async Task Load_drops_temp_files_and_halves_of_messages_and_keeps_a_damaged_state_aside()
    {
        var good = Message("r@a.test");
        using (var store = new FileQueueStore(QueueDir))
            await store.AddAsync(good, new ArrayContent(Body()), CancellationToken.None);
        File.WriteAllText(Path.Combine(QueueDir, "." + good.Id + ".json.0123.tmp"), "{\"version\":1,\"id\":"); // a replacement cut short
        File.WriteAllBytes(Path.Combine(QueueDir, "contentonly.eml"), Body());                             // an add cut short
        File.WriteAllText(Path.Combine(QueueDir, "stateonly.json"), Encoding.UTF8.GetString(QueueStateJson.Serialize(Message("s@a.test"))));
        File.WriteAllBytes(Path.Combine(QueueDir, "damaged.eml"), Body());
        File.WriteAllText(Path.Combine(QueueDir, "damaged.json"), "{\"version\":1,\"sender\":");

        using var again = new FileQueueStore(QueueDir);
        var loaded = Assert.Single(again.Load());
        Assert.Equal(good.Id, loaded.Id);
        var left = Directory.GetFiles(QueueDir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { good.Id + ".eml", good.Id + ".json", "damaged.eml", "damaged.json.damaged" }.OrderBy(n => n, StringComparer.Ordinal), left);
        Assert.Single(again.Load()); // the damaged one's content stays for the admin
        Assert.True(File.Exists(Path.Combine(QueueDir, "damaged.eml")));
    }

    [Fact]
    public async Task A_new_queue_on_the_same_directory_recovers_what_is_left_and_resends_nothing_delivered()
    {
        var first = new QueueScriptedTransport { Reply = a => a.StartsWith("later") ? Reply(a, 451, "4.7.1", "greylisted") : Reply(a, 250, "2.0.0", "ok") };
        var mixed = Message("ok@a.test", "later@a.test", "ok@b.test");
        var waiting = Message("p@c.test");
        using (var queue = NewQueue(first, FastOptions(3_600_000), new FileQueueStore(QueueDir)))
        {
            queue.Start();
            await Enqueue(queue, mixed);
            await Idle(queue);
            Assert.Equal(2, first.Sent.Sum(s => s.Recipients.Length));
            Assert.Equal(QueueRecipientStatus.Deferred, Recipient(queue, mixed.Id, "later@a.test").Status);
            await queue.StopAsync(CancellationToken.None);
            Assert.True(queue.Resume(mixed.Id)); // stopped: saved as pending, not sent
            await Enqueue(queue, waiting); // stored while stopped: stays pending
        }

        var second = new QueueScriptedTransport();
        using var next = NewQueue(second, FastOptions(3_600_000), new FileQueueStore(QueueDir));
        Assert.Equal(2, next.Store.Load().Count);
        next.Start();
        await Idle(next);
        Assert.Empty(next.GetMessages());
        Assert.Equal(1, second.DeliveriesTo("p@c.test"));
        Assert.Equal(1, second.DeliveriesTo("later@a.test"));
        Assert.Equal(0, second.DeliveriesTo("ok@a.test"));
        Assert.Equal(0, second.DeliveriesTo("ok@b.test"));
        Assert.Equal("", string.Join(",", Directory.GetFiles(QueueDir).Select(Path.GetFileName)));
    }

    [Fact]
    public async Task A_deferred_recipient_comes_back_deferred_with_its_reply_and_time()
    {
        var transport = new QueueScriptedTransport { Reply = a => Reply(a, 452, "4.2.2", "mailbox full") };
        var m = Message("r@a.test");
        using (var queue = NewQueue(transport, FastOptions(3_600_000), new FileQueueStore(QueueDir)))
        {
            queue.Start();
            await Enqueue(queue, m);
            await Idle(queue);
        }
        using var next = NewQueue(new QueueScriptedTransport(), FastOptions(3_600_000), new FileQueueStore(QueueDir));
        next.Start();
        await Idle(next);
        var r = Recipient(next, m.Id, "r@a.test");
        Assert.Equal(QueueRecipientStatus.Deferred, r.Status);
        Assert.Equal("452 4.2.2 mailbox full", r.LastReply);
        Assert.Equal(1, r.Attempts);
        Assert.True(r.NextAttempt > DateTimeOffset.UtcNow + TimeSpan.FromMinutes(59));
        Assert.Equal("452 4.2.2 mailbox full", Assert.Single(next.GetDestinations()).LastError);
    }
}
