namespace MailAdmin.Health;

/// <summary>Ports and protocol traits per service.</summary>
public static class MailServiceDefaults
{
    public static int Port(MailServiceKind kind)
    {
        switch (kind)
        {
            case MailServiceKind.Smtp: return 25;
            case MailServiceKind.Submission: return 587;
            case MailServiceKind.Smtps: return 465;
            case MailServiceKind.Imap: return 143;
            case MailServiceKind.Imaps: return 993;
            case MailServiceKind.Pop3: return 110;
            default: return 995;
        }
    }

    /// <summary>TLS from the first byte (RFC 8314) rather than STARTTLS.</summary>
    public static bool ImplicitTls(MailServiceKind kind) =>
        kind == MailServiceKind.Smtps || kind == MailServiceKind.Imaps || kind == MailServiceKind.Pop3s;

    public static bool IsSmtp(MailServiceKind kind) =>
        kind == MailServiceKind.Smtp || kind == MailServiceKind.Submission || kind == MailServiceKind.Smtps;

    public static bool IsImap(MailServiceKind kind) => kind == MailServiceKind.Imap || kind == MailServiceKind.Imaps;
}
