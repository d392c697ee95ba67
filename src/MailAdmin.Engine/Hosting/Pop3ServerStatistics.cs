using System.Threading;

namespace MailAdmin.Hosting;

/// <summary>Live counters of a <see cref="Pop3Server"/>; safe to read at any time from any thread.</summary>
public sealed class Pop3ServerStatistics
{
    internal long _connections, _rejectedConnections, _activeSessions, _logins, _messagesRetrieved, _bytes, _messagesDeleted, _authFailures;

    /// <summary>Connections accepted (including those refused for limits).</summary>
    public long Connections => Interlocked.Read(ref _connections);
    /// <summary>Connections refused at connect (limits).</summary>
    public long RejectedConnections => Interlocked.Read(ref _rejectedConnections);
    public long ActiveSessions => Interlocked.Read(ref _activeSessions);
    /// <summary>Successful logins.</summary>
    public long Logins => Interlocked.Read(ref _logins);
    /// <summary>RETR and TOP answered with a message.</summary>
    public long MessagesRetrieved => Interlocked.Read(ref _messagesRetrieved);
    /// <summary>Message octets sent by RETR and TOP (CRLF form, before dot-stuffing).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);
    /// <summary>Messages removed in the UPDATE state.</summary>
    public long MessagesDeleted => Interlocked.Read(ref _messagesDeleted);
    public long AuthFailures => Interlocked.Read(ref _authFailures);

    public override string ToString()
        => $"Connections={Connections} Active={ActiveSessions} Logins={Logins} Retrieved={MessagesRetrieved} Bytes={Bytes} Deleted={MessagesDeleted} AuthFailures={AuthFailures} Rejected={RejectedConnections}";
}
