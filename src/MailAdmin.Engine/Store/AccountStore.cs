using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>
/// Accounts kept in &lt;root&gt;/accounts.json. Every change runs under an exclusive lock on
/// &lt;root&gt;/accounts.lock (FileShare.None, retried), re-reads the file, and replaces it atomically
/// (temp file, fsync, rename, fsync directory), so writers in several processes lose nothing.
/// Readers use a cached copy that is reloaded when the file's time or length changes.
/// </summary>
public sealed class AccountStore : AccountStoreBase
{
    public const string FileName = "accounts.json";
    public const string LockFileName = "accounts.lock";
    private const int FormatVersion = 1;

    private readonly string path;
    private readonly string lockPath;
    private readonly SemaphoreSlim writer = new SemaphoreSlim(1, 1);
    private readonly object cacheGate = new object();
    private Dictionary<string, MailAccount> cache = new Dictionary<string, MailAccount>(StringComparer.Ordinal);
    private (long Ticks, long Length) cacheStamp = (-1, -1);

    public AccountStore(string rootPath, int iterations = PasswordHasher.DefaultIterations) : base(iterations)
    {
        if (string.IsNullOrEmpty(rootPath)) throw new ArgumentException("A store root path is required.", nameof(rootPath));
        RootPath = Path.GetFullPath(rootPath);
        Directory.CreateDirectory(RootPath);
        path = Path.Combine(RootPath, FileName);
        lockPath = Path.Combine(RootPath, LockFileName);
    }

    public string RootPath { get; }

    /// <summary>How long a change waits for another writer's lock before giving up.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    private protected override IReadOnlyDictionary<string, MailAccount> Snapshot()
    {
        var stamp = Stamp();
        lock (cacheGate)
        {
            if (stamp == cacheStamp) return cache;
        }
        var loaded = Load();
        lock (cacheGate)
        {
            cache = loaded;
            cacheStamp = stamp;
            return loaded;
        }
    }

    private protected override async Task<T> MutateAsync<T>(Func<Dictionary<string, MailAccount>, T> change, CancellationToken cancellationToken)
    {
        await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using (await AcquireFileLockAsync(cancellationToken).ConfigureAwait(false))
            {
                var accounts = Load();
                var result = change(accounts);
                DurableFile.ReplaceAtomically(path, Serialize(accounts));
                var stamp = Stamp();
                lock (cacheGate)
                {
                    cache = accounts;
                    cacheStamp = stamp;
                }
                return result;
            }
        }
        finally
        {
            writer.Release();
        }
    }

    private async Task<FileStream> AcquireFileLockAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        var delay = 5;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                // FileShare.None is an exclusive lock on Windows and a flock() on Linux/macOS: it holds across processes.
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 100);
            }
            catch (IOException e)
            {
                throw new MailStoreException($"The accounts file is locked by another writer ('{lockPath}'); gave up after {LockTimeout.TotalSeconds:0} s.", e);
            }
        }
    }

    private (long, long) Stamp()
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc.Ticks, info.Length) : (0, 0);
    }

    private Dictionary<string, MailAccount> Load()
    {
        var result = new Dictionary<string, MailAccount>(StringComparer.Ordinal);
        string text;
        try { text = File.ReadAllText(path, Encoding.UTF8); }
        catch (FileNotFoundException) { return result; }
        catch (DirectoryNotFoundException) { return result; }
        if (text.Trim().Length == 0) return result;
        try
        {
            if (!(MiniJson.Parse(text) is Dictionary<string, object?> root)) throw new FormatException("The top level is not an object.");
            if (root.TryGetValue("version", out var v) && v is double version && version > FormatVersion)
                throw new FormatException($"Format version {version} is newer than this module understands ({FormatVersion}).");
            if (!root.TryGetValue("accounts", out var list) || !(list is List<object?> items)) return result;
            foreach (var item in items.OfType<Dictionary<string, object?>>())
            {
                var address = MailboxNames.NormalizeAddress(Get<string>(item, "address") ?? "");
                var hash = Get<string>(item, "passwordHash") ?? "";
                var quota = item.TryGetValue("quota", out var q) && q is double dq ? (long?)dq : null;
                var enabled = !item.TryGetValue("enabled", out var e) || !(e is bool b) || b;
                var created = DateTimeOffset.TryParse(Get<string>(item, "created"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var c) ? c : DateTimeOffset.MinValue;
                result[address] = new MailAccount(address, hash, quota, enabled, created);
            }
            return result;
        }
        catch (Exception e) when (e is FormatException || e is InvalidAccountAddressException)
        {
            throw new MailStoreException($"The accounts file '{path}' is damaged: {e.Message}", e);
        }
    }

    private static T? Get<T>(Dictionary<string, object?> item, string key) where T : class
        => item.TryGetValue(key, out var value) ? value as T : null;

    private static byte[] Serialize(Dictionary<string, MailAccount> accounts)
    {
        var sb = new StringBuilder();
        sb.Append("{\n  \"version\": ").Append(FormatVersion).Append(",\n  \"accounts\": [");
        var first = true;
        foreach (var a in accounts.Values.OrderBy(a => a.Address, StringComparer.Ordinal))
        {
            sb.Append(first ? "\n" : ",\n");
            first = false;
            sb.Append("    { \"address\": ").Append(MiniJson.Quote(a.Address))
              .Append(", \"passwordHash\": ").Append(MiniJson.Quote(a.PasswordHash))
              .Append(", \"quota\": ").Append(a.Quota.HasValue ? a.Quota.Value.ToString(CultureInfo.InvariantCulture) : "null")
              .Append(", \"enabled\": ").Append(a.Enabled ? "true" : "false")
              .Append(", \"created\": ").Append(MiniJson.Quote(a.Created.ToString("o", CultureInfo.InvariantCulture)))
              .Append(" }");
        }
        sb.Append(first ? "]\n}\n" : "\n  ]\n}\n");
        return new UTF8Encoding(false).GetBytes(sb.ToString());
    }
}
