using System;
using System.Net.Sockets;
using System.Threading;
using MailAdmin.Protocols.Imap;
using MailAdmin.Store;

namespace MailAdmin.Hosting;

/// <summary>The IMAP server over an <see cref="IMailStore"/>: listeners (IMAP with STARTTLS, IMAPS),
/// limits, statistics, protocol log, graceful stop. See docs/imap.md.</summary>
public sealed class ImapServer : ProtocolServer<ImapListenerMode, ImapServerOptions>
{
    public ImapServer(ImapServerOptions options, IMailStore store) : base("IMAP", options, ImapListenerMode.Imap, 1143)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
    }

    public IMailStore Store { get; }
    internal ImapSubscriptions Subscriptions { get; } = new();
    /// <summary>Logged-in sessions per account; a MailServer shares one with its POP3 server.</summary>
    internal ConnectionLimiter<string> AccountSessions { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Counts a logged-in session against its account's connection limit; false when over it.</summary>
    internal bool AcquireAccount(string account) => AccountSessions.TryEnter(account, int.MaxValue, Options.MaxConnectionsPerAccount);

    internal void ReleaseAccount(string account) => AccountSessions.Leave(account);

    private protected override ProtocolConnection CreateConnection(Socket socket, ImapListenerMode mode, long id, CancellationToken abort)
        => new ImapConnection(this, socket, mode, id, abort);

    private protected override string? RefusalLine(ImapListenerMode mode)
        => mode == ImapListenerMode.Imaps ? null : "* BYE [UNAVAILABLE] Too many connections, try later";
}
