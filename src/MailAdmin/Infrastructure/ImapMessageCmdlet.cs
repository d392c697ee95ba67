using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Client;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>
/// Base of the IMAP cmdlets that act on messages already on the server (Move-, Copy-,
/// Remove-, Set-ImapMessage). They take the messages two ways:
/// <list type="bullet">
/// <item>-Message: messages read with Get-ImapMessage (their origin names session, folder,
/// UID and UIDVALIDITY); -Session/-Server do not apply, each message knows its session;</item>
/// <item>-Folder and -Uid on the session -Session/-Server/Connect-ImapServer gives.</item>
/// </list>
/// Piped messages are gathered into batches per session and folder, so that a thousand
/// messages cost a few commands. A derived cmdlet handles one batch at a time in
/// <see cref="ProcessBatch"/>: it asks ShouldProcess on the pipeline thread, does the
/// IMAP work inside <see cref="UseBatch{T}"/>, and writes its output after it left, because
/// a downstream command may need the same session.
/// </summary>
public abstract class ImapMessageCmdlet : MailClientCmdlet<ImapClientSession>
{
    protected const string MessageSet = "Message";
    protected const string UidSet = "Uid";

    /// <summary>Enough to make pipelines of thousands quick, small enough for any server's command line.</summary>
    protected const int BatchSize = 500;

    private ImapBatch? _pending;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = MessageSet)]
    [ValidateNotNull]
    public MailMessage[] Message { get; set; } = new MailMessage[0];

    /// <summary>The folder the -Uid messages are in.</summary>
    [Parameter(Mandatory = true, ParameterSetName = UidSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImapFolderCompleter))]
    public string Folder { get; set; } = "INBOX";

    [Parameter(Mandatory = true, ParameterSetName = UidSet)]
    [ValidateNotNullOrEmpty]
    public uint[] Uid { get; set; } = new uint[0];

    protected override MailClientProtocol Protocol => MailClientProtocol.Imap;

    /// <summary>Acts on one batch; failures of it are non-terminating errors.</summary>
    protected abstract void ProcessBatch(ImapBatch batch);

    protected override void ProcessRecord()
    {
        if (ParameterSetName == UidSet)
        {
            var session = GetSession();
            foreach (var chunk in Chunks(Uid.Distinct()))
            {
                ThrowIfStopping();
                var batch = new ImapBatch(session, Folder, null);
                foreach (var uid in chunk) batch.Add(uid);
                ProcessBatch(batch);
            }
            return;
        }

        foreach (var message in Message)
        {
            ThrowIfStopping();
            if (!(message.Origin is ImapOrigin origin))
            {
                WriteError(new ArgumentException($"The message '{message.Subject}' is not on an IMAP server (it came from {message.Source ?? "no server"}); read it with Get-ImapMessage, or put it there with Add-ImapMessage."),
                    "ImapMessageNotOnServer", ErrorCategory.InvalidArgument, message);
                continue;
            }
            if (_pending != null && !_pending.Accepts(origin)) FlushPending();
            _pending ??= new ImapBatch(origin.Session, origin.Folder, origin.UidValidity);
            _pending.Add(origin.Uid, message);
            if (_pending.Count >= BatchSize) FlushPending();
        }
    }

    protected override void EndProcessing()
    {
        FlushPending();
        base.EndProcessing();
    }

    private void FlushPending()
    {
        var batch = _pending;
        _pending = null;
        if (batch != null && batch.Count > 0) ProcessBatch(batch);
    }

    private static IEnumerable<List<uint>> Chunks(IEnumerable<uint> uids)
    {
        var chunk = new List<uint>();
        foreach (var uid in uids)
        {
            chunk.Add(uid);
            if (chunk.Count == BatchSize) { yield return chunk; chunk = new List<uint>(); }
        }
        if (chunk.Count > 0) yield return chunk;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with the batch's session to itself. A failure becomes a
    /// non-terminating error for the batch and the result is false; Ctrl+C ends the pipeline.
    /// </summary>
    protected bool UseBatch<T>(ImapBatch batch, Func<ImapClientSession, CancellationToken, Task<T>> work, out T result)
    {
        T value = default!;
        try
        {
            RunAsync(async token => value = await batch.Session.UseAsync(t => work(batch.Session, t), VerboseListener(), token).ConfigureAwait(false));
            result = value;
            return true;
        }
        catch (MailClientException ex)
        {
            WriteClientError(ex, batch.ToString());
        }
        catch (UidValidityChangedException ex)
        {
            WriteError(ex, "ImapUidValidityChanged", ErrorCategory.InvalidData, batch.ToString());
        }
        result = default!;
        return false;
    }

    /// <summary>
    /// Opens the batch's folder (again: another command may have opened another meanwhile),
    /// checks that its UIDs still mean the same messages, and returns the UIDs that exist.
    /// </summary>
    protected static async Task<(ImapFolderHandle Folder, IList<uint> Found)> OpenBatchAsync(ImapBatch batch, bool readWrite, CancellationToken token)
    {
        var folder = await batch.Session.OpenFolderHandleAsync(batch.Folder, readWrite, token).ConfigureAwait(false);
        if (batch.UidValidity != null && folder.UidValidity != batch.UidValidity)
            throw new UidValidityChangedException($"The UIDs of folder '{batch.Folder}' on {batch.Session.Server} changed (UIDVALIDITY {batch.UidValidity} is now {folder.UidValidity}): the messages were read before the folder was recreated; read them again.");
        // UID commands skip UIDs that do not exist without a word; ask first, so that a
        // wrong -Uid or a message someone else deleted is reported.
        var found = await folder.FindAsync(batch.Uids, token).ConfigureAwait(false);
        return (folder, found);
    }

    /// <summary>An ImapMessageNotFound error for each UID of the batch the server does not have.</summary>
    protected void ReportMissing(ImapBatch batch, IList<uint> found)
    {
        var present = new HashSet<uint>(found);
        foreach (var uid in batch.Uids.Where(u => !present.Contains(u)))
        {
            var error = new MailClientException(MailClientProtocol.Imap, MailClientFailure.MessageNotFound, $"There is no message with UID {uid} in '{batch.Folder}' on {batch.Session.Server}.");
            WriteClientError(error, batch.Target(uid));
        }
    }

    /// <summary>The folder was recreated since the messages were read: their UIDs now mean nothing.</summary>
    /// <remarks>An InvalidOperationException so that the session passes it through unclassified.</remarks>
    protected sealed class UidValidityChangedException : InvalidOperationException
    {
        public UidValidityChangedException(string message) : base(message) { }
    }
}
