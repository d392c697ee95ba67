using System;

namespace MailAdmin.Client;

/// <summary>What Send-SmtpMessage -PassThru returns for each message the server took.</summary>
public sealed class SmtpSendResult
{
    public SmtpSendResult(string? messageId, string subject, string sender, string[] accepted, SmtpRefusedRecipient[] refused,
        string? reply, TimeSpan elapsed, int attempts, string server)
    {
        MessageId = messageId;
        Subject = subject;
        Sender = sender;
        Accepted = accepted;
        Refused = refused;
        Reply = reply;
        Elapsed = elapsed;
        Attempts = attempts;
        Server = server;
    }

    /// <summary>The message's Message-ID, without angle brackets.</summary>
    public string? MessageId { get; }

    public string Subject { get; }

    /// <summary>The envelope sender (MAIL FROM).</summary>
    public string Sender { get; }

    /// <summary>The recipients the server accepted the message for.</summary>
    public string[] Accepted { get; }

    /// <summary>The recipients the server refused, each with its reply code and text.</summary>
    public SmtpRefusedRecipient[] Refused { get; }

    /// <summary>The server's final reply to the message data (e.g. "2.0.0 Ok: queued as 4F2A1"), without the code.</summary>
    public string? Reply { get; }

    /// <summary>From the first MAIL FROM to the last reply, retries and their waits included.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Transactions it took: 1 unless a transient failure was retried.</summary>
    public int Attempts { get; }

    /// <summary>host:port of the server.</summary>
    public string Server { get; }

    public bool Sent => Accepted.Length > 0;

    public override string ToString() => $"<{MessageId}> to {Accepted.Length} recipient(s), {Refused.Length} refused";
}

/// <summary>A recipient the SMTP server refused, with its reply.</summary>
public sealed class SmtpRefusedRecipient
{
    public SmtpRefusedRecipient(string address, int replyCode, string reply)
    {
        Address = address;
        ReplyCode = replyCode;
        Reply = reply;
    }

    public string Address { get; }

    /// <summary>The SMTP reply code: 5xx permanent, 4xx still failing after the retries.</summary>
    public int ReplyCode { get; }

    /// <summary>The reply text after the code.</summary>
    public string Reply { get; }

    public bool IsTransient => ReplyCode >= 400 && ReplyCode < 500;

    public override string ToString() => $"{Address} ({ReplyCode})";
}
