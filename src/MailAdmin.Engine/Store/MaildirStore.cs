using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>
/// The durable store: one Maildir++ directory per account under <see cref="RootPath"/>, accounts in
/// accounts.json. One process should serve a root at a time (the accounts file alone is safe to share).
/// See docs/store.md.
/// </summary>
public sealed class MaildirStore : MailStoreBase
{
    private readonly object foldersGate = new object();
    private readonly Dictionary<string, MaildirFolder> folders = new Dictionary<string, MaildirFolder>(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> mailboxes = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
    private readonly object mailboxGate = new object();
    /// <summary>Names of the transfer journals of COPY/MOVEs running now: recovery leaves them alone.</summary>
    private readonly HashSet<string> activeJournals = new HashSet<string>(StringComparer.Ordinal);
    private bool disposed;

    public MaildirStore(string rootPath) : this(rootPath, PasswordHasher.DefaultIterations) { }

    /// <param name="rootPath">The store root; created if missing.</param>
    /// <param name="passwordIterations">PBKDF2 iterations for new password hashes.</param>
    public MaildirStore(string rootPath, int passwordIterations) : base(new AccountStore(rootPath, passwordIterations))
    {
        RootPath = ((AccountStore)Accounts).RootPath;
        incomingDirectory = Path.Combine(RootPath, IncomingDirectoryName);
        if (Directory.Exists(incomingDirectory)) CleanIncoming();
    }

    /// <summary>Where messages being received are written (the name cannot be an account's: it has no '@').</summary>
    internal const string IncomingDirectoryName = ".incoming";
    private readonly string incomingDirectory;
    private volatile bool incomingReady;

    /// <summary>A message being received: a file in the store's .incoming directory, moved into its folder when delivered.</summary>
    public override IncomingMessage CreateIncomingMessage()
    {
        ThrowIfDisposed();
        // Made on first use, so a store that never receives (a cmdlet reading it) leaves the root as it was.
        if (!incomingReady)
        {
            Directory.CreateDirectory(incomingDirectory);
            NativeMethods.FsyncDirectory(RootPath);
            incomingReady = true;
        }
        return new FileIncomingMessage(incomingDirectory);
    }

    /// <summary>Incoming files left by a crash (never answered with success) are deleted at start.</summary>
    private void CleanIncoming()
    {
        var limit = DateTime.UtcNow - TimeSpan.FromHours(1);
        foreach (var file in new DirectoryInfo(incomingDirectory).EnumerateFiles())
        {
            try { if (file.LastWriteTimeUtc <= limit) file.Delete(); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    public string RootPath { get; }

    /// <summary>tmp/ files older than this are deleted when a folder is opened (the Maildir convention says 36 hours; we are the only writer).</summary>
    public TimeSpan TmpCleanupAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The directory of an account's mailbox (its INBOX). Always inside <see cref="RootPath"/>.</summary>
    public string GetAccountDirectory(string account)
    {
        var path = Path.Combine(RootPath, MailboxNames.AccountDirectoryName(MailboxNames.NormalizeAddress(account)));
        return EnsureInsideRoot(path);
    }

    /// <summary>The Maildir directory of a folder. Always inside the account's directory.</summary>
    public string GetFolderDirectory(string account, string folder)
    {
        var accountDir = GetAccountDirectory(account);
        var name = MailboxNames.NormalizeFolder(folder);
        if (name == MailboxNames.Inbox) return accountDir;
        var path = Path.GetFullPath(Path.Combine(accountDir, MailboxNames.FolderDirectoryName(name)));
        if (!string.Equals(Path.GetDirectoryName(path), accountDir, StringComparison.Ordinal))
            throw new InvalidFolderNameException(folder, "it does not map to a directory of the account");
        return path;
    }

    private string EnsureInsideRoot(string path)
    {
        var full = Path.GetFullPath(path);
        if (!string.Equals(Path.GetDirectoryName(full), RootPath.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar), StringComparison.Ordinal))
            throw new InvalidAccountAddressException(path, "it does not map to a directory of the store");
        return full;
    }

    private static string Key(string account, string folder) => account + "\n" + folder;

    private protected override FolderBase OpenFolder(string account, string folder)
    {
        ThrowIfDisposed();
        var key = Key(account, folder);
        lock (foldersGate)
        {
            if (folders.TryGetValue(key, out var open)) return open;
            var dir = GetFolderDirectory(account, folder);
            if (!Directory.Exists(dir)) throw new FolderNotFoundException(account, folder);
            open = MaildirFolder.Open(account, folder, dir, TmpCleanupAge);
            folders[key] = open;
            return open;
        }
    }

    private protected override IReadOnlyList<string> FolderNames(string account)
    {
        var names = new List<string> { MailboxNames.Inbox };
        foreach (var dir in new DirectoryInfo(GetAccountDirectory(account)).EnumerateDirectories(".*"))
        {
            var name = MailboxNames.FolderFromDirectoryName(dir.Name);
            if (name != null) names.Add(name);
        }
        return names;
    }

    private protected override bool FolderExists(string account, string folder)
        => Directory.Exists(GetFolderDirectory(account, folder));

    private protected override void CreateFolderCore(string account, string folder)
        => MaildirFolder.Create(GetFolderDirectory(account, folder), folder != MailboxNames.Inbox);

    private protected override string? ReadSpecialUse(string account, string folder)
        => MaildirImapFiles.ReadSpecialUse(GetFolderDirectory(account, folder));

    private protected override void WriteSpecialUse(string account, string folder, string specialUse)
        => MaildirImapFiles.WriteSpecialUse(GetFolderDirectory(account, folder), specialUse);

    private protected override IReadOnlyList<string>? ReadSubscriptions(string account)
        => MaildirImapFiles.ReadSubscriptions(GetAccountDirectory(account));

    private protected override void WriteSubscriptions(string account, IReadOnlyList<string> folders)
        => MaildirImapFiles.WriteSubscriptions(GetAccountDirectory(account), folders);

    private protected override void DeleteFolderCore(string account, string folder)
    {
        var dir = GetFolderDirectory(account, folder);
        lock (foldersGate)
        {
            Close(Key(account, folder));
            // Rename first so the name is free at once and a crash leaves no half-deleted folder under it.
            var doomed = Path.Combine(Path.GetDirectoryName(dir)!, "..deleted-" + Guid.NewGuid().ToString("N"));
            Directory.Move(dir, doomed);
            NativeMethods.FsyncDirectory(Path.GetDirectoryName(dir)!);
            Directory.Delete(doomed, true);
        }
    }

    private protected override void RenameFolderCore(string account, string folder, string newName)
    {
        lock (foldersGate)
        {
            var accountDir = GetAccountDirectory(account);
            var moves = new List<(string From, string To)> { (folder, newName) };
            foreach (var child in FolderNames(account))
                if (child.StartsWith(folder + MailboxNames.Delimiter, StringComparison.Ordinal))
                    moves.Add((child, newName + child.Substring(folder.Length)));
            foreach (var (from, to) in moves)
            {
                MailboxNames.NormalizeFolder(to); // the longer child names must still be valid
                if (Directory.Exists(GetFolderDirectory(account, to))) throw new FolderExistsException(account, to);
            }
            foreach (var (from, to) in moves)
            {
                Close(Key(account, from));
                Directory.Move(GetFolderDirectory(account, from), GetFolderDirectory(account, to));
            }
            NativeMethods.FsyncDirectory(accountDir);
        }
    }

    private protected override void CreateMailbox(string account)
    {
        if (mailboxes.ContainsKey(account)) return;
        // First use of the account in this process: before any of its folders opens, finish the COPY/MOVEs
        // a crash interrupted, so the folders load their outcome.
        lock (mailboxGate)
        {
            if (mailboxes.ContainsKey(account)) return;
            var dir = GetAccountDirectory(account);
            if (!File.Exists(Path.Combine(dir, DovecotUidList.FileName)) && !File.Exists(Path.Combine(dir, LegacyUidList.FileName)))
            {
                MaildirFolder.Create(dir, false);
                foreach (var f in MailboxNames.DefaultFolders)
                    MaildirFolder.Create(GetFolderDirectory(account, f.Key), true);
                MaildirImapFiles.WriteSubscriptions(dir, InitialSubscriptions());
            }
            MaildirTransfer.RecoverAll(dir, folder => GetFolderDirectory(account, folder), activeJournals);
            mailboxes[account] = true;
        }
    }

    private protected override Task<TransferResult> TransferCoreAsync(FolderBase source, FolderBase target, IReadOnlyList<uint> uids, bool move, CancellationToken cancellationToken)
        => MaildirTransfer.RunAsync(GetAccountDirectory(source.Account), (MaildirFolder)source, (MaildirFolder)target, uids, move, activeJournals, cancellationToken);

    private protected override void DeleteMailbox(string account)
    {
        var dir = GetAccountDirectory(account);
        if (!Directory.Exists(dir)) return;
        var doomed = Path.Combine(RootPath, ".deleted-" + Guid.NewGuid().ToString("N"));
        Directory.Move(dir, doomed);
        NativeMethods.FsyncDirectory(RootPath);
        Directory.Delete(doomed, true);
    }

    private protected override void ForgetAccount(string account)
    {
        lock (foldersGate)
        {
            foreach (var key in folders.Keys.Where(k => k.StartsWith(account + "\n", StringComparison.Ordinal)).ToList())
                Close(key);
        }
        mailboxes.TryRemove(account, out _);
        ForgetUsage(account);
    }

    private void Close(string key)
    {
        if (folders.TryGetValue(key, out var f))
        {
            folders.Remove(key);
            f.Close();
        }
    }

    private protected override long ComputeUsage(string account)
    {
        long total = 0;
        foreach (var name in FolderNames(account))
        {
            var dir = GetFolderDirectory(account, name);
            foreach (var sub in new[] { "new", "cur" })
            {
                var path = Path.Combine(dir, sub);
                if (!Directory.Exists(path)) continue;
                foreach (var file in new DirectoryInfo(path).EnumerateFiles())
                {
                    if (file.Name.StartsWith(".", StringComparison.Ordinal)) continue;
                    try { total += MaildirFileName.Parse(file.Name).Size ?? file.Length; }
                    catch (IOException) { }
                }
            }
        }
        return total;
    }

    private void ThrowIfDisposed()
    {
        if (disposed) throw new ObjectDisposedException(nameof(MaildirStore));
    }

    public override void Dispose()
    {
        lock (foldersGate)
        {
            if (disposed) return;
            disposed = true;
            foreach (var key in folders.Keys.ToList()) Close(key);
        }
    }
}
