using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailKit;
using MailKit.Net.Imap;

namespace MailAdmin.Client;

/// <summary>
/// Lists an IMAP account's folders (LIST, with STATUS counts when asked) and creates,
/// renames and deletes them. Call inside <see cref="MailClientSession.UseAsync{T}"/>.
/// </summary>
public static class ImapFolderListing
{
    /// <summary>
    /// Every folder of the personal namespaces, parents before children, INBOX first;
    /// with <paramref name="withStatus"/> the counts of each selectable folder.
    /// </summary>
    /// <remarks>
    /// A folder whose STATUS fails (deleted by another client between LIST and STATUS) is
    /// left out and reported in <paramref name="failures"/>, so one folder never hides the rest.
    /// </remarks>
    public static async Task<List<ImapFolderInfo>> ListAsync(ImapClientSession session, bool withStatus, bool subscribedOnly, CancellationToken cancellationToken, List<MailClientException>? failures = null)
    {
        var client = session.Client;
        var folders = new List<IMailFolder>();
        foreach (var ns in client.PersonalNamespaces)
            folders.AddRange(await client.GetFoldersAsync(ns, subscribedOnly, cancellationToken).ConfigureAwait(false));
        if (!folders.Any(f => f.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase)) && !subscribedOnly)
            folders.Insert(0, client.Inbox);

        var subscribed = new HashSet<string>(StringComparer.Ordinal);
        if (subscribedOnly)
            subscribed.UnionWith(folders.Select(f => f.FullName));
        else
        {
            foreach (var ns in client.PersonalNamespaces)
                subscribed.UnionWith((await client.GetFoldersAsync(ns, true, cancellationToken).ConfigureAwait(false)).Select(f => f.FullName));
        }

        var infos = new List<ImapFolderInfo>();
        foreach (var folder in folders.GroupBy(f => f.FullName).Select(g => g.First()).OrderBy(f => SortKey(f)))
        {
            var info = Describe(session, folder, subscribed.Contains(folder.FullName) || (folder.Attributes & FolderAttributes.Subscribed) != 0);
            if (withStatus && info.CanHoldMessages)
            {
                try
                {
                    await AddStatusAsync(client, folder, info, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is FolderNotFoundException || ex is ImapCommandException)
                {
                    var reply = ex is ImapCommandException command ? command.ResponseText : null;
                    failures?.Add(new MailClientException(MailClientProtocol.Imap, MailClientFailure.FolderNotFound,
                        $"The folder '{folder.FullName}' on {session.Server} was listed but its status could not be read (deleted meanwhile?){(reply != null ? ": " + reply : ".")}", ex, serverReply: reply));
                    continue;
                }
            }
            infos.Add(info);
        }
        return infos;
    }

