namespace MailAdmin.Client;

/// <summary>How a client cmdlet secures its connection (-Secure).</summary>
public enum MailSecurity
{
    /// <summary>Implicit TLS on the well-known TLS ports (465, 993, 995); elsewhere STARTTLS when the server offers it.</summary>
    Auto,
    /// <summary>Plain text; never upgrade.</summary>
    None,
    /// <summary>Plain connect, then STARTTLS (STLS for POP3); fails when the server does not offer it.</summary>
    StartTls,
    /// <summary>TLS from the first byte (implicit TLS, RFC 8314).</summary>
    Tls,
}

/// <summary>The three client protocols.</summary>
public enum MailClientProtocol
{
    Smtp,
    Imap,
    Pop3,
}
