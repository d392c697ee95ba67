using System;

namespace MailAdmin.Protocols.Smtp.Faults;

/// <summary>What the rules decided for one step: a delay before the reply, and either the normal
/// processing (no reply, no disconnect), a reply of a rule, or a dropped connection.</summary>
public readonly struct SmtpFaultOutcome
{
    public SmtpFaultOutcome(TimeSpan delay, SmtpReply? reply, bool disconnect)
    {
        Delay = delay;
        Reply = reply;
        Disconnect = disconnect;
    }

    public static readonly SmtpFaultOutcome None = default;

    public TimeSpan Delay { get; }
    /// <summary>The reply that replaces the normal one, or null.</summary>
    public SmtpReply? Reply { get; }
    /// <summary>Close the connection without a reply.</summary>
    public bool Disconnect { get; }
    /// <summary>The normal processing does not happen.</summary>
    public bool Stops => Reply != null || Disconnect;
}
