using System;
using System.Net;

namespace MailAdmin.Hosting;

public enum ProtocolLogDirection { Received, Sent, Info }

/// <summary>One protocol log line of an SMTP, IMAP or POP3 server. Secrets never appear in
/// <see cref="Text"/>: passwords and SASL payloads are redacted, message content is a byte count.</summary>
public sealed class ProtocolLogEntry
{
    public ProtocolLogEntry(string protocol, long sessionId, IPEndPoint? remote, ProtocolLogDirection direction, string text)
    {
        Timestamp = DateTimeOffset.UtcNow;
        Protocol = protocol;
        SessionId = sessionId;
        RemoteEndPoint = remote;
        Direction = direction;
        Text = text;
    }

    public DateTimeOffset Timestamp { get; }
    /// <summary>"SMTP", "IMAP" or "POP3".</summary>
    public string Protocol { get; }
    public long SessionId { get; }
    public IPEndPoint? RemoteEndPoint { get; }
    public ProtocolLogDirection Direction { get; }
    public string Text { get; }

    public override string ToString()
        => Timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture) + " " + Protocol + " [" + SessionId + "] "
           + (Direction == ProtocolLogDirection.Received ? "C: " : Direction == ProtocolLogDirection.Sent ? "S: " : "* ") + Text;
}
