using System;
using MailKit;

namespace MailAdmin.Commands
{
    /// <summary>
    /// The system flags a user may set (Add-ImapMessage -Flags). Our own type rather than
    /// MailKit's MessageFlags: PowerShell reads parameter types when it imports the module,
    /// before the module's resolver can load MailKit.
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
        public static MessageFlags ToMailKit(this ImapMessageFlags flags)
        {
            var result = MessageFlags.None;
            if (flags.HasFlag(ImapMessageFlags.Seen)) result |= MessageFlags.Seen;
            if (flags.HasFlag(ImapMessageFlags.Answered)) result |= MessageFlags.Answered;
            if (flags.HasFlag(ImapMessageFlags.Flagged)) result |= MessageFlags.Flagged;
            if (flags.HasFlag(ImapMessageFlags.Deleted)) result |= MessageFlags.Deleted;
            if (flags.HasFlag(ImapMessageFlags.Draft)) result |= MessageFlags.Draft;
            return result;
        }
    }
}
