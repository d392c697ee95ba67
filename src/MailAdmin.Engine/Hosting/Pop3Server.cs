using System;
using System.Net.Sockets;
using System.Threading;
using MailAdmin.Protocols.Pop3;
using MailAdmin.Store;

namespace MailAdmin.Hosting;

/// <summary>The POP3 server (RFC 1939, 2449, 2595, 5034) over the INBOX of each account of a store:
/// one or more listeners (POP3 with STLS, POP3S) sharing limits, statistics and the per-account
/// maildrop locks.</summary>
public sealed class Pop3Server : ProtocolServer<Pop3ListenerMode, Pop3ServerOptions>
{
    public Pop3Server(Pop3ServerOptions options, IMailStore store) : base("POP3", options, Pop3ListenerMode.Pop3, 1110)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
    }

    public IMailStore Store { get; }
    internal Pop3MailboxLocks Locks { get; } = new();
    internal Pop3SizeCache Sizes { get; } = new();
    /// <summary>Logged-in sessions per account, shared with the IMAP server of a MailServer so that
    /// a POP3 session counts against the account's limit there (POP3's own maildrop lock allows one).</summary>
    internal ConnectionLimiter<string> AccountSessions { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    private protected override ProtocolConnection CreateConnection(Socket socket, Pop3ListenerMode mode, long id, CancellationToken abort)
        => new Pop3Connection(this, socket, mode, id, abort);

    private protected override string? RefusalLine(Pop3ListenerMode mode)
        => mode == Pop3ListenerMode.Pop3s ? null : "-ERR [SYS/TEMP] Too many connections, try again later";
}
