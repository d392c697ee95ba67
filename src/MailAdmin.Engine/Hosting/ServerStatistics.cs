using System.Threading;

namespace MailAdmin.Hosting;

/// <summary>Live counters of an SMTP, IMAP or POP3 server (one shape for all three; a counter a
/// protocol has no use for stays 0). Safe to read at any time from any thread.</summary>
public sealed class ServerStatistics
{
    internal long _connections, _rejectedConnections, _activeSessions, _commands, _logins, _authFailures,
        _messages, _bytes, _messagesDeleted, _bytesReceived, _bytesSent, _timedOut;

    /// <summary>Connections accepted (including those refused for limits).</summary>
    public long Connections => Interlocked.Read(ref _connections);
    /// <summary>Connections refused at connect (connection limits).</summary>
    public long RejectedConnections => Interlocked.Read(ref _rejectedConnections);
    public long ActiveSessions => Interlocked.Read(ref _activeSessions);
    /// <summary>Commands read (IMAP).</summary>
    public long Commands => Interlocked.Read(ref _commands);
    /// <summary>Successful logins (IMAP, POP3).</summary>
    public long Logins => Interlocked.Read(ref _logins);
    public long AuthFailures => Interlocked.Read(ref _authFailures);
    /// <summary>SMTP: messages delivered (250 after DATA/BDAT LAST). POP3: messages sent by RETR and TOP.</summary>
    public long Messages => Interlocked.Read(ref _messages);
    /// <summary>Message octets of <see cref="Messages"/>.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);
    /// <summary>POP3: messages removed in the UPDATE state.</summary>
    public long MessagesDeleted => Interlocked.Read(ref _messagesDeleted);
    /// <summary>Octets read from clients and written to them (TLS payload, before encryption).</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);
    public long BytesSent => Interlocked.Read(ref _bytesSent);
    /// <summary>Sessions closed by a timeout or deadline (idle, login, slow command or content).</summary>
    public long TimedOut => Interlocked.Read(ref _timedOut);

    public override string ToString()
        => $"Connections={Connections} Active={ActiveSessions} Commands={Commands} Logins={Logins} AuthFailures={AuthFailures} Messages={Messages} Bytes={Bytes} Deleted={MessagesDeleted} In={BytesReceived} Out={BytesSent} TimedOut={TimedOut} Rejected={RejectedConnections}";
}
