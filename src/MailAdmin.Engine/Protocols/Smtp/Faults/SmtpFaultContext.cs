using System.Collections.Generic;
using System.Net;

namespace MailAdmin.Protocols.Smtp.Faults;

/// <summary>What a session knows when it consults the rules: the client, the login and the envelope so far.</summary>
public readonly struct SmtpFaultContext
{
    public SmtpFaultContext(IPAddress? clientAddress, string? user, string? sender, string? recipient, IReadOnlyList<SmtpRecipient>? recipients)
    {
        ClientAddress = clientAddress;
        User = user;
        Sender = sender;
        Recipient = recipient;
        Recipients = recipients;
    }

    public IPAddress? ClientAddress { get; }
    /// <summary>The authenticated user, null before a login.</summary>
    public string? User { get; }
    /// <summary>The envelope sender ("" for the null sender), null before MAIL.</summary>
    public string? Sender { get; }
    /// <summary>The recipient of the RCPT being answered.</summary>
    public string? Recipient { get; }
    /// <summary>The accepted recipients (Data, EndOfData): a recipient pattern matches when any of them does.</summary>
    public IReadOnlyList<SmtpRecipient>? Recipients { get; }
}
