namespace MailAdmin.Hosting;

/// <summary>Live counters of a MailServer, per protocol. Each property reads the protocol's own counters.</summary>
public sealed class MailServerStatistics
{
    internal MailServerStatistics(ServerStatistics smtp, ServerStatistics? imap, ServerStatistics? pop3)
    {
        Smtp = smtp;
        Imap = imap;
        Pop3 = pop3;
    }

    public ServerStatistics Smtp { get; }

    /// <summary>Null when IMAP is off.</summary>
    public ServerStatistics? Imap { get; }

    /// <summary>Null when POP3 is off.</summary>
    public ServerStatistics? Pop3 { get; }

    public override string ToString() =>
        $"smtp: {Smtp.Connections} conn, {Smtp.Messages} msgs; imap: {(Imap == null ? "off" : Imap.Connections + " conn")}; pop3: {(Pop3 == null ? "off" : Pop3.Connections + " conn, " + Pop3.Messages + " retrieved")}";
}
