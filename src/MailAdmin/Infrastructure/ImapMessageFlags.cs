using System;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>
/// The system flags a user may set (Add-ImapMessage -Flags). Our own type rather than
/// MailKit's MessageFlags: PowerShell reads parameter types when it imports the module,
/// and MailAdmin.dll names no MailKit type at all (on PowerShell 7 MailKit lives in the
/// module's own load context; see src/MailAdmin.Loader).
/// </summary>
[Flags]
public enum ImapMessageFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
}

internal static class ImapMessageFlagsExtensions
{
    public static ImapSystemFlags ToEngine(this ImapMessageFlags flags)
    {
        var result = ImapSystemFlags.None;
        if (flags.HasFlag(ImapMessageFlags.Seen)) result |= ImapSystemFlags.Seen;
        if (flags.HasFlag(ImapMessageFlags.Answered)) result |= ImapSystemFlags.Answered;
        if (flags.HasFlag(ImapMessageFlags.Flagged)) result |= ImapSystemFlags.Flagged;
        if (flags.HasFlag(ImapMessageFlags.Deleted)) result |= ImapSystemFlags.Deleted;
        if (flags.HasFlag(ImapMessageFlags.Draft)) result |= ImapSystemFlags.Draft;
        return result;
    }
}
