using System;
using System.Threading;
using System.Threading.Tasks;
using MailKit;
using MailKit.Net.Imap;

namespace MailAdmin.Client;

/// <summary>A connection to an IMAP server (Connect-ImapServer).</summary>
public sealed class ImapClientSession : MailClientSession
{
    internal ImapClientSession(MailClientOptions options, ImapClient client, ClientProtocolLog log) : base(options, client, log)
    {
        Client = client;
    }

    /// <summary>The MailKit client; use it only inside <see cref="MailClientSession.UseAsync{T}"/>.</summary>
    public ImapClient Client { get; }


    /// <summary>
    /// The folder named <paramref name="path"/> (INBOX when empty), opened with at least the
    /// access asked for. Other commands on the same session may have opened another folder
    /// meanwhile, so every operation asks again; an already open folder is not reopened.
    /// Call it only inside <see cref="MailClientSession.UseAsync{T}"/>.
    /// </summary>
    public async Task<IMailFolder> OpenFolderAsync(string? path, FolderAccess access, CancellationToken cancellationToken)
    {
        var folder = await GetFolderAsync(path, cancellationToken).ConfigureAwait(false);
        if (!folder.IsOpen || (access == FolderAccess.ReadWrite && folder.Access != FolderAccess.ReadWrite))
            await folder.OpenAsync(access, cancellationToken).ConfigureAwait(false);
        return folder;
    }

    /// <summary><see cref="OpenFolderAsync"/> for the cmdlets, behind our own type (see <see cref="ImapFolderHandle"/>).</summary>
    public async Task<ImapFolderHandle> OpenFolderHandleAsync(string? path, bool readWrite, CancellationToken cancellationToken) =>
        new ImapFolderHandle(this, await OpenFolderAsync(path, readWrite ? FolderAccess.ReadWrite : FolderAccess.ReadOnly, cancellationToken).ConfigureAwait(false));

    /// <summary><see cref="GetFolderAsync"/> for the cmdlets, behind our own type (see <see cref="ImapFolderHandle"/>).</summary>
    public async Task<ImapFolderHandle> GetFolderHandleAsync(string? path, CancellationToken cancellationToken) =>
        new ImapFolderHandle(this, await GetFolderAsync(path, cancellationToken).ConfigureAwait(false));

    /// <summary>True when the server has IDLE (RFC 2177).</summary>
    public bool SupportsIdle => Client.Capabilities.HasFlag(ImapCapabilities.Idle);

    /// <summary>NOOP: lets the server report new mail; inside the session's turn.</summary>
    public Task NoOpAsync(CancellationToken cancellationToken) => Client.NoOpAsync(cancellationToken);

    /// <summary>The folder named <paramref name="path"/> (INBOX when empty); FolderNotFound when there is none.</summary>
    public async Task<IMailFolder> GetFolderAsync(string? path, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(path) || string.Equals(path, "INBOX", StringComparison.OrdinalIgnoreCase))
            return Client.Inbox;
        try
        {
            return await Client.GetFolderAsync(path!, cancellationToken).ConfigureAwait(false);
        }
        catch (FolderNotFoundException ex)
        {
            throw new MailClientException(MailClientProtocol.Imap, MailClientFailure.FolderNotFound, $"There is no folder '{path}' on {Server}.", ex);
        }
    }
}
