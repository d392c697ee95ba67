using System;

namespace MailAdmin.Store;

/// <summary>
/// The IMAP system flags a stored message can carry. On disk (Maildir) they are the letters of the
/// <c>:2,</c> info suffix: D Draft, F Flagged, P Passed, R Answered (replied), S Seen, T Deleted (trashed).
/// </summary>
[Flags]
public enum MessageFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
    /// <summary>Maildir "P" (forwarded/bounced); no IMAP system flag, kept so other tools' flags survive.</summary>
    Passed = 32,
}
