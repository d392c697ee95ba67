using System.IO;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Messages;
using MailKit.Net.Pop3;

namespace MailAdmin.Client;

/// <summary>
/// Reads messages from a POP3 maildrop as the module's <see cref="MailMessage"/>: whole
/// (RETR), or header only (TOP n 0) with the body fetched by RETR on first need.
/// </summary>
public static class Pop3MessageReader
{
    /// <summary>
    /// Reads one message. Call inside <see cref="MailClientSession.UseAsync{T}"/>. A message
    /// the server refuses (-ERR) comes out as <see cref="MailClientFailure.MessageNotFound"/>
    /// when this session deleted it, otherwise as <see cref="MailClientFailure.CommandFailed"/>.
    /// </summary>
    public static async Task<MailMessage> ReadAsync(Pop3Maildrop maildrop, int index, bool headersOnly, CancellationToken cancellationToken)
    {
        var session = maildrop.Session;
        var uid = maildrop.UidOf(index);
        var bytes = await FetchAsync(maildrop, index, headersOnly, cancellationToken).ConfigureAwait(false);
        var origin = new Pop3Origin(session, index, uid);
        if (!headersOnly)
            return MailMessage.FromBytes(bytes, origin);
        // The loader runs later, on whatever thread reads the body, and takes its turn on the session.
        return MailMessage.FromHeader(bytes, maildrop.SizeOf(index), origin,
            () => session.UseOrReconnectAsync((used, token) => ReferenceEquals(used, session)
                ? FetchAsync(maildrop, index, false, token)
                : FetchAgainAsync((Pop3ClientSession)used, uid, token), null, CancellationToken.None).GetAwaiter().GetResult());
    }

    /// <summary>The message again on a new connection (its number may differ there): found by its UIDL.</summary>
    private static async Task<byte[]> FetchAgainAsync(Pop3ClientSession session, string? uid, CancellationToken cancellationToken)
    {
        var maildrop = Pop3Maildrop.Of(session);
        await maildrop.LoadAsync(cancellationToken).ConfigureAwait(false);
        var index = uid == null ? null : maildrop.IndexOf(uid);
        if (index == null)
            throw new MailClientException(MailClientProtocol.Pop3, MailClientFailure.MessageNotFound, uid == null
                ? $"{session.Server} has no UIDL, so the message cannot be found again on a new connection; read it without -HeadersOnly, or connect first with Connect-Pop3Server."
                : $"The message with UIDL {uid} is no longer on {session.Server}.");
        return await FetchAsync(maildrop, index.Value, false, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<byte[]> FetchAsync(Pop3Maildrop maildrop, int index, bool headersOnly, CancellationToken cancellationToken)
    {
        if (maildrop.IsDeleted(index))
            throw maildrop.NotFound(Describe(maildrop, index));
        try
        {
            using var stream = await maildrop.Session.Client.GetStreamAsync(index, headersOnly, cancellationToken).ConfigureAwait(false);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, 81920, cancellationToken).ConfigureAwait(false);
            return copy.ToArray();
        }
        catch (Pop3CommandException ex)
        {
            throw new MailClientException(MailClientProtocol.Pop3, MailClientFailure.CommandFailed,
                $"{maildrop.Session.Server} refused message {Describe(maildrop, index)}: -ERR {ex.StatusText}", ex, serverReply: ex.StatusText);
        }
    }

    /// <summary>"UIDL abc (number 3)", for messages.</summary>
    public static string Describe(Pop3Maildrop maildrop, int index)
    {
        var uid = maildrop.UidOf(index);
        return uid != null ? $"with UIDL {uid} (number {index + 1})" : $"number {index + 1}";
    }
}
