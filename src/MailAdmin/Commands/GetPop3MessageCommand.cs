using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using MailAdmin.Client;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>
/// Get-Pop3Message: reads the messages of a POP3 maildrop, oldest first, whole (RETR) or
/// header only (TOP n 0, the body fetched on first need).
/// </summary>
[Cmdlet(VerbsCommon.Get, "Pop3Message", DefaultParameterSetName = AllSet)]
[OutputType(typeof(MailMessage))]
public sealed class GetPop3MessageCommand : MailClientCmdlet<Pop3ClientSession>
{
    private const string AllSet = "All";
    private const string FirstSet = "First";
    private const string LastSet = "Last";
    private const string UidSet = "Uid";

    /// <summary>The type name the POP3 table view (with the UIDL column) is selected by.</summary>
    internal const string Pop3TypeName = "MailAdmin.Messages.MailMessage#Pop3";

    // At most this many messages, or about this many bytes, are fetched per turn on the
    // session; then the turn ends and they go down the pipeline (the session rule).
    private const int BatchCount = 25;
    private const long BatchBytes = 8 * 1024 * 1024;

    /// <summary>The N oldest messages (POP3 numbers messages oldest first).</summary>
    [Parameter(Mandatory = true, ParameterSetName = FirstSet)]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; }

    /// <summary>The N newest messages.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LastSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    /// <summary>Only the messages with these UIDLs.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = UidSet)]
    [ValidateNotNullOrEmpty]
    public string[] Uid { get; set; } = new string[0];

    /// <summary>Fetch the header only (TOP n 0); the body comes on first need.</summary>
    [Parameter]
    public SwitchParameter HeadersOnly { get; set; }

    protected override MailClientProtocol Protocol => MailClientProtocol.Pop3;

    protected override void ProcessRecord()
    {
        var maildrop = Pop3Maildrop.Of(GetSession());
        try
        {
            Use((session, token) => maildrop.LoadAsync(token));
        }
        catch (MailClientException ex)
        {
            ThrowClientError(ex, maildrop.Session);
        }

        var wanted = Select(maildrop);
        var progress = new ProgressRecord(1, $"Reading POP3 messages from {maildrop.Session.Server}", "Starting");
        bool showProgress = wanted.Count > BatchCount;
        int done = 0;
        while (done < wanted.Count)
        {
            ThrowIfStopping();
            var batch = NextBatch(maildrop, wanted, done);
            if (showProgress)
            {
                progress.StatusDescription = $"{done} of {wanted.Count}";
                progress.PercentComplete = done * 100 / wanted.Count;
                WriteProgress(progress);
            }
            // Fetch inside the turn, write outside it: the next command may use the session.
            var results = new List<(int Index, MailMessage? Message, MailClientException? Error)>();
            try
            {
                Use(async (session, token) =>
                {
                    foreach (var index in batch)
                    {
                        try { results.Add((index, await Pop3MessageReader.ReadAsync(maildrop, index, HeadersOnly, token).ConfigureAwait(false), null)); }
                        catch (MailClientException ex) when (ex.Failure == MailClientFailure.CommandFailed || ex.Failure == MailClientFailure.MessageNotFound)
                        {
                            results.Add((index, null, ex));
                        }
                    }
                });
            }
            catch (MailClientException ex)
            {
                // The connection is gone (or timed out): nothing more can be read.
                ThrowClientError(ex, maildrop.Session);
            }
            foreach (var result in results)
            {
                if (result.Message != null) WriteMessage(result.Message);
                else WriteClientError(result.Error!, maildrop.UidOf(result.Index) ?? (object)(result.Index + 1));
            }
            done += batch.Count;
        }
        if (showProgress)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }

    /// <summary>The message numbers the parameters ask for, oldest first; a missing UIDL is a non-terminating error.</summary>
    private List<int> Select(Pop3Maildrop maildrop)
    {
        var remaining = maildrop.Remaining().ToList();
        switch (ParameterSetName)
        {
            case FirstSet: return remaining.Take(First).ToList();
            case LastSet: return remaining.Skip(System.Math.Max(0, remaining.Count - Last)).ToList();
            case UidSet:
                var found = new SortedSet<int>();
                foreach (var uid in Uid)
                {
                    var index = maildrop.IndexOf(uid);
                    if (index != null) found.Add(index.Value);
                    else WriteClientError(maildrop.NotFound($"with UIDL {uid}"), uid);
                }
                return found.ToList();
            default: return remaining;
        }
    }

    private List<int> NextBatch(Pop3Maildrop maildrop, List<int> wanted, int start)
    {
        var batch = new List<int>();
        long bytes = 0;
        for (int i = start; i < wanted.Count && batch.Count < BatchCount; i++)
        {
            // Headers are small whatever the message's size.
            var size = HeadersOnly ? 0 : maildrop.SizeOf(wanted[i]);
            if (batch.Count > 0 && bytes + size > BatchBytes) break;
            batch.Add(wanted[i]);
            bytes += size;
        }
        return batch;
    }

    private void WriteMessage(MailMessage message)
    {
        var wrapped = PSObject.AsPSObject(message);
        wrapped.TypeNames.Insert(0, Pop3TypeName);
        WriteObject(wrapped);
    }
}
