using System.Net;
using System.Text;
using MailAdmin.Delivery;
using MailAdmin.Engine.Tests.Smtp;
using MailAdmin.Hosting;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Store;

namespace MailAdmin.Engine.Tests.Hosting;

/// <summary>A failure notice as the backend handed it over (the real sender is the notices branch's).</summary>
internal sealed record RecordedNotice(NoticeKind Kind, QueueMessage Message, IReadOnlyList<QueueRecipient> Recipients, string Original);

internal sealed class RecordingNotices : INoticeSender
{
    public readonly List<RecordedNotice> Sent = new();

    public Task<bool> SendAsync(NoticeKind kind, QueueMessage message, IReadOnlyList<QueueRecipient> recipients, Func<Stream> openOriginal, CancellationToken cancellationToken)
    {
        using var stream = openOriginal();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        lock (Sent) Sent.Add(new RecordedNotice(kind, message.Snapshot(), recipients.Select(r => r.Clone()).ToList(), reader.ReadToEnd()));
        return Task.FromResult(true);
    }
}

internal sealed class RecordingTrace : IMessageTrace
{
    public readonly List<MessageTraceEvent> Events = new();
    public void Write(MessageTraceEvent traceEvent) { lock (Events) Events.Add(traceEvent); }
    public IReadOnlyList<MessageTraceEvent> Query(MessageTraceQuery query) { lock (Events) return Events.AsEnumerable().Reverse().ToList(); }
    public IEnumerable<MessageTraceEvent> Of(MessageTraceStatus status) => Events.Where(e => e.Status == status);
}

/// <summary>A StoreSmtpBackend over a real store (in memory or Maildir), driven by real SMTP sessions without sockets.</summary>
internal sealed class RelayRig : IDisposable
{
    private readonly Store.TempDirectory? _dir;
    public readonly IMailStore Store;
    public readonly StoreSmtpBackend Backend;
    public readonly RecordingNotices Notices = new();
    public readonly RecordingTrace Trace = new();

    public RelayRig(bool maildir = false, string? catchAll = null, string? postmaster = null)
    {
        if (maildir) _dir = new Store.TempDirectory();
        Store = maildir ? new MaildirStore(_dir!.Path, 1000) : new InMemoryStore(1000);
        Backend = new StoreSmtpBackend(Store, new[] { "example.com" }, catchAll)
        {
            Notices = Notices,
            Trace = Trace,
            Postmaster = postmaster,
        };
    }

    /// <summary>An outbound queue over <paramref name="store"/> (default: a Maildir queue beside a Maildir store, else memory), not started: nothing is sent.</summary>
    public OutboundQueue UseQueue(IQueueStore? store = null)
    {
        store ??= _dir != null ? new FileQueueStore(System.IO.Path.Combine(_dir.Path, "queue")) : new InMemoryQueueStore();
        var queue = new OutboundQueue(new DeliveryOptions(), store, new NoTransport(), Trace);
        Backend.Queue = queue;
        return queue;
    }

    private sealed class NoTransport : IOutboundTransport
    {
        public Task<IOutboundConnection> ConnectAsync(string destination, CancellationToken cancellationToken)
            => throw new InvalidOperationException("These tests send nothing.");
    }

    public async Task AddAsync(string address, long? quota = null)
    {
        await Store.Accounts.AddAsync(address, "secret", quota);
        // Creation times must differ for "the first account created" to mean something.
        await Task.Delay(15);
    }

    public SmtpSession Session(string client = "192.0.2.1") => new(
        new SmtpSessionSettings { HostName = "mx.test", AuthFailureDelay = TimeSpan.Zero, AllowInsecureAuth = true, MaxMessageSize = 0 },
        Backend, new IPEndPoint(IPAddress.Parse(client), 40000));

    public Task<SessionDriver> RunAsync(string transcript, string client = "192.0.2.1")
        => SessionDriver.RunAsync(Session(client), Crlf(transcript));

    public static string Crlf(string text) => text.Replace("\r\n", "\n").Replace("\n", "\r\n");

    public async Task<List<string>> InboxAsync(string account)
    {
        var result = new List<string>();
        foreach (var m in Store.ListMessages(account, "INBOX"))
            result.Add(Encoding.UTF8.GetString(await Store.ReadMessageAsync(account, "INBOX", m.Uid)));
        return result;
    }

    public void Dispose()
    {
        Backend.Queue?.Dispose();
        Store.Dispose();
        _dir?.Dispose();
    }
}
