using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>
/// What <see cref="MaildirStore"/> and <see cref="InMemoryStore"/> share: account checks, quota, events, and the
/// IMailStore operations over a folder back end.
/// </summary>
public abstract class MailStoreBase : IMailStore
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> usage = new ConcurrentDictionary<string, StrongBox<long>>(StringComparer.Ordinal);
    private readonly object usageGate = new object();
    private readonly AccountStoreBase accounts;

    private protected AccountStoreBase AccountRecords => accounts;

    private protected MailStoreBase(AccountStoreBase accounts)
    {
        this.accounts = accounts;
        accounts.AccountAdded = (account, _) =>
        {
            ForgetAccount(account.Address);
            CreateMailbox(account.Address);
            return Task.CompletedTask;
        };
        accounts.AccountRemoved = (account, _) =>
        {
            ForgetAccount(account.Address);
            DeleteMailbox(account.Address);
            return Task.CompletedTask;
        };
    }

    public IAccountStore Accounts => accounts;

    public char HierarchyDelimiter => MailboxNames.Delimiter;

    public event EventHandler<MessageDeliveredEventArgs>? MessageDelivered;

    public event EventHandler<FolderChangedEventArgs>? FolderChanged;

    // ---- back end ----

    /// <summary>The open folder; throws <see cref="FolderNotFoundException"/>. The account's mailbox exists.</summary>
    private protected abstract FolderBase OpenFolder(string account, string folder);
    private protected abstract IReadOnlyList<string> FolderNames(string account);
    private protected abstract bool FolderExists(string account, string folder);
    private protected abstract void CreateFolderCore(string account, string folder);
    private protected abstract void DeleteFolderCore(string account, string folder);
    private protected abstract void RenameFolderCore(string account, string folder, string newName);
    /// <summary>The folder's own special use (CREATE-SPECIAL-USE), or null.</summary>
    private protected abstract string? ReadSpecialUse(string account, string folder);
    private protected abstract void WriteSpecialUse(string account, string folder, string specialUse);
    /// <summary>The account's subscriptions as last written, or null when they never were.</summary>
    private protected abstract IReadOnlyList<string>? ReadSubscriptions(string account);
    private protected abstract void WriteSubscriptions(string account, IReadOnlyList<string> folders);
    /// <summary>Creates INBOX and the default folders if they do not exist.</summary>
    private protected abstract void CreateMailbox(string account);
    private protected abstract void DeleteMailbox(string account);
    /// <summary>Drops cached state of an account (it was added or removed).</summary>
    private protected abstract void ForgetAccount(string account);
    private protected abstract long ComputeUsage(string account);

    // ---- accounts and folders ----

    private MailAccount RequireAccount(string account)
    {
        MailboxNames.NormalizeAddress(account);
        var found = accounts.Find(account) ?? throw new AccountNotFoundException(account.Trim().ToLowerInvariant());
        CreateMailbox(found.Address);
        return found;
    }

    private FolderBase Folder(string account, string folder, out MailAccount owner)
    {
        var name = MailboxNames.NormalizeFolder(folder);
        owner = RequireAccount(account);
        return OpenFolder(owner.Address, name);
    }

    private FolderBase Folder(string account, string folder) => Folder(account, folder, out _);

    public Task<IReadOnlyList<MailFolderInfo>> GetFoldersAsync(string account, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(GetFolders(account));
    }

    public IReadOnlyList<MailFolderInfo> GetFolders(string account)
    {
        var owner = RequireAccount(account);
        return FolderNames(owner.Address)
            .OrderBy(n => n == MailboxNames.Inbox ? 0 : 1)
            .ThenBy(n => n, StringComparer.Ordinal)
            .Select(n => new MailFolderInfo(n, (n == MailboxNames.Inbox ? null : ReadSpecialUse(owner.Address, n)) ?? MailboxNames.SpecialUseOf(n)))
            .ToList();
    }

    public Task CreateFolderAsync(string account, string folder, CancellationToken cancellationToken = default)
        => CreateFolderAsync(account, folder, null, cancellationToken);

    public Task CreateFolderAsync(string account, string folder, string? specialUse, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var name = MailboxNames.NormalizeFolder(folder);
        string? use = null;
        if (specialUse != null)
            use = MailboxNames.CreatableSpecialUse(specialUse) ?? throw new InvalidFolderNameException(name, "'" + specialUse + "' is not a special use a folder can have");
        var owner = RequireAccount(account);
        if (FolderExists(owner.Address, name)) throw new FolderExistsException(owner.Address, name);
        CreateFolderCore(owner.Address, name);
        if (use != null) WriteSpecialUse(owner.Address, name, use);
        return Task.CompletedTask;
    }

    public IReadOnlyList<string> GetSubscriptions(string account)
    {
        var owner = RequireAccount(account);
        return ReadSubscriptions(owner.Address) ?? FolderNames(owner.Address).OrderBy(n => n, StringComparer.Ordinal).ToList();
    }

    public void SetSubscriptions(string account, IEnumerable<string> folders)
    {
        var owner = RequireAccount(account);
        WriteSubscriptions(owner.Address, folders.Select(MailboxNames.NormalizeFolder).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToList());
    }

    /// <summary>What a new account is subscribed to: INBOX and the default folders (folders created later are not, as with Dovecot).</summary>
    private protected static IReadOnlyList<string> InitialSubscriptions()
        => new[] { MailboxNames.Inbox }.Concat(MailboxNames.DefaultFolders.Select(f => f.Key)).OrderBy(n => n, StringComparer.Ordinal).ToList();

    public Task DeleteFolderAsync(string account, string folder, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var name = MailboxNames.NormalizeFolder(folder);
        if (name == MailboxNames.Inbox) throw new InvalidFolderNameException(name, "INBOX cannot be deleted");
        var owner = RequireAccount(account);
        if (!FolderExists(owner.Address, name)) throw new FolderNotFoundException(owner.Address, name);
        var bytes = OpenFolder(owner.Address, name).Status().Size;
        DeleteFolderCore(owner.Address, name);
        AddUsage(owner.Address, -bytes);
        return Task.CompletedTask;
    }

    public Task RenameFolderAsync(string account, string folder, string newName, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var from = MailboxNames.NormalizeFolder(folder);
        var to = MailboxNames.NormalizeFolder(newName);
        if (from == MailboxNames.Inbox || to == MailboxNames.Inbox)
            throw new InvalidFolderNameException(from == MailboxNames.Inbox ? from : to, "INBOX cannot be renamed (move its messages instead)");
        var owner = RequireAccount(account);
        if (!FolderExists(owner.Address, from)) throw new FolderNotFoundException(owner.Address, from);
        if (FolderExists(owner.Address, to)) throw new FolderExistsException(owner.Address, to);
        if (to.StartsWith(from + MailboxNames.Delimiter, StringComparison.Ordinal))
            throw new InvalidFolderNameException(to, "a folder cannot be moved below itself");
        RenameFolderCore(owner.Address, from, to);
        return Task.CompletedTask;
    }

    public FolderStatus GetFolderStatus(string account, string folder) => Folder(account, folder).Status();

    // ---- delivery ----

    public Task<StoredMessage> DeliverAsync(string account, string folder, byte[] message, DateTimeOffset internalDate, CancellationToken cancellationToken = default)
        => AddAsync(account, folder, new ArrayContent(message), null, null, internalDate, cancellationToken);

    public Task<StoredMessage> AppendAsync(string account, string folder, byte[] message, MessageFlags flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default)
        => AddAsync(account, folder, new ArrayContent(message), flags, null, internalDate, cancellationToken);

    public Task<StoredMessage> AppendAsync(string account, string folder, byte[] message, MessageFlags flags, IReadOnlyCollection<string>? keywords, DateTimeOffset internalDate, CancellationToken cancellationToken = default)
        => AddAsync(account, folder, new ArrayContent(message), flags, keywords, internalDate, cancellationToken);

    public abstract IncomingMessage CreateIncomingMessage();

    public Task<StoredMessage> DeliverAsync(string account, string folder, IncomingMessage message, MessageFlags? flags, DateTimeOffset internalDate, CancellationToken cancellationToken = default)
        => DeliverAsync(account, folder, message, flags, null, internalDate, cancellationToken);

    public Task<StoredMessage> DeliverAsync(string account, string folder, IncomingMessage message, MessageFlags? flags, IReadOnlyCollection<string>? keywords, DateTimeOffset internalDate, CancellationToken cancellationToken = default)
    {
        if (message is null) throw new ArgumentNullException(nameof(message));
        return AddAsync(account, folder, message.AsContent(), flags, keywords, internalDate, cancellationToken);
    }

    private async Task<StoredMessage> AddAsync(string account, string folder, MessageContent message, MessageFlags? flags, IReadOnlyCollection<string>? keywords, DateTimeOffset internalDate, CancellationToken cancellationToken)
    {
        var name = MailboxNames.NormalizeFolder(folder);
        var owner = RequireAccount(account);
        if (!owner.Enabled) throw new AccountDisabledException(owner.Address);
        var target = OpenFolder(owner.Address, name);
        var size = message.Size;
        Reserve(owner, size);
        StoredMessage stored;
        try
        {
            stored = await target.AddAsync(message, flags, MessageKeywords.Normalize(keywords), internalDate, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            AddUsage(owner.Address, -size);
            throw;
        }
        // The message is stored: a failing handler must not turn that into an error (SMTP would retry: a duplicate).
        Raise(MessageDelivered, new MessageDeliveredEventArgs(owner.Address, target.Name, stored));
        Raise(FolderChanged, new FolderChangedEventArgs(owner.Address, target.Name, FolderChangeKind.Added, new[] { stored.Uid }));
        return stored;
    }

    /// <summary>
    /// The quota of accounts that have none of their own (bytes; null: no limit). A server sets it
    /// (Start-MailServer -DefaultQuota) so that no account can fill the disk.
    /// </summary>
    public long? DefaultQuota { get; set; }

    public long? GetQuota(string account)
    {
        var owner = RequireAccount(account);
        return QuotaOf(owner);
    }

    private long? QuotaOf(MailAccount account) => account.Quota ?? DefaultQuota;

    public bool HasRoomFor(string account, long size)
    {
        var owner = accounts.Find(account);
        if (owner is null || QuotaOf(owner) is not long quota) return true;
        return Interlocked.Read(ref UsageBox(owner.Address).Value) + Math.Max(0, size) <= quota;
    }

    private void Reserve(MailAccount account, long size)
    {
        var box = UsageBox(account.Address);
        var after = Interlocked.Add(ref box.Value, size);
        if (QuotaOf(account) is long quota && after > quota)
        {
            Interlocked.Add(ref box.Value, -size);
            throw new QuotaExceededException(account.Address, quota, after - size, size);
        }
    }

    private StrongBox<long> UsageBox(string address)
    {
        if (usage.TryGetValue(address, out var box)) return box;
        lock (usageGate)
        {
            if (usage.TryGetValue(address, out box)) return box;
            box = new StrongBox<long>(ComputeUsage(address));
            usage[address] = box;
            return box;
        }
    }

    private void AddUsage(string address, long delta)
    {
        if (usage.TryGetValue(address, out var box)) Interlocked.Add(ref box.Value, delta);
    }

    private protected void ForgetUsage(string address)
    {
        lock (usageGate) usage.TryRemove(address, out _);
    }

    public Task<long> GetUsedBytesAsync(string account, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var owner = RequireAccount(account);
        return Task.FromResult(Interlocked.Read(ref UsageBox(owner.Address).Value));
    }

    // ---- reading and changing ----

    public IReadOnlyList<StoredMessage> ListMessages(string account, string folder) => Folder(account, folder).List();

    public IReadOnlyList<StoredMessage> ListMessagesChangedSince(string account, string folder, ulong modSeq) => Folder(account, folder).ListChangedSince(modSeq);

    public StoredMessage? GetMessage(string account, string folder, uint uid) => Folder(account, folder).Get(uid);

    public async Task<byte[]> ReadMessageAsync(string account, string folder, uint uid, CancellationToken cancellationToken = default)
    {
        var f = Folder(account, folder);
        return await f.ReadAsync(uid, cancellationToken).ConfigureAwait(false) ?? throw new MessageNotFoundException(f.Account, f.Name, uid);
    }

    public Stream OpenMessage(string account, string folder, uint uid)
    {
        var f = Folder(account, folder);
        return f.Open(uid) ?? throw new MessageNotFoundException(f.Account, f.Name, uid);
    }

    public IMessageReader OpenMessageReader(string account, string folder) => new FolderMessageReader(Folder(account, folder));

    public async Task<IReadOnlyList<StoredMessage>> SetFlagsAsync(string account, string folder, IEnumerable<uint> uids, MessageFlags flags, FlagChange change, CancellationToken cancellationToken = default)
        => (await UpdateFlagsAsync(account, folder, uids, new FlagUpdate(flags, null, change), cancellationToken).ConfigureAwait(false)).Changed;

    public Task<FlagUpdateResult> UpdateFlagsAsync(string account, string folder, IEnumerable<uint> uids, FlagUpdate update, CancellationToken cancellationToken = default)
    {
        if (uids is null) throw new ArgumentNullException(nameof(uids));
        if (update is null) throw new ArgumentNullException(nameof(update));
        cancellationToken.ThrowIfCancellationRequested();
        var f = Folder(account, folder);
        var result = f.UpdateFlags(uids, update);
        RaiseChanged(f, FolderChangeKind.FlagsChanged, result.Changed);
        return Task.FromResult(result);
    }

    public Task<bool> SynchronizeAsync(string account, string folder, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var f = Folder(account, folder);
        var changes = f.Synchronize();
        if (changes is null || !changes.Any) return Task.FromResult(false);
        AddUsage(f.Account, changes.Added.Sum(m => m.Size) - changes.Removed.Sum(m => m.Size));
        RaiseChanged(f, FolderChangeKind.Expunged, changes.Removed);
        RaiseChanged(f, FolderChangeKind.FlagsChanged, changes.FlagsChanged);
        RaiseChanged(f, FolderChangeKind.Added, changes.Added);
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<StoredMessage>> ClaimRecentAsync(string account, string folder, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var f = Folder(account, folder);
        var claimed = f.ClaimRecent();
        RaiseChanged(f, FolderChangeKind.FlagsChanged, claimed);
        return Task.FromResult(claimed);
    }

    public Task<IReadOnlyList<uint>> DeleteMessagesAsync(string account, string folder, IEnumerable<uint> uids, CancellationToken cancellationToken = default)
    {
        if (uids is null) throw new ArgumentNullException(nameof(uids));
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Remove(Folder(account, folder), new HashSet<uint>(uids), _ => true));
    }

    public Task<IReadOnlyList<uint>> ExpungeAsync(string account, string folder, IEnumerable<uint>? uids = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var set = uids is null ? null : new HashSet<uint>(uids);
        return Task.FromResult(Remove(Folder(account, folder), set, m => (m.Flags & MessageFlags.Deleted) != 0));
    }

    private IReadOnlyList<uint> Remove(FolderBase f, ISet<uint>? uids, Func<StoredMessage, bool> predicate)
    {
        var removed = f.Remove(uids, predicate);
        AddUsage(f.Account, -removed.Sum(m => m.Size));
        RaiseChanged(f, FolderChangeKind.Expunged, removed);
        return removed.Select(m => m.Uid).ToList();
    }

    public Task<IReadOnlyList<KeyValuePair<uint, uint>>> CopyMessagesAsync(string account, string folder, IEnumerable<uint> uids, string targetFolder, CancellationToken cancellationToken = default)
        => TransferAsync(account, folder, uids, targetFolder, false, cancellationToken);

    public Task<IReadOnlyList<KeyValuePair<uint, uint>>> MoveMessagesAsync(string account, string folder, IEnumerable<uint> uids, string targetFolder, CancellationToken cancellationToken = default)
        => TransferAsync(account, folder, uids, targetFolder, true, cancellationToken);

    private async Task<IReadOnlyList<KeyValuePair<uint, uint>>> TransferAsync(string account, string folder, IEnumerable<uint> uids, string targetFolder, bool move, CancellationToken cancellationToken)
    {
        if (uids is null) throw new ArgumentNullException(nameof(uids));
        var source = Folder(account, folder, out var owner);
        var target = OpenFolder(owner.Address, MailboxNames.NormalizeFolder(targetFolder));
        var wanted = uids.Distinct().OrderBy(u => u).ToList();
        // A copy needs room for all its messages up front; a move within the account frees what it adds.
        long reserved = move ? 0 : wanted.Select(source.Get).Where(m => m != null).Sum(m => m!.Size);
        Reserve(owner, reserved);
        TransferResult result;
        try
        {
            result = await TransferCoreAsync(source, target, wanted, move, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            AddUsage(owner.Address, -reserved);
            throw;
        }
        AddUsage(owner.Address, result.Copies.Sum(c => c.Value.Size) - reserved - result.Removed.Sum(m => m.Size));
        foreach (var copy in result.Copies)
            Raise(MessageDelivered, new MessageDeliveredEventArgs(owner.Address, target.Name, copy.Value));
        RaiseChanged(target, FolderChangeKind.Added, result.Copies.Select(c => c.Value).ToList());
        RaiseChanged(source, FolderChangeKind.Expunged, result.Removed);
        return result.Copies.Select(c => new KeyValuePair<uint, uint>(c.Key.Uid, c.Value.Uid)).ToList();
    }

    /// <summary>
    /// Copies the messages (ascending UIDs; unknown ones skipped) with their flags, keywords and internal date, and for
    /// a move removes the originals. This plain version copies one message at a time; a durable store
    /// overrides it to be all or nothing across a crash.
    /// </summary>
    private protected virtual async Task<TransferResult> TransferCoreAsync(FolderBase source, FolderBase target, IReadOnlyList<uint> uids, bool move, CancellationToken cancellationToken)
    {
        var copies = new List<KeyValuePair<StoredMessage, StoredMessage>>();
        foreach (var uid in uids)
        {
            var meta = source.Get(uid);
            if (meta is null) continue;
            var bytes = await source.ReadAsync(uid, cancellationToken).ConfigureAwait(false);
            if (bytes is null) continue;
            var copy = await target.AddAsync(new ArrayContent(bytes), meta.Flags, meta.Keywords, meta.InternalDate, cancellationToken).ConfigureAwait(false);
            copies.Add(new KeyValuePair<StoredMessage, StoredMessage>(meta, copy));
        }
        var removed = move && copies.Count > 0 ? source.Remove(new HashSet<uint>(copies.Select(c => c.Key.Uid)), _ => true) : Array.Empty<StoredMessage>();
        return new TransferResult(copies, removed);
    }

    private void RaiseChanged(FolderBase f, FolderChangeKind kind, IReadOnlyList<StoredMessage> messages)
    {
        if (messages.Count == 0) return;
        Raise(FolderChanged, new FolderChangedEventArgs(f.Account, f.Name, kind, messages.Select(m => m.Uid).ToList()));
    }

    /// <summary>Calls every handler; one that throws neither stops the others nor fails the store operation.</summary>
    private void Raise<T>(EventHandler<T>? handlers, T args)
    {
        if (handlers is null) return;
        foreach (EventHandler<T> handler in handlers.GetInvocationList())
        {
            try { handler(this, args); }
            catch (Exception e) { HandlerFailed?.Invoke(this, e); }
        }
    }

    /// <summary>Reports exceptions thrown by MessageDelivered/FolderChanged handlers (they are otherwise swallowed).</summary>
    public event EventHandler<Exception>? HandlerFailed;

    public virtual void Dispose() { }
}
