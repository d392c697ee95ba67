using System;
using System.Collections.Generic;
using System.Net;

namespace MailAdmin.Protocols.Smtp;

/// <summary>BODY= of MAIL FROM (RFC 6152).</summary>
public enum SmtpBodyType { Unspecified, SevenBit, EightBitMime }

/// <summary>RET= of MAIL FROM (RFC 3461 §4.3).</summary>
public enum DsnReturn { Unspecified, Full, Headers }

/// <summary>NOTIFY= of RCPT TO (RFC 3461 §4.1); Never excludes the others.</summary>
[Flags]
public enum DsnNotify { Unspecified = 0, Never = 1, Success = 2, Failure = 4, Delay = 8 }

public sealed class SmtpRecipient
{
    public SmtpRecipient(string address) { Address = address; }
    /// <summary>The forward-path mailbox, as sent (local part case preserved).</summary>
    public string Address { get; }
    public DsnNotify Notify { get; internal set; }
    /// <summary>ORCPT address type (e.g. "rfc822", "utf-8"), null when not given.</summary>
    public string? OriginalRecipientType { get; internal set; }
    /// <summary>ORCPT address, xtext-decoded.</summary>
    public string? OriginalRecipient { get; internal set; }
    public override string ToString() => Address;
}

/// <summary>The envelope of one SMTP transaction, handed to <see cref="ISmtpBackend.DeliverAsync"/>.</summary>
public sealed class SmtpEnvelope
{
    /// <summary>Queue id of the transaction, also written into the Received line.</summary>
    public string Id { get; internal set; } = "";
    /// <summary>The reverse-path; "" for the null sender &lt;&gt;.</summary>
    public string From { get; internal set; } = "";
    public List<SmtpRecipient> Recipients { get; } = new();
    /// <summary>SIZE= declared by the client, 0 when not given.</summary>
    public long DeclaredSize { get; internal set; }
    public SmtpBodyType Body { get; internal set; }
    public bool SmtpUtf8 { get; internal set; }
    public DsnReturn Ret { get; internal set; }
    /// <summary>ENVID (RFC 3461 §4.4), xtext-decoded; null when not given.</summary>
    public string? EnvelopeId { get; internal set; }
    /// <summary>The HELO/EHLO argument of the session.</summary>
    public string HeloName { get; internal set; } = "";
    public IPEndPoint? RemoteEndPoint { get; internal set; }
    /// <summary>The authenticated user, null when the session did not authenticate.</summary>
    public string? AuthenticatedUser { get; internal set; }
    public bool IsSecure { get; internal set; }
    /// <summary>The client authenticated or is in the server's relay networks: it may relay, and a
    /// local sender address it gives may be sent a notice.</summary>
    public bool ClientTrusted { get; internal set; }
    /// <summary>"ESMTP", "ESMTPS", "ESMTPSA", "UTF8SMTPS", ... (RFC 3848, RFC 6531) as written in Received.</summary>
    public string Protocol { get; internal set; } = "ESMTP";
    public DateTimeOffset ReceivedAt { get; internal set; }
}
