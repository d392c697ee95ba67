using System;
using System.Collections.Generic;
using System.Linq;

namespace MailAdmin.Store;

/// <summary>
/// A throw-away store in memory (Start-MailServer -InMemory, test fixtures): the same interface and rules
/// as <see cref="MaildirStore"/> — UIDs, flags, events, quota, accounts with hashed passwords — without disk.
/// </summary>
public sealed class InMemoryStore : MailStoreBase
{
    private readonly object gate = new object();
    // account → folder name → folder
    private readonly Dictionary<string, Dictionary<string, InMemoryFolder>> mailboxes = new Dictionary<string, Dictionary<string, InMemoryFolder>>(StringComparer.Ordinal);
    // account → IMAP subscriptions
    private readonly Dictionary<string, IReadOnlyList<string>> subscriptions = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    public InMemoryStore() : this(PasswordHasher.DefaultIterations) { }

    /// <param name="passwordIterations">PBKDF2 iterations for new password hashes (fixtures may use fewer).</param>
    public InMemoryStore(int passwordIterations) : base(new InMemoryAccountStore(passwordIterations)) { }

    /// <summary>A message being received, in 64 KiB chunks handed to the folder when delivered (held once).</summary>
    public override IncomingMessage CreateIncomingMessage() => new MemoryIncomingMessage();

    private Dictionary<string, InMemoryFolder> Mailbox(string account)
    {
        if (!mailboxes.TryGetValue(account, out var box))
            throw new AccountNotFoundException(account);
        return box;
    }

    private protected override FolderBase OpenFolder(string account, string folder)
    {
        lock (gate)
        {
            return Mailbox(account).TryGetValue(folder, out var f) ? f : throw new FolderNotFoundException(account, folder);
        }
    }

    private protected override IReadOnlyList<string> FolderNames(string account)
    {
        lock (gate) return Mailbox(account).Keys.ToList();
    }

    private protected override bool FolderExists(string account, string folder)
    {
        lock (gate) return Mailbox(account).ContainsKey(folder);
    }

    private protected override void CreateFolderCore(string account, string folder)
    {
        lock (gate)
        {
            var box = Mailbox(account);
            if (box.ContainsKey(folder)) throw new FolderExistsException(account, folder);
            box[folder] = new InMemoryFolder(account, folder);
        }
    }

    private protected override string? ReadSpecialUse(string account, string folder)
    {
        lock (gate) return Mailbox(account).TryGetValue(folder, out var f) ? f.SpecialUse : null;
    }

    private protected override void WriteSpecialUse(string account, string folder, string specialUse)
    {
        lock (gate) if (Mailbox(account).TryGetValue(folder, out var f)) f.SpecialUse = specialUse;
    }

    private protected override IReadOnlyList<string>? ReadSubscriptions(string account)
    {
        lock (gate) return subscriptions.TryGetValue(account, out var list) ? list : null;
    }

    private protected override void WriteSubscriptions(string account, IReadOnlyList<string> folders)
    {
        lock (gate) subscriptions[account] = folders;
    }

    private protected override void DeleteFolderCore(string account, string folder)
    {
        lock (gate) Mailbox(account).Remove(folder);
    }

    private protected override void RenameFolderCore(string account, string folder, string newName)
    {
        lock (gate)
        {
            var box = Mailbox(account);
            var moves = box.Keys
                .Where(k => k == folder || k.StartsWith(folder + MailboxNames.Delimiter, StringComparison.Ordinal))
                .Select(k => (From: k, To: newName + k.Substring(folder.Length)))
                .ToList();
            foreach (var (_, to) in moves)
            {
                MailboxNames.NormalizeFolder(to);
                if (box.ContainsKey(to)) throw new FolderExistsException(account, to);
            }
            foreach (var (from, to) in moves)
            {
                box[to] = box[from].Renamed(to);
                box.Remove(from);
            }
        }
    }

    private protected override void CreateMailbox(string account)
    {
        lock (gate)
        {
            if (mailboxes.ContainsKey(account)) return;
            var box = new Dictionary<string, InMemoryFolder>(StringComparer.Ordinal)
            {
                [MailboxNames.Inbox] = new InMemoryFolder(account, MailboxNames.Inbox),
            };
            foreach (var f in MailboxNames.DefaultFolders) box[f.Key] = new InMemoryFolder(account, f.Key);
            mailboxes[account] = box;
            subscriptions[account] = InitialSubscriptions();
        }
    }

    private protected override void DeleteMailbox(string account)
    {
        lock (gate)
        {
            mailboxes.Remove(account);
            subscriptions.Remove(account);
        }
    }

    private protected override void ForgetAccount(string account) => ForgetUsage(account);

    private protected override long ComputeUsage(string account)
    {
        lock (gate) return mailboxes.TryGetValue(account, out var box) ? box.Values.Sum(f => f.Size) : 0;
    }
}
