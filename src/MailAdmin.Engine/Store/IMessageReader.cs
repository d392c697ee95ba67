namespace MailAdmin.Store;

/// <summary>
/// Reads whole messages of one folder, for a command that reads many (an IMAP FETCH or SEARCH of
/// 1:*): the account and the folder were checked once, when the reader was made, not again per
/// message (each check reads the account list's file stamp from disk). Use it for one command
/// and drop it: a reader does not notice the account being removed or disabled afterwards.
/// </summary>
public interface IMessageReader
{
    /// <summary>The message's bytes, or null when the folder has no such UID (any more).</summary>
    byte[]? Read(uint uid);
}
