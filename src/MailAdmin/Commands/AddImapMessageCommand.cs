using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using MailAdmin.Client;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>
/// Add-ImapMessage: uploads messages (APPEND) into a folder: piped messages from anywhere
/// (New-MailMessage, Import-MailMessage, another server's Get-ImapMessage) or .eml and mbox
/// files. Messages go up in batches (one MULTIAPPEND where the server has it); -PassThru
/// returns them with the UIDs the server gave them (APPENDUID).
/// </summary>
[Cmdlet(VerbsCommon.Add, "ImapMessage", DefaultParameterSetName = MessageSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MailMessage))]
public sealed class AddImapMessageCommand : MailClientCmdlet<ImapClientSession>
{
    private const string MessageSet = "Message";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const int BatchCount = 50;
    private const long BatchBytes = 8 * 1024 * 1024;

    private readonly List<MailMessage> _pending = new List<MailMessage>();
    private long _pendingBytes;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = MessageSet)]
    [ValidateNotNull]
    public MailMessage[] Message { get; set; } = new MailMessage[0];

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = new string[0];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = new string[0];

    /// <summary>The folder to add the messages to.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImapFolderCompleter))]
    public string Folder { get; set; } = "INBOX";

    /// <summary>System flags the messages get, e.g. Seen or 'Seen, Flagged'.</summary>
    [Parameter]
    public ImapMessageFlags Flags { get; set; } = ImapMessageFlags.None;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Keyword { get; set; }

    /// <summary>The server records the message's own date (its Date field, or the IMAP INTERNALDATE it had) instead of now.</summary>
    [Parameter]
    public SwitchParameter KeepDate { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override MailClientProtocol Protocol => MailClientProtocol.Imap;

    protected override void ProcessRecord()
    {
        foreach (var message in InputMessages())
        {
            ThrowIfStopping();
            try
            {
                // Fetch a header-only message's body now, on the pipeline thread: inside the
                // session's turn it could need the very session we hold.
                message.LoadBody();
            }
            catch (MailClientException ex)
            {
                WriteClientError(ex, message);
                continue;
            }
            _pending.Add(message);
            _pendingBytes += message.Size;
            if (_pending.Count >= BatchCount || _pendingBytes >= BatchBytes) Flush();
        }
    }

    protected override void EndProcessing()
    {
        Flush();
        base.EndProcessing();
    }

    private IEnumerable<MailMessage> InputMessages()
    {
        if (ParameterSetName == MessageSet) return Message;
        bool literal = ParameterSetName == LiteralPathSet;
        return ResolveInputPaths(literal ? LiteralPath : Path, literal).SelectMany(file => MessageFileReading.Read(this, file));
    }

    private void Flush()
    {
        if (_pending.Count == 0) return;
        var batch = _pending.ToArray();
        _pending.Clear();
        _pendingBytes = 0;

        var session = GetSession();
        string what = batch.Length == 1 ? $"'{batch[0].Subject}'" : $"{batch.Length} messages";
        if (!ShouldProcess($"folder '{Folder}' on {session}", $"Add {what}")) return;

        // The server records the message's own date with -KeepDate (its Date field, or the IMAP INTERNALDATE it had).
        IList<DateTimeOffset?> dates = batch.Select(m => KeepDate ? (m.Origin as ImapOrigin)?.InternalDate ?? m.Date : null).ToList();
        IList<(uint Uid, uint UidValidity)> uids;
        string folderName;
        try
        {
            (uids, folderName) = Use(async (s, token) =>
            {
                var folder = await s.GetFolderHandleAsync(Folder, token).ConfigureAwait(false);
                var added = await folder.AppendAsync(batch, dates, Flags.ToEngine(), Keyword, token).ConfigureAwait(false);
                return (added, folder.FullName);
            });
        }
        catch (MailClientException ex)
        {
            WriteClientError(ex, $"folder '{Folder}' on {session}");
            return;
        }

        if (!PassThru) return;
        if (uids.Count != batch.Length)
        {
            WriteWarning($"{session.Server} did not say the new UIDs (no APPENDUID), so -PassThru has nothing to return; find the messages with Get-ImapMessage -Folder '{Folder}'.");
            return;
        }
        for (int i = 0; i < batch.Length; i++)
        {
            var origin = new ImapOrigin(session, folderName, uids[i].Uid, uids[i].UidValidity, ImapFolderHandle.FlagNames(Flags.ToEngine()), Keyword ?? new string[0], dates[i]);
            WriteObject(GetImapMessageCommand.Wrap(MailMessage.FromBytes(batch[i].GetBytes(), origin)));
        }
    }

}