    /// <summary>INBOX first, then the tree in path order (so a parent precedes its children).</summary>
    private static string SortKey(IMailFolder folder)
    {
        if (folder.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase)) return "\0";
        return folder.DirectorySeparator == '\0' ? folder.FullName : folder.FullName.Replace(folder.DirectorySeparator, '\u0001');
    }

    internal static ImapFolderInfo Describe(ImapClientSession session, IMailFolder folder, bool subscribed)
    {
        var separator = folder.DirectorySeparator;
        var depth = separator == '\0' ? 0 : folder.FullName.Count(c => c == separator);
        string? parent = null;
        if (separator != '\0')
        {
            var cut = folder.FullName.LastIndexOf(separator);
            if (cut > 0) parent = folder.FullName.Substring(0, cut);
        }
        return new ImapFolderInfo(session, folder.FullName, folder.Name, parent, separator, depth, folder.Attributes, subscribed);
    }

    private static async Task AddStatusAsync(ImapClient client, IMailFolder folder, ImapFolderInfo info, CancellationToken cancellationToken)
    {
        var items = StatusItems.Count | StatusItems.Unread | StatusItems.Recent | StatusItems.UidNext | StatusItems.UidValidity;
        bool size = (client.Capabilities & ImapCapabilities.StatusSize) != 0;
        if (size) items |= StatusItems.Size;
        await folder.StatusAsync(items, cancellationToken).ConfigureAwait(false);
        info.Messages = folder.Count;
        info.Unread = folder.Unread;
        info.Recent = folder.Recent;
        info.UidNext = folder.UidNext?.Id;
        info.UidValidity = folder.UidValidity;
        if (size) info.Size = folder.Size;
    }

    /// <summary>
    /// Creates <paramref name="fullName"/> (its parents must exist) and subscribes to it, as
    /// mail clients do, so that clients showing subscribed folders only see it; returns the
    /// new folder. "Archive/2026" on a server whose separator is "." becomes "Archive.2026":
    /// compare the result's FullName with what was asked.
    /// </summary>
    public static async Task<ImapFolderInfo> CreateAsync(ImapClientSession session, string fullName, CancellationToken cancellationToken)
    {
        fullName = WithServerSeparator(session, fullName);
        var (parent, name) = await SplitAsync(session, fullName, cancellationToken).ConfigureAwait(false);
        var created = await parent.CreateAsync(name, true, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{session.Server} created no folder {fullName}.");
        bool subscribed = true;
        try { await created.SubscribeAsync(cancellationToken).ConfigureAwait(false); }
        catch (ImapCommandException) { subscribed = false; /* the folder exists; an unsubscribed folder is still usable */ }
        return Describe(session, created, subscribed);
    }

    /// <summary>The path with "/" (and "\") written as the server's own separator, when that is another character.</summary>
    public static string WithServerSeparator(ImapClientSession session, string path)
    {
        var client = session.Client;
        var separator = client.PersonalNamespaces.Count > 0 ? client.PersonalNamespaces[0].DirectorySeparator : client.Inbox.DirectorySeparator;
        if (separator == '\0' || separator == '/') return path;
        return path.Replace('/', separator).Replace('\\', separator);
    }

    /// <summary>Renames (or moves within the tree) <paramref name="fullName"/> to <paramref name="newFullName"/>.</summary>
    public static async Task<ImapFolderInfo> RenameAsync(ImapClientSession session, string fullName, string newFullName, CancellationToken cancellationToken)
    {
        var folder = await session.GetFolderAsync(fullName, cancellationToken).ConfigureAwait(false);
        var (parent, name) = await SplitAsync(session, newFullName, cancellationToken).ConfigureAwait(false);
        await folder.RenameAsync(parent, name, cancellationToken).ConfigureAwait(false);
        return Describe(session, folder, false);
    }

    /// <summary>The full names of the folders below <paramref name="fullName"/>, deepest first (the order to delete them in).</summary>
    public static async Task<List<string>> ListDescendantsAsync(ImapClientSession session, string fullName, CancellationToken cancellationToken)
    {
        var folder = await session.GetFolderAsync(fullName, cancellationToken).ConfigureAwait(false);
        var below = new List<IMailFolder>();
        await CollectAsync(folder, below, cancellationToken).ConfigureAwait(false);
        return below.OrderByDescending(f => f.FullName.Length).Select(f => f.FullName).ToList();
    }

    private static async Task CollectAsync(IMailFolder folder, List<IMailFolder> into, CancellationToken cancellationToken)
    {
        foreach (var child in await folder.GetSubfoldersAsync(false, cancellationToken).ConfigureAwait(false))
        {
            into.Add(child);
            await CollectAsync(child, into, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Unsubscribes and deletes <paramref name="fullName"/>. The session leaves the folder first
    /// when it has it selected: servers drop a session whose selected mailbox is deleted.
    /// </summary>
    public static async Task DeleteAsync(ImapClientSession session, string fullName, CancellationToken cancellationToken)
    {
        var folder = await session.GetFolderAsync(fullName, cancellationToken).ConfigureAwait(false);
        if (folder.IsOpen)
            await folder.CloseAsync(false, cancellationToken).ConfigureAwait(false);
        // New-ImapFolder subscribes; a deleted folder should not linger in the subscription list (RFC 3501 6.3.4 leaves it there).
        try { await folder.UnsubscribeAsync(cancellationToken).ConfigureAwait(false); }
        catch (ImapCommandException) { /* not subscribed, or the server refuses: the delete still matters */ }
        await folder.DeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The existing parent folder and the new last name of a path.</summary>
    private static async Task<(IMailFolder Parent, string Name)> SplitAsync(ImapClientSession session, string fullName, CancellationToken cancellationToken)
    {
        var client = session.Client;
        var ns = client.PersonalNamespaces.Count > 0 ? client.PersonalNamespaces[0] : null;
        var separator = ns?.DirectorySeparator ?? '/';
        var cut = separator == '\0' ? -1 : fullName.LastIndexOf(separator);
        if (cut <= 0)
        {
            var root = ns != null ? client.GetFolder(ns) : client.Inbox;
            return (root, fullName);
        }
        var parent = await session.GetFolderAsync(fullName.Substring(0, cut), cancellationToken).ConfigureAwait(false);
        return (parent, fullName.Substring(cut + 1));
    }
}
