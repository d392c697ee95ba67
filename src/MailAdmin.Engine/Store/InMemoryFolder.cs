using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Store;

/// <summary>A folder of the <see cref="InMemoryStore"/>: the same UID and flag rules as a Maildir folder, no disk.</summary>
internal sealed class InMemoryFolder : FolderBase
{
    private readonly object gate = new object();
    private readonly SortedList<uint, (StoredMessage Message, byte[] Data)> messages = new SortedList<uint, (StoredMessage, byte[])>();
    private readonly uint uidValidity;
    private uint nextUid = 1;
    private ulong highestModSeq = 1;

    internal InMemoryFolder(string account, string name) : this(account, name, DovecotUidList.NewUidValidity()) { }

    private InMemoryFolder(string account, string name, uint uidValidity) : base(account, name) => this.uidValidity = uidValidity;

    /// <summary>Its own RFC 6154 special use (CREATE-SPECIAL-USE), or null.</summary>
    internal string? SpecialUse { get; set; }

    /// <summary>The folder under a new name: same messages, UIDs, UIDVALIDITY and special use (as a renamed Maildir folder).</summary>
    internal InMemoryFolder Renamed(string newName)
    {
        var copy = new InMemoryFolder(Account, newName, uidValidity) { SpecialUse = SpecialUse };
        lock (gate)
        {
            foreach (var kv in messages) copy.messages.Add(kv.Key, kv.Value);
            copy.nextUid = nextUid;
            copy.highestModSeq = highestModSeq;
        }
        return copy;
    }

    internal override Task<StoredMessage> AddAsync(MessageContent message, MessageFlags? flags, IReadOnlyList<string> keywords, DateTimeOffset internalDate, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var data = message.ToArray();
        var baseName = MaildirFileName.NewBaseName(data.Length, DateTimeOffset.UtcNow);
        lock (gate)
        {
            var stored = new StoredMessage(nextUid++, baseName, data.Length, StoreClock.ToStoredDate(internalDate), flags ?? MessageFlags.None, true,
                flags.HasValue ? keywords : MessageKeywords.None, ++highestModSeq);
            messages.Add(stored.Uid, (stored, data));
            return Task.FromResult(stored);
        }
    }

    internal override IReadOnlyList<StoredMessage> List()
    {
        lock (gate) return messages.Values.Select(v => v.Message).ToList();
    }

    internal override StoredMessage? Get(uint uid)
    {
        lock (gate) return messages.TryGetValue(uid, out var v) ? v.Message : null;
    }

    internal override Stream? Open(uint uid)
    {
        lock (gate) return messages.TryGetValue(uid, out var v) ? new MemoryStream(v.Data, false) : null;
    }

    /// <summary>A copy, as Open gives a read-only view: the caller may keep or change the array.</summary>
    internal override byte[]? Read(uint uid)
    {
        lock (gate) return messages.TryGetValue(uid, out var v) ? (byte[])v.Data.Clone() : null;
    }

    internal override FlagUpdateResult UpdateFlags(IEnumerable<uint> uids, FlagUpdate update)
    {
        var changed = new List<StoredMessage>();
        var modified = new List<uint>();
        lock (gate)
        {
            foreach (var uid in uids.Distinct().OrderBy(u => u))
            {
                if (!messages.TryGetValue(uid, out var v)) continue;
                var m = v.Message;
                if (update.UnchangedSince is ulong since && m.ModSeq > since) { modified.Add(uid); continue; }
                var flags = update.Change == FlagChange.Replace ? update.Flags : update.Change == FlagChange.Add ? m.Flags | update.Flags : m.Flags & ~update.Flags;
                var keywords = MessageKeywords.Apply(m.Keywords, update.Keywords, update.Change);
                if (flags == m.Flags && MessageKeywords.SameAs(keywords, m.Keywords)) continue;
                var updated = m.With(flags, keywords, m.IsRecent, ++highestModSeq);
                messages[uid] = (updated, v.Data);
                changed.Add(updated);
            }
        }
        return new FlagUpdateResult(changed, modified);
    }

    internal override IReadOnlyList<StoredMessage> ClaimRecent()
    {
        var claimed = new List<StoredMessage>();
        lock (gate)
        {
            foreach (var uid in messages.Keys.ToList())
            {
                var v = messages[uid];
                if (!v.Message.IsRecent) continue;
                messages[uid] = (v.Message.With(v.Message.Flags, v.Message.Keywords, false, v.Message.ModSeq), v.Data);
                claimed.Add(v.Message);
            }
        }
        return claimed;
    }

    internal override IReadOnlyList<StoredMessage> Remove(ISet<uint>? uids, Func<StoredMessage, bool> predicate)
    {
        var removed = new List<StoredMessage>();
        lock (gate)
        {
            var candidates = uids is null ? messages.Keys.ToList() : uids.Where(messages.ContainsKey).OrderBy(u => u).ToList();
            foreach (var uid in candidates)
            {
                var m = messages[uid].Message;
                if (!predicate(m)) continue;
                messages.Remove(uid);
                removed.Add(m);
            }
            // RFC 7162 §3.1.2: an expunge raises HIGHESTMODSEQ too.
            if (removed.Count > 0) highestModSeq++;
        }
        return removed;
    }

    internal override FolderStatus Status()
    {
        lock (gate)
        {
            int unseen = 0, recent = 0;
            long size = 0;
            var keywords = new HashSet<string>(MessageKeywords.Comparer);
            foreach (var v in messages.Values)
            {
                if ((v.Message.Flags & MessageFlags.Seen) == 0) unseen++;
                if (v.Message.IsRecent) recent++;
                size += v.Message.Size;
                keywords.UnionWith(v.Message.Keywords);
            }
            return new FolderStatus(Name, uidValidity, nextUid, messages.Count, unseen, recent, size, highestModSeq, MessageKeywords.Normalize(keywords), canCreateKeywords: true);
        }
    }

    internal long Size
    {
        get { lock (gate) return messages.Values.Sum(v => v.Message.Size); }
    }
}
