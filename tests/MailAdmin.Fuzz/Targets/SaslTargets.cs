using System.Buffers;
using System.Net;
using System.Text;
using MailAdmin.Protocols;
using MailAdmin.Protocols.Imap;
using MailAdmin.Protocols.Pop3;
using MailAdmin.Protocols.Sasl;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Store;

namespace MailAdmin.Fuzz;

/// <summary>
/// The sessions' AUTH paths (base64 framing, initial responses, then the shared SASL module):
/// this target drives each session through an AUTH exchange with the fuzzer's responses. The sessions answer any client
/// input with a reply; an exception is a finding.
/// <see cref="MechanismResponses"/> reaches the shared module's decoders with less setup per execution.
/// </summary>
internal static class SaslTargets
{
    private const string User = "alice@example.com", Password = "secret";
    private static readonly string[] Mechanisms = { "PLAIN", "LOGIN", "XOAUTH2", "CRAM-MD5" };
    // One iteration: the fuzzer tests decoding, not PBKDF2.
    private static readonly Lazy<InMemoryStore> Store = new(() =>
    {
        var store = new InMemoryStore(1);
        store.Accounts.AddAsync(User, Password).GetAwaiter().GetResult();
        return store;
    });

    /// <summary>
    /// Byte 0 picks the protocol (÷1 mod 3), the mechanism (÷3 mod 4) and whether the first line is
    /// an initial response on the command line (÷12 mod 2); the rest is the client's lines.
    /// </summary>
    public static void SessionResponses(byte[] data)
    {
        if (data.Length == 0) return;
        int protocol = data[0] % 3;
        var mechanism = Mechanisms[data[0] / 3 % 4];
        bool initial = data[0] / 12 % 2 == 1;
        var lines = Encoding.UTF8.GetString(data, 1, data.Length - 1).Split('\n').Take(5).Select(l => l.TrimEnd('\r')).ToList();
        string? first = initial && lines.Count > 0 ? lines[0] : null;
        if (first != null) lines.RemoveAt(0);
        switch (protocol)
        {
            case 0: Smtp(mechanism, first, lines).GetAwaiter().GetResult(); break;
            case 1: Imap(mechanism, first, lines).GetAwaiter().GetResult(); break;
            default: Pop3(first, lines).GetAwaiter().GetResult(); break;
        }
    }

    private sealed class Backend : ISmtpBackend
    {
        public RecipientCheck CheckRecipient(string address, bool authenticated, long declaredSize) => RecipientCheck.Local;
        public Task<bool> AuthenticateAsync(string user, string password, CancellationToken ct) => Task.FromResult(user == User && password == Password);
        public Task<bool> AuthenticateBearerAsync(string user, string token, CancellationToken ct) => Task.FromResult(user == User && token == "token");
        public SmtpMessageSink OpenMessage(SmtpEnvelope envelope) => new DiscardSink();
        public Task<IReadOnlyList<SmtpRecipientFailure>> DeliverAsync(SmtpEnvelope envelope, SmtpMessageSink message, CancellationToken ct)
            => Task.FromResult<IReadOnlyList<SmtpRecipientFailure>>(Array.Empty<SmtpRecipientFailure>());
    }

    private sealed class DiscardSink : SmtpMessageSink
    {
        protected override void WriteCore(ReadOnlySpan<byte> data) { }
        public override void Dispose() { }
    }

    private static readonly string[] ModuleMechanisms = { "PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER", "SCRAM-SHA-256" };
    private static readonly Lazy<SaslAuthenticator> Authenticator = new(() => new SaslAuthenticator(
        new StoreCredentials(Store.Value.Accounts, new Dictionary<string, string> { [User] = "token" }),
        new LoginPenalty(TimeSpan.Zero, TimeSpan.Zero)));

    /// <summary>
    /// The shared SASL module (Protocols/Sasl) without a session: byte 0 picks the mechanism (mod 5)
    /// and whether the first line is an initial response (÷5 mod 2); the rest is the client's
    /// base64 lines. SCRAM-SHA-256's parser (GS2 header, attributes, nonce, proof) is reached here.
    /// </summary>
    public static void MechanismResponses(byte[] data)
    {
        if (data.Length == 0) return;
        var exchange = Authenticator.Value.Start(ModuleMechanisms[data[0] % 5], IPAddress.Loopback)!;
        bool initial = data[0] / 5 % 2 == 1;
        var lines = Encoding.UTF8.GetString(data, 1, data.Length - 1).Split('\n').Take(5).Select(l => l.TrimEnd('\r')).ToList();
        var step = exchange.StartAsync(initial && lines.Count > 0 ? lines[0] : null, CancellationToken.None).GetAwaiter().GetResult();
        foreach (var line in lines.Skip(initial ? 1 : 0))
        {
            if (!step.IsChallenge) break;
            step = exchange.ContinueAsync(line, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    private static async Task Smtp(string mechanism, string? initial, List<string> lines)
    {
        var settings = new SmtpSessionSettings { HostName = "mx.test", AllowInsecureAuth = true, EnableXOAuth2 = true, AuthFailureDelay = TimeSpan.Zero };
        using var session = new SmtpSession(settings, new Backend(), new IPEndPoint(IPAddress.Loopback, 40000));
        await session.ExecuteAsync(SmtpCommandParser.Parse("EHLO client.test"));
        var response = await session.ExecuteAsync(SmtpCommandParser.Parse("AUTH " + mechanism + (initial != null ? " " + initial : "")));
        foreach (var line in lines)
        {
            if (response.Action != SmtpAction.ReadAuthResponse) break;
            response = await session.ContinueAuthAsync(line);
        }
    }

    private static async Task Imap(string mechanism, string? initial, List<string> lines)
    {
        var settings = new ImapSessionSettings { HostName = "imap.test", AllowInsecureAuth = true, AuthFailureDelay = TimeSpan.Zero, BearerTokens = new Dictionary<string, string> { ["token"] = User } };
        using var session = new ImapSession(settings, Store.Value, isSecure: false);
        // The command goes through the reader, as on the wire: an initial response may not even be a valid atom.
        var reader = new ImapCommandReader();
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("a AUTHENTICATE " + mechanism + (initial != null ? " " + initial : "") + "\r\n"));
        var read = reader.TryRead(ref buffer);
        if (read.Status != ImapReadStatus.Command) return;
        var response = await session.ExecuteAsync(read.Command!, CancellationToken.None);
        foreach (var line in lines)
        {
            if (response.Action != ImapAction.ReadSaslResponse) break;
            response = await session.ContinueAuthenticateAsync(line, CancellationToken.None);
        }
    }

    private static async Task Pop3(string? initial, List<string> lines)
    {
        var settings = new Pop3SessionSettings { HostName = "pop.test", AllowInsecureAuth = true, AuthFailureDelay = TimeSpan.Zero };
        using var session = new Pop3Session(settings, Store.Value, new Pop3MailboxLocks());
        using var output = new ByteBuffer();
        var response = await session.ExecuteAsync(Pop3CommandParser.Parse("AUTH PLAIN" + (initial != null ? " " + initial : "")), output);
        foreach (var line in lines)
        {
            if (response.Action != Pop3Action.ReadSaslResponse) break;
            response = await session.ContinueSaslAsync(line, output);
        }
    }
}
