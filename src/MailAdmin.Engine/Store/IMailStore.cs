using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>
/// The mail store shared by SMTP (delivery), IMAP/POP3 (reading) and the cmdlets. Thread-safe.
/// Accounts are addressed by their address (case-insensitive); folders by name with '.' as the hierarchy
/// delimiter, "INBOX" (case-insensitive) being the account's root folder.
/// </summary>
public interface IMailStore : IDisposable
{
    IAccountStore Accounts { get; }

    /// <summary>The folder hierarchy delimiter: '.' (Maildir++).</summary>
    char HierarchyDelimiter { get; }

    /// <summary>
    /// Stores a message. When the task completes the message and its UID are durable (file and directory
    /// fsynced). Throws <see cref="AccountNotFoundException"/>, <see cref="AccountDisabledException"/>,
    /// <see cref="QuotaExceededException"/>, <see cref="FolderNotFoundException"/>.
    /// </summary>
    Task<StoredMessage> DeliverAsync(string account, string folder, byte[] message, DateTimeOffset internalDate, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="DeliverAsync"/> with initial flags (IMAP APPEND). The message is \Recent like any other new one.</summary>
    Task<StoredMessage> AppendAsync(string account, string folder, byte[] message, MessageFlags flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="AppendAsync(string, string, byte[], MessageFlags, DateTimeOffset, CancellationToken)"/> with keywords.</summary>
    Task<StoredMessage> AppendAsync(string account, string folder, byte[] message, MessageFlags flags, IReadOnlyCollection<string>? keywords, DateTimeOffset internalDate, CancellationToken cancellationToken = default);

    /// <summary>
    /// A message to receive in pieces (SMTP DATA, IMAP APPEND): write its bytes as they arrive, then
    /// store it with <see cref="DeliverAsync(string, string, IncomingMessage, MessageFlags?, DateTimeOffset, CancellationToken)"/>.
    /// Dispose it when done: what was not delivered is discarded.
    /// </summary>
    IncomingMessage CreateIncomingMessage();

    /// <summary>
    /// Stores what was written to <paramref name="message"/> (as <see cref="DeliverAsync(string, string, byte[], DateTimeOffset, CancellationToken)"/>;
    /// flags given: as <see cref="AppendAsync"/>). It may be delivered several times (several recipients);
    /// a delivery of its bytes as written moves them into place, so make that one the last.
    /// </summary>
    Task<StoredMessage> DeliverAsync(string account, string folder, IncomingMessage message, MessageFlags? flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default);

    /// <summary>As the overload without keywords (IMAP APPEND of a streamed message with keywords).</summary>
    Task<StoredMessage> DeliverAsync(string account, string folder, IncomingMessage message, MessageFlags? flags, IReadOnlyCollection<string>? keywords, DateTimeOffset internalDate, CancellationToken cancellationToken = default);

    /// <summary>The quota of accounts without one of their own (bytes; null: none).</summary>
    long? DefaultQuota { get; set; }

    /// <summary>The quota that applies to the account: its own, else <see cref="DefaultQuota"/>; null when none.</summary>
    long? GetQuota(string account);

    /// <summary>
    /// Whether <paramref name="size"/> more bytes fit the account's quota now (SMTP RCPT). Unknown accounts: true
    /// (delivery reports them). Fast: no I/O once the account's usage is known.
    /// </summary>
    bool HasRoomFor(string account, long size);

    /// <summary>Raised after a message was stored durably (delivery, append, copy), on the delivering thread; keep handlers short.</summary>
    event EventHandler<MessageDeliveredEventArgs>? MessageDelivered;

    /// <summary>Raised after messages were added, changed flags, or were removed.</summary>
    event EventHandler<FolderChangedEventArgs>? FolderChanged;

    // Folders
    Task<IReadOnlyList<MailFolderInfo>> GetFoldersAsync(string account, CancellationToken cancellationToken = default);
    IReadOnlyList<MailFolderInfo> GetFolders(string account);
    Task CreateFolderAsync(string account, string folder, CancellationToken cancellationToken = default);
    /// <summary>
    /// Creates a folder with an RFC 6154 special use (IMAP CREATE-SPECIAL-USE), kept with the folder (also across a rename) and
    /// reported by <see cref="GetFolders"/>. <paramref name="specialUse"/> is one of <see cref="MailboxNames.CreatableSpecialUses"/>
    /// (else <see cref="InvalidFolderNameException"/>); null creates a plain folder.
    /// </summary>
    Task CreateFolderAsync(string account, string folder, string? specialUse, CancellationToken cancellationToken = default);
    /// <summary>
    /// The account's IMAP subscriptions: folder names, which need not exist (RFC 3501 §6.3.6). A new account starts
    /// subscribed to INBOX and its default folders; an account from before subscriptions were kept, to the folders it has.
    /// </summary>
    IReadOnlyList<string> GetSubscriptions(string account);
    /// <summary>Replaces the account's subscriptions (durably in a <see cref="MaildirStore"/>).</summary>
    void SetSubscriptions(string account, IEnumerable<string> folders);
    /// <summary>Deletes a folder and its messages (not its subfolders). INBOX cannot be deleted.</summary>
    Task DeleteFolderAsync(string account, string folder, CancellationToken cancellationToken = default);
    /// <summary>Renames a folder and its subfolders. INBOX cannot be renamed here (IMAP's INBOX rename is a move of its messages).</summary>
    Task RenameFolderAsync(string account, string folder, string newName, CancellationToken cancellationToken = default);
    FolderStatus GetFolderStatus(string account, string folder);

    // Messages
    /// <summary>The messages of a folder, ascending by UID.</summary>
    IReadOnlyList<StoredMessage> ListMessages(string account, string folder);

    /// <summary>
    /// The messages whose MODSEQ is above <paramref name="modSeq"/>, ascending by UID: CONDSTORE's CHANGEDSINCE,
    /// found without copying the whole listing of a big folder when few changed.
    /// </summary>
    IReadOnlyList<StoredMessage> ListMessagesChangedSince(string account, string folder, ulong modSeq);
    /// <summary>One message's metadata, or null if there is no such UID.</summary>
    StoredMessage? GetMessage(string account, string folder, uint uid);
    Task<byte[]> ReadMessageAsync(string account, string folder, uint uid, CancellationToken cancellationToken = default);
    /// <summary>A read-only stream over the message. Throws <see cref="MessageNotFoundException"/>.</summary>
    Stream OpenMessage(string account, string folder, uint uid);
    /// <summary>
    /// A reader over the folder's messages that checks the account and folder once, here (throws as
    /// <see cref="OpenMessage"/> does), instead of at every message: for one command over many messages.
    /// </summary>
    IMessageReader OpenMessageReader(string account, string folder);

    /// <summary>
    /// Changes system flags and keywords (IMAP STORE), each changed message getting a new MODSEQ; unknown UIDs are
    /// skipped; with <see cref="FlagUpdate.UnchangedSince"/>, messages changed since are left alone and reported.
    /// </summary>
    Task<FlagUpdateResult> UpdateFlagsAsync(string account, string folder, IEnumerable<uint> uids, FlagUpdate update, CancellationToken cancellationToken = default);

    /// <summary>
    /// Picks up what other processes changed in the folder (a Maildir shared with Dovecot, mutt, a script):
    /// messages added, removed or re-flagged on disk since the store last looked. Raises <see cref="FolderChanged"/>
    /// for them and returns whether anything changed. Cheap when nothing did (IMAP calls it at NOOP, IDLE, SELECT).
    /// </summary>
    Task<bool> SynchronizeAsync(string account, string folder, CancellationToken cancellationToken = default);

    /// <summary>Changes system flags (keywords untouched); unknown UIDs are skipped. Returns the changed messages' new state.</summary>
    Task<IReadOnlyList<StoredMessage>> SetFlagsAsync(string account, string folder, IEnumerable<uint> uids, MessageFlags flags, FlagChange change, CancellationToken cancellationToken = default);

    /// <summary>Claims the folder's recent messages and returns them: IMAP \Recent for exactly one session.</summary>
    Task<IReadOnlyList<StoredMessage>> ClaimRecentAsync(string account, string folder, CancellationToken cancellationToken = default);

    /// <summary>Removes the given messages whatever their flags (POP3 UPDATE, Clear-MailServerMessage). Returns the removed UIDs.</summary>
    Task<IReadOnlyList<uint>> DeleteMessagesAsync(string account, string folder, IEnumerable<uint> uids, CancellationToken cancellationToken = default);

    /// <summary>Removes the messages flagged \Deleted, limited to <paramref name="uids"/> when given (UID EXPUNGE). Returns the removed UIDs.</summary>
    Task<IReadOnlyList<uint>> ExpungeAsync(string account, string folder, IEnumerable<uint>? uids = null, CancellationToken cancellationToken = default);

    /// <summary>Copies messages (with flags and internal date) to another folder of the same account; in a <see cref="MaildirStore"/> all or nothing, also across a crash. Returns source UID → new UID (UIDPLUS COPYUID).</summary>
    Task<IReadOnlyList<KeyValuePair<uint, uint>>> CopyMessagesAsync(string account, string folder, IEnumerable<uint> uids, string targetFolder, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves messages to another folder of the same account (IMAP MOVE): as <see cref="CopyMessagesAsync"/>, then the
    /// originals are removed. In a <see cref="MaildirStore"/> all or nothing, also across a crash. Returns source UID → new UID.
    /// </summary>
    Task<IReadOnlyList<KeyValuePair<uint, uint>>> MoveMessagesAsync(string account, string folder, IEnumerable<uint> uids, string targetFolder, CancellationToken cancellationToken = default);

    /// <summary>Bytes used by all messages of the account (what the quota is checked against).</summary>
    Task<long> GetUsedBytesAsync(string account, CancellationToken cancellationToken = default);
}
