namespace MailAdmin.Protocols.Smtp.Faults;

/// <summary>The point of an SMTP session where a fault rule is consulted.</summary>
public enum SmtpFaultStage
{
    /// <summary>A client connected; a rule here replaces or delays the greeting.</summary>
    Connect,
    /// <summary>EHLO or HELO.</summary>
    Helo,
    /// <summary>A login succeeded, before 235 is sent (the user is known only then).</summary>
    Auth,
    /// <summary>MAIL FROM.</summary>
    Mail,
    /// <summary>RCPT TO, once per recipient.</summary>
    Rcpt,
    /// <summary>DATA, or the first BDAT of a transaction, before any content is read.</summary>
    Data,
    /// <summary>The whole message was read, before it is stored.</summary>
    EndOfData,
}

/// <summary>What a fault rule does when it fires.</summary>
public enum SmtpFaultAction
{
    /// <summary>Answers with the rule's reply instead of the normal one.</summary>
    Reply,
    /// <summary>Lets N events per window through, then answers with the rule's reply.</summary>
    RateLimit,
    /// <summary>Waits, then processing goes on as normal (a tarpit).</summary>
    Delay,
    /// <summary>Closes the connection without a reply.</summary>
    Disconnect,
}

/// <summary>What a rate limit counts by.</summary>
public enum SmtpRateLimitScope
{
    /// <summary>Each client address has its own count.</summary>
    ClientAddress,
    /// <summary>Each envelope sender has its own count (Mail stage and later).</summary>
    Sender,
}
