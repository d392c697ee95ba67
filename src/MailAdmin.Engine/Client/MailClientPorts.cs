namespace MailAdmin.Client;

/// <summary>
/// The default port of each protocol: the plain (or STARTTLS) port unless -Secure Tls asks
/// for implicit TLS. SMTP defaults to 25 as the built-in Send-MailMessage does; use 587
/// (submission) or 465 (SMTPS) for authenticated sending.
/// </summary>
public static class MailClientPorts
{
    public static int Default(MailClientProtocol protocol, MailSecurity security)
    {
        var tls = security == MailSecurity.Tls;
        switch (protocol)
        {
            case MailClientProtocol.Smtp: return tls ? 465 : 25;
            case MailClientProtocol.Imap: return tls ? 993 : 143;
            default: return tls ? 995 : 110;
        }
    }

    /// <summary>The ports where Auto means implicit TLS.</summary>
    public static bool IsImplicitTlsPort(int port) => port == 465 || port == 993 || port == 995;
}
