using System.Threading;

namespace MailAdmin.Hosting;

/// <summary>Live counters of a server; safe to read at any time from any thread.</summary>
public sealed class SmtpServerStatistics
{
    internal long _connections, _rejectedConnections, _activeSessions, _messages, _bytes, _authFailures, _rejectedMessages;

    /// <summary>Connections accepted (including those refused for limits).</summary>
    public long Connections => Interlocked.Read(ref _connections);
    /// <summary>Connections answered 421 at connect (limits).</summary>
    public long RejectedConnections => Interlocked.Read(ref _rejectedConnections);
    public long ActiveSessions => Interlocked.Read(ref _activeSessions);
    /// <summary>Messages delivered (250 after DATA/BDAT LAST).</summary>
    public long Messages => Interlocked.Read(ref _messages);
    /// <summary>Content bytes of delivered messages.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);
    public long AuthFailures => Interlocked.Read(ref _authFailures);

    public override string ToString()
        => $"Connections={Connections} Active={ActiveSessions} Messages={Messages} Bytes={Bytes} AuthFailures={AuthFailures} Rejected={RejectedConnections}";
}
