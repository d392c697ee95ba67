using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using MailAdmin.Client;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>
/// Get-ImapMessage: the messages of a folder that match a server-side SEARCH, streamed in
/// batches. Header-only by default (the body is fetched when something needs it);
/// -IncludeBody fetches whole messages.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ImapMessage")]
[OutputType(typeof(MailMessage))]
public sealed class GetImapMessageCommand : MailClientCmdlet<ImapClientSession>
{
    /// <summary>Type name the IMAP table view (Format.ps1xml) and properties (Types.ps1xml) attach to.</summary>
    public const string ImapMessageTypeName = "MailAdmin.Messages.MailMessage#Imap";

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImapFolderCompleter))]
    public string Folder { get; set; } = "INBOX";

    /// <summary>The From header contains this text (server-side, case-insensitive).</summary>
    [Parameter][ValidateNotNullOrEmpty] public string? From { get; set; }
    [Parameter][ValidateNotNullOrEmpty] public string? To { get; set; }
    [Parameter][ValidateNotNullOrEmpty] public string? Subject { get; set; }
    [Parameter][ValidateNotNullOrEmpty] public string? Body { get; set; }

    /// <summary>Received on or after this day (the server compares dates, not times).</summary>
    [Parameter] public DateTime? Since { get; set; }

    /// <summary>Received before this day.</summary>
    [Parameter] public DateTime? Before { get; set; }

    [Parameter] public SwitchParameter Unread { get; set; }
    [Parameter] public SwitchParameter Flagged { get; set; }

    /// <summary>Larger than this many bytes.</summary>
    [Parameter] public uint? Larger { get; set; }

    /// <summary>Smaller than this many bytes.</summary>
    [Parameter] public uint? Smaller { get; set; }

    [Parameter][ValidateNotNullOrEmpty] public uint[]? Uid { get; set; }

    /// <summary>Raw IMAP search keys, sent as they are: 'OR FROM ann SUBJECT report'.</summary>
    [Parameter][ValidateNotNullOrEmpty] public string? Query { get; set; }

    /// <summary>Only the N oldest matches (lowest UIDs).</summary>
    [Parameter][ValidateRange(1, int.MaxValue)] public int? First { get; set; }

    /// <summary>Only the N newest matches (highest UIDs).</summary>
    [Parameter][ValidateRange(1, int.MaxValue)] public int? Last { get; set; }

    /// <summary>Fetches whole messages at once instead of headers with a lazy body.</summary>
    [Parameter] public SwitchParameter IncludeBody { get; set; }

    /// <summary>Messages per FETCH; each batch is written before the next is fetched.</summary>
    [Parameter][ValidateRange(1, 5000)] public int BatchSize { get; set; } = 250;

    protected override MailClientProtocol Protocol => MailClientProtocol.Imap;

    protected override void ProcessRecord()
    {
        if (First != null && Last != null)
            ThrowTerminating(new ArgumentException("Give -First or -Last, not both."), "ConflictingParameters", ErrorCategory.InvalidArgument, null);
        var criteria = Criteria();
        var session = GetSession();

        List<uint> uids;
        uint uidValidity;
        try
        {
            (uids, uidValidity) = Use((s, token) => ImapMessageReader.SearchAsync(s, Folder, criteria, token));
        }
        catch (MailClientException ex) when (ex.Failure == MailClientFailure.FolderNotFound)
        {
            WriteClientError(ex, Folder);
            return;
        }
        catch (MailClientException ex)
        {
            ThrowClientError(ex, Folder);
            return;
        }
        WriteVerbose($"{uids.Count} message(s) in '{Folder}' match: {Describe(criteria)}");
        if (First != null) uids = uids.Take(First.Value).ToList();
        if (Last != null) uids = uids.Skip(Math.Max(0, uids.Count - Last.Value)).ToList();

        var progress = new ProgressRecord(1, $"Get-ImapMessage {Folder}", "Fetching");
        bool showProgress = uids.Count > BatchSize;
        for (int start = 0; start < uids.Count; start += BatchSize)
        {
            ThrowIfStopping();
            var batch = uids.GetRange(start, Math.Min(BatchSize, uids.Count - start));
            if (showProgress)
            {
                progress.StatusDescription = $"{start} of {uids.Count} messages";
                progress.PercentComplete = (int)(100L * start / uids.Count);
                WriteProgress(progress);
            }
            List<MailMessage> messages;
            try
            {
                // Fetch inside the session, write outside it: a downstream command may use it.
                messages = Use((s, token) => ImapMessageReader.FetchAsync(s, Folder, batch, uidValidity, IncludeBody, token));
            }
            catch (MailClientException ex)
            {
                ThrowClientError(ex, Folder);
                return;
            }
            foreach (var message in messages)
                WriteObject(Wrap(message));
        }
        if (showProgress)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }

    private ImapSearchCriteria Criteria()
    {
        var criteria = new ImapSearchCriteria
        {
            From = From,
            To = To,
            Subject = Subject,
            Body = Body,
            Since = Since,
            Before = Before,
            Unread = Unread,
            Flagged = Flagged,
            Larger = Larger,
            Smaller = Smaller,
            Uid = Uid,
            Query = Query,
        };
        if (criteria.IsRaw)
        {
            try { criteria.ToImapText(); }
            catch (ArgumentException ex) { ThrowTerminating(ex, "InvalidImapQuery", ErrorCategory.InvalidArgument, Query); }
        }
        return criteria;
    }

    private static string Describe(ImapSearchCriteria criteria)
    {
        try { return criteria.ToImapText(); }
        catch (ArgumentException) { return "(non-ASCII criteria)"; }
    }

    /// <summary>The message under the #Imap type name, for its own table view and properties.</summary>
    internal static PSObject Wrap(MailMessage message)
    {
        var wrapped = new PSObject(message);
        wrapped.TypeNames.Insert(0, ImapMessageTypeName);
        return wrapped;
    }
}
