using System;
using System.Net.Sockets;
using System.Threading;
using MailAdmin.Protocols.Smtp;

namespace MailAdmin.Hosting;

/// <summary>The SMTP server: one or more listeners (SMTP, submission, SMTPS) sharing a backend,
/// limits and statistics. A client over a connection limit gets 421 4.7.0 at connect (RFC 5321 §3.8).</summary>
public sealed class SmtpServer : ProtocolServer<SmtpListenerMode, SmtpServerOptions>
{
    public SmtpServer(SmtpServerOptions options, ISmtpBackend backend) : base("SMTP", options, SmtpListenerMode.Smtp, 2525)
    {
        Backend = backend ?? throw new ArgumentNullException(nameof(backend));
    }

    public ISmtpBackend Backend { get; }

    private protected override ProtocolConnection CreateConnection(Socket socket, SmtpListenerMode mode, long id, CancellationToken abort)
        => new SmtpConnection(this, socket, mode, id, abort);

    private protected override string? RefusalLine(SmtpListenerMode mode)
        => mode == SmtpListenerMode.Smtps ? null : SmtpReply.TooManyConnections.ToString();
}
