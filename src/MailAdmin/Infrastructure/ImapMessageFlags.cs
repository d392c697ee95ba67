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
    /// <summary>The engine's flags: the same names and bit values, so a cast is the whole mapping.</summary>
    public static ImapSystemFlags ToEngine(this ImapMessageFlags flags) => (ImapSystemFlags)(int)flags;
}
