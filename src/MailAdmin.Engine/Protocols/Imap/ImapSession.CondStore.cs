using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>CONDSTORE and QRESYNC (RFC 7162): the session's switches and the parts of SELECT, FETCH and STORE they add.</summary>
public sealed partial class ImapSession
{
    /// <summary>A CONDSTORE enabling command was given (RFC 7162 §3.1): MODSEQ in unsolicited FETCH, HIGHESTMODSEQ at SELECT.</summary>
    private bool _condstore;
    /// <summary>ENABLE QRESYNC was given: VANISHED instead of EXPUNGE, UID in unsolicited FETCH, SELECT (QRESYNC ...).</summary>
    private bool _qresync;

    /// <summary>
    /// Called by every CONDSTORE enabling command. The first one with a mailbox selected tells its HIGHESTMODSEQ
    /// (RFC 7162 §3.1: the client may not have seen it at SELECT).
    /// </summary>
    private void EnableCondStore()
    {
        if (_condstore) return;
        _condstore = true;
        if (_selected != null) WriteHighestModSeq(_store.GetFolderStatus(_account!, _selected.Folder));
    }

    /// <summary>ENABLE CONDSTORE / QRESYNC (QRESYNC implies CONDSTORE, RFC 7162 §3.2.3): the name to list in ENABLED, or null.</summary>
    private string? EnableCondStoreExtension(string capability)
    {
        if (capability.Equals("CONDSTORE", StringComparison.OrdinalIgnoreCase))
        {
            if (_condstore) return null;
            EnableCondStore();
            return "CONDSTORE";
        }
        if (!capability.Equals("QRESYNC", StringComparison.OrdinalIgnoreCase) || _qresync) return null;
        _qresync = true;
        EnableCondStore();
        return "QRESYNC";
    }

    private void WriteHighestModSeq(FolderStatus status)
    {
        if (status.HighestModSeq > 0) WriteLine("* OK [HIGHESTMODSEQ " + status.HighestModSeq.ToString(CultureInfo.InvariantCulture) + "] Highest");
        else WriteLine("* OK [NOMODSEQ] No permanent modification sequences in this mailbox");
    }

    /// <summary>"[HIGHESTMODSEQ n] " for a tagged OK once CONDSTORE is on (EXPUNGE, RFC 7162 §3.2.10); empty otherwise.</summary>
    private string HighestModSeqCode()
    {
        if (!_condstore || _selected == null) return "";
        ulong highest;
        try { highest = _store.GetFolderStatus(_account!, _selected.Folder).HighestModSeq; }
        catch (FolderNotFoundException) { return ""; }
        return highest > 0 ? "[HIGHESTMODSEQ " + highest.ToString(CultureInfo.InvariantCulture) + "] " : "";
    }

    /// <summary>Whether FETCH responses carry MODSEQ: CONDSTORE is on and the selected folder keeps mod-sequences.</summary>
    private bool ModSeqsShown => _condstore && _selected?.NoModSeq != true;

    /// <summary>
    /// The start of a command that may use MODSEQs (FETCH MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE, a SEARCH/SORT/THREAD
    /// MODSEQ key): one that does is a CONDSTORE enabling command (RFC 7162 §3.1), and is BAD in a [NOMODSEQ] mailbox
    /// (§3.1.2.2). Null when the command may go on.
    /// </summary>
    private ImapResponse? StartModSeqCommand(string tag, bool usesModSeq)
    {
        if (!usesModSeq) return null;
        if (_selected?.NoModSeq == true) return Bad(tag, "This mailbox keeps no mod-sequences (NOMODSEQ)");
        EnableCondStore();
        return null;
    }

    /// <summary>A VANISHED went out during the command: its tagged OK tells the HIGHESTMODSEQ.</summary>
    private bool _vanishedSent;

    /// <summary>
    /// After a VANISHED (not EARLIER), "[HIGHESTMODSEQ n] " for the tagged OK, as Dovecot sends: an expunge has no
    /// FETCH MODSEQ, so this is how the client learns the mod-sequence it may resync from (RFC 7162 §3.2.10).
    /// </summary>
    private string AfterVanishedCode(string text)
    {
        if (!_vanishedSent) return "";
        _vanishedSent = false;
        return text.StartsWith("[", StringComparison.Ordinal) ? "" : HighestModSeqCode();
    }

    /// <summary>A FETCH the client did not ask for (a flag change): UID once QRESYNC is on, MODSEQ once CONDSTORE is.</summary>
    private string UnsolicitedFetch(uint seq, StoredMessage m, bool recent, bool withUid = false)
    {
        var sb = new StringBuilder("* ").Append(seq.ToString(CultureInfo.InvariantCulture)).Append(" FETCH (");
        // QRESYNC (RFC 7162 §3.2.4) and IMAP4rev2 (RFC 9051 §7.5.2) both want the UID in unsolicited FETCH.
        if (withUid || _qresync || _imap4rev2) sb.Append("UID ").Append(m.Uid.ToString(CultureInfo.InvariantCulture)).Append(' ');
        sb.Append("FLAGS ").Append(ImapFlags.Format(m.Flags, m.Keywords, recent));
        if (ModSeqsShown) sb.Append(" MODSEQ (").Append(m.ModSeq.ToString(CultureInfo.InvariantCulture)).Append(')');
        return sb.Append(')').ToString();
    }

