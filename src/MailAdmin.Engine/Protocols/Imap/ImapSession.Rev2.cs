using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Store;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// What changes once a client sends ENABLE IMAP4rev2 (RFC 9051 Appendix E): no \Recent anywhere,
/// a LIST line instead of UNSEEN in SELECT, [CLOSED] when a SELECT replaces the selected mailbox,
/// UID in unsolicited FETCH, UTF-8 mailbox names and headers, \NonExistent in LIST.
/// </summary>
public sealed partial class ImapSession
{
    /// <summary>Whether ENABLE IMAP4rev2 was given.</summary>
    public bool Imap4Rev2Enabled => _imap4rev2;

    /// <summary>ENABLE IMAP4rev2: true when it was not enabled yet (then it is listed in ENABLED).</summary>
    private bool EnableImap4Rev2()
    {
        if (_imap4rev2) return false;
        _imap4rev2 = true;
        // RFC 9051 §5.1 and Appendix E: mailbox names and message headers are UTF-8 in IMAP4rev2.
        _utf8 = true;
        return true;
    }

    /// <summary>\Recent as the client may see it: IMAP4rev2 has no \Recent flag (RFC 9051 Appendix E, item 5).</summary>
    private bool IsRecentForClient(Selection sel, uint uid) => !_imap4rev2 && sel.Recent.Contains(uid);

    /// <summary>The RECENT response, not sent in IMAP4rev2.</summary>
    private void WriteRecent(int count)
    {
        if (!_imap4rev2) WriteLine("* " + count.ToString(CultureInfo.InvariantCulture) + " RECENT");
    }

    /// <summary>RFC 9051 §7.1 and RFC 7162 §3.2.11 (QRESYNC): "[CLOSED]" when SELECT or EXAMINE replaces a selected mailbox.</summary>
    private void AnnounceClosedIfSelected()
    {
        if ((_imap4rev2 || _qresync) && _selected != null) WriteLine("* OK [CLOSED] Previous mailbox is now closed");
    }

    /// <summary>
    /// RFC 9051 §6.3.2: SELECT and EXAMINE send a LIST response for the mailbox (its canonical
    /// name and attributes); in IMAP4rev1 the UNSEEN code is sent instead.
    /// </summary>
    private async Task WriteSelectedListAsync(string folder, CancellationToken ct)
    {
        var folders = await _store.GetFoldersAsync(_account!, ct).ConfigureAwait(false);
        var attributes = new List<string>();
        bool children = folders.Any(f => f.Name.StartsWith(folder + MailboxNames.Delimiter, StringComparison.Ordinal));
        attributes.Add(children ? "\\HasChildren" : "\\HasNoChildren");
        var special = folders.FirstOrDefault(f => f.Name == folder)?.SpecialUse;
        if (special != null) attributes.Add(special);
        WriteLine("* LIST (" + string.Join(" ", attributes) + ") \"" + MailboxNames.Delimiter + "\" " + WireName(folder));
    }

    /// <summary>STATUS DELETED (RFC 9051 §6.3.11): messages with \Deleted.</summary>
    private int CountDeleted(string folder)
        => _store.ListMessages(_account!, folder).Count(m => (m.Flags & MessageFlags.Deleted) != 0);
}
