using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Client;

/// <summary>
/// The maildrop as one POP3 session sees it: how many messages, their sizes and UIDLs, and
/// which of them this session has marked deleted.
/// </summary>
/// <remarks>
/// RFC 1939 fixes message numbers, sizes and UIDLs for the whole session (new mail shows
/// up in the next session only), so the listing is taken once per session and shared by
/// every command that uses it. The deleted set matters because after DELE the server
/// leaves the message out of LIST and UIDL and refuses RETR, but keeps its number; only
/// QUIT (the UPDATE state) really deletes. Use it inside <see cref="MailClientSession.UseAsync{T}"/>.
/// </remarks>
public sealed class Pop3Maildrop
{
    private static readonly ConditionalWeakTable<Pop3ClientSession, Pop3Maildrop> Views = new ConditionalWeakTable<Pop3ClientSession, Pop3Maildrop>();

    private readonly Pop3ClientSession _session;
    private readonly HashSet<int> _deleted = new HashSet<int>();
    private long[]? _sizes;
    private string?[]? _uids;
    private Dictionary<string, int>? _byUid;

    private Pop3Maildrop(Pop3ClientSession session) => _session = session;

    /// <summary>The one view of <paramref name="session"/>'s maildrop.</summary>
    public static Pop3Maildrop Of(Pop3ClientSession session) => Views.GetValue(session, s => new Pop3Maildrop(s));

    public Pop3ClientSession Session => _session;

    /// <summary>Messages in the maildrop when the session logged in, deleted ones included.</summary>
    public int Count => _sizes?.Length ?? 0;

    /// <summary>False when the server has no UIDL: messages are then known by number only.</summary>
    public bool HasUids => _uids != null && _uids.All(u => u != null);

    /// <summary>Takes the listing (LIST, UIDL) the first time; later calls reuse it.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (_sizes != null) return;
        var client = _session.Client;
        var count = client.Count;
        var sizes = new long[count];
        var uids = new string?[count];
        if (count > 0)
        {
            var listed = await client.GetMessageSizesAsync(cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < count && i < listed.Count; i++) sizes[i] = listed[i];
            if (client.SupportsUids)
            {
                var listedUids = await client.GetMessageUidsAsync(cancellationToken).ConfigureAwait(false);
                for (int i = 0; i < count && i < listedUids.Count; i++) uids[i] = listedUids[i];
            }
        }
        _uids = uids;
        _byUid = new Dictionary<string, int>();
        for (int i = 0; i < count; i++)
        {
            // UIDLs are unique per maildrop (RFC 1939 §7); keep the first should a server repeat one.
            if (uids[i] != null && !_byUid.ContainsKey(uids[i]!)) _byUid[uids[i]!] = i;
        }
        _sizes = sizes;
    }

    /// <summary>The size LIST gave for the message (octets, with CRLF line ends).</summary>
    public long SizeOf(int index) => _sizes![index];

    /// <summary>The message's UIDL, or null when the server has none.</summary>
    public string? UidOf(int index) => _uids![index];

    /// <summary>The zero-based number of the message with this UIDL, or null when it is not (or no more) there.</summary>
    public int? IndexOf(string uid)
    {
        if (_byUid != null && _byUid.TryGetValue(uid, out var index) && !IsDeleted(index)) return index;
        return null;
    }

    /// <summary>True once this session sent DELE for the message.</summary>
    public bool IsDeleted(int index)
    {
        lock (_deleted) return _deleted.Contains(index);
    }

    /// <summary>Message numbers still there in this session, oldest first.</summary>
    public IEnumerable<int> Remaining() => Enumerable.Range(0, Count).Where(i => !IsDeleted(i));

    /// <summary>Marks the message deleted (DELE); the server deletes it when the session ends with QUIT.</summary>
    public async Task DeleteAsync(int index, CancellationToken cancellationToken)
    {
        await _session.Client.DeleteMessageAsync(index, cancellationToken).ConfigureAwait(false);
        lock (_deleted) _deleted.Add(index);
    }

    /// <summary>A failure for a UIDL (or number) that this session does not have.</summary>
    public MailClientException NotFound(string what) =>
        new MailClientException(MailClientProtocol.Pop3, MailClientFailure.MessageNotFound, $"There is no message {what} on {_session.Server} (or it was removed in this session).");
}