    /// <summary>The parenthesised SELECT/EXAMINE parameters: (CONDSTORE) and (QRESYNC (uidvalidity modseq [known-uids [seq-match]])).</summary>
    private sealed class SelectParameters
    {
        public bool CondStore;
        public bool QResync;
        public uint UidValidity;
        public ulong ModSeq;
        public SequenceSet? KnownUids;

        public static SelectParameters Parse(IReadOnlyList<ImapToken> items)
        {
            var p = new SelectParameters();
            for (int i = 0; i < items.Count; i++)
            {
                var name = items[i].Kind == ImapTokenKind.Atom ? items[i].Text.ToUpperInvariant() : "";
                if (name == "CONDSTORE") p.CondStore = true;
                else if (name == "QRESYNC" && i + 1 < items.Count && items[i + 1].Kind == ImapTokenKind.List)
                {
                    var q = items[++i].Items;
                    if (q.Count < 2 || q.Count > 4) throw new ImapParseException("QRESYNC needs (uidvalidity modseq [known-uids [seq-match]])");
                    p.QResync = true;
                    p.UidValidity = (uint)Number(q[0], uint.MaxValue, "UIDVALIDITY");
                    p.ModSeq = Number(q[1], long.MaxValue, "mod-sequence");
                    if (q.Count > 2)
                    {
                        if (q[2].Kind != ImapTokenKind.Atom || !SequenceSet.TryParse(q[2].Text, out p.KnownUids)) throw new ImapParseException("Invalid known-uids");
                        // seq-match-data (RFC 7162 §3.2.5.2) only helps a server that forgot expunges; ours reports every missing UID anyway.
                        if (q.Count > 3 && (q[3].Kind != ImapTokenKind.List || q[3].Items.Count != 2)) throw new ImapParseException("Invalid seq-match-data");
                    }
                }
                else throw new ImapParseException("Unknown SELECT parameter " + items[i]);
            }
            return p;
        }
    }

    /// <summary>A number token up to <paramref name="max"/>, zero included (mod-sequence-valzer).</summary>
    internal static ulong Number(ImapToken token, ulong max, string what)
    {
        if (token.Kind != ImapTokenKind.Atom || token.Text.Length == 0 || token.Text.Length > 20) throw new ImapParseException("Invalid " + what + ": " + token);
        foreach (char c in token.Text) if (c < '0' || c > '9') throw new ImapParseException("Invalid " + what + ": " + token.Text);
        if (!ulong.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v > max) throw new ImapParseException("Invalid " + what + ": " + token.Text);
        return v;
    }

    /// <summary>
    /// SELECT (QRESYNC ...) with the right UIDVALIDITY (RFC 7162 §3.2.5): VANISHED (EARLIER) for the known UIDs gone,
    /// then a FETCH for each message changed since the client's mod-sequence.
    /// </summary>
    private void Resynchronize(Selection sel, SelectParameters p, IReadOnlyList<StoredMessage> list, FolderStatus status)
    {
        if (p.UidValidity != status.UidValidity) return;   // the client must start over: nothing to resync
        uint uidNext = Math.Max(status.UidNext, sel.MaxUid + 1);
        var missing = ImapVanished.Missing(p.KnownUids, sel.Uids, uidNext);
        if (missing.Count > 0) WriteLine("* VANISHED (EARLIER) " + ImapVanished.Format(missing));
        uint top = uidNext - 1;
        for (int i = 0; i < list.Count; i++)
        {
            var m = list[i];
            if (m.ModSeq <= p.ModSeq) continue;
            if (p.KnownUids != null && !p.KnownUids.Contains(m.Uid, top)) continue;
            WriteLine(UnsolicitedFetch((uint)(i + 1), m, IsRecentForClient(sel, m.Uid), withUid: true));
        }
    }

    /// <summary>The FETCH modifiers (RFC 7162 §3.1.4, §3.2.6): (CHANGEDSINCE n [VANISHED]).</summary>
    private sealed class FetchModifiers
    {
        public ulong? ChangedSince;
        public bool Vanished;

        public static FetchModifiers Parse(IReadOnlyList<ImapToken> items)
        {
            var m = new FetchModifiers();
            for (int i = 0; i < items.Count; i++)
            {
                var name = items[i].Kind == ImapTokenKind.Atom ? items[i].Text.ToUpperInvariant() : "";
                if (name == "CHANGEDSINCE" && i + 1 < items.Count) m.ChangedSince = Number(items[++i], long.MaxValue, "mod-sequence");
                else if (name == "VANISHED") m.Vanished = true;
                else throw new ImapParseException("Unknown FETCH modifier " + items[i]);
            }
            if (m.Vanished && m.ChangedSince == null) throw new ImapParseException("VANISHED needs CHANGEDSINCE");
            return m;
        }
    }

    /// <summary>The STORE modifier (RFC 7162 §3.1.3): (UNCHANGEDSINCE n).</summary>
    private static ulong ParseUnchangedSince(IReadOnlyList<ImapToken> items)
    {
        if (items.Count != 2 || items[0].Kind != ImapTokenKind.Atom || !items[0].Text.Equals("UNCHANGEDSINCE", StringComparison.OrdinalIgnoreCase))
            throw new ImapParseException("Unknown STORE modifier");
        return Number(items[1], long.MaxValue, "mod-sequence");
    }
}
