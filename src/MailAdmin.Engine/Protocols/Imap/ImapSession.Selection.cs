using System.Collections.Generic;
using System.Threading;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

public sealed partial class ImapSession
{
    /// <summary>
    /// The selected mailbox as this session knows it: sequence numbers are positions in <see cref="Uids"/>,
    /// and <see cref="Known"/> is each message's state as last told to the client (flags, keywords, MODSEQ,
    /// size, date). A message another session expunged stays known until its EXPUNGE (or VANISHED) is sent,
    /// so FETCH can still answer for it from here (RFC 2180 §4.1.2).
    /// </summary>
    private sealed class Selection
    {
        public Selection(string folder, bool readOnly) { Folder = folder; ReadOnly = readOnly; }
        public readonly string Folder;
        public readonly bool ReadOnly;
        public readonly List<uint> Uids = new();
        public readonly Dictionary<uint, StoredMessage> Known = new();
        public readonly HashSet<uint> Recent = new();
        /// <summary>The keywords announced in FLAGS and PERMANENTFLAGS: a new one means a new FLAGS response.</summary>
        public readonly HashSet<string> Keywords = new(MessageKeywords.Comparer);
        /// <summary>Whether PERMANENTFLAGS says \* (the store can still take new keywords).</summary>
        public bool CanCreateKeywords;
        /// <summary>The store keeps no mod-sequences for this folder (HIGHESTMODSEQ 0): SELECT said [NOMODSEQ].</summary>
        public bool NoModSeq;
        public uint MaxUid;
        /// <summary>Part of the header cache's key: a recreated folder starts its UIDs again.</summary>
        public uint UidValidity;
        private int _dirty;
        public bool Dirty { get => Volatile.Read(ref _dirty) != 0; set => Volatile.Write(ref _dirty, value ? 1 : 0); }

        public int IndexOf(uint uid)
        {
            int i = Uids.BinarySearch(uid);
            return i < 0 ? -1 : i;
        }

        /// <summary>Remembers a message's state as the client now knows it.</summary>
        public void Remember(StoredMessage message) => Known[message.Uid] = message;

        public void Forget(uint uid)
        {
            Known.Remove(uid);
            Recent.Remove(uid);
        }

        /// <summary>Whether the message's flags or keywords differ from what the client was told.</summary>
        public bool FlagsChanged(StoredMessage now)
            => Known.TryGetValue(now.Uid, out var old) && (old.Flags != now.Flags || !MessageKeywords.SameAs(old.Keywords, now.Keywords));

        /// <summary>Adds keywords not announced yet; true when there was one (a FLAGS response is due).</summary>
        public bool LearnKeywords(IReadOnlyList<string> keywords)
        {
            bool added = false;
            foreach (var k in keywords) added |= Keywords.Add(k);
            return added;
        }

        /// <summary>The FLAGS list: system flags, then the folder's keywords.</summary>
        public string FlagList()
        {
            if (Keywords.Count == 0) return PermanentFlags;
            var list = new List<string>(Keywords);
            list.Sort(MessageKeywords.Comparer);
            return PermanentFlags + " " + string.Join(" ", list);
        }

        /// <summary>The PERMANENTFLAGS list: FLAGS, and \* while new keywords can be made.</summary>
        public string PermanentFlagList() => ReadOnly ? "" : FlagList() + (CanCreateKeywords ? " \\*" : "");
    }

    /// <summary>"* FLAGS" and "* OK [PERMANENTFLAGS]", at SELECT and again when a new keyword appears.</summary>
    private void WriteFlagsResponses(Selection sel)
    {
        WriteLine("* FLAGS (" + sel.FlagList() + ")");
        WriteLine(sel.ReadOnly ? "* OK [PERMANENTFLAGS ()] Read-only mailbox" : "* OK [PERMANENTFLAGS (" + sel.PermanentFlagList() + ")] Flags permitted");
    }
}
