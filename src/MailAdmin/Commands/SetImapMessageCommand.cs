using System;
using System.Collections.Generic;
using System.Management.Automation;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>
/// Set-ImapMessage: sets or clears the \Seen, \Flagged and \Answered flags and adds or
/// removes keywords (UID STORE +FLAGS/-FLAGS). A flag parameter takes $true or $false and
/// leaves the flag alone when not given.
/// </summary>
[Cmdlet(VerbsCommon.Set, "ImapMessage", DefaultParameterSetName = MessageSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MailMessage))]
public sealed class SetImapMessageCommand : ImapMessageCmdlet
{
    [Parameter]
    public bool? Seen { get; set; }

    [Parameter]
    public bool? Flagged { get; set; }

    [Parameter]
    public bool? Answered { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? AddKeyword { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RemoveKeyword { get; set; }

    /// <summary>Returns the messages with their flags as the server now has them.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    // Our enum, not MailKit's: a field of a MailKit value type would load MailKit with this
    // class, before the module's resolver runs.
    private ImapMessageFlags _add, _remove;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        Pick(Seen, ImapMessageFlags.Seen);
        Pick(Flagged, ImapMessageFlags.Flagged);
        Pick(Answered, ImapMessageFlags.Answered);
        if (_add == ImapMessageFlags.None && _remove == ImapMessageFlags.None && AddKeyword == null && RemoveKeyword == null && !PassThru)
            ThrowTerminating(new ArgumentException("Say what to change: -Seen, -Flagged, -Answered ($true or $false), -AddKeyword or -RemoveKeyword."),
                "ImapNothingToChange", ErrorCategory.InvalidArgument, null);
    }

    private void Pick(bool? wanted, ImapMessageFlags flag)
    {
        if (wanted == true) _add |= flag;
        else if (wanted == false) _remove |= flag;
    }

    private string Change()
    {
        var parts = new List<string>();
        if (_add != ImapMessageFlags.None) parts.Add($"set {_add}");
        if (_remove != ImapMessageFlags.None) parts.Add($"clear {_remove}");
        if (AddKeyword != null) parts.Add($"add keyword(s) {string.Join(", ", AddKeyword)}");
        if (RemoveKeyword != null) parts.Add($"remove keyword(s) {string.Join(", ", RemoveKeyword)}");
        return parts.Count == 0 ? "Read flags" : string.Join("; ", parts);
    }

    protected override void ProcessBatch(ImapBatch batch)
    {
        if (!ShouldProcess(batch.Describe(), Change())) return;
        if (!UseBatch(batch, async (session, token) =>
        {
            var (folder, found) = await OpenBatchAsync(batch, true, token).ConfigureAwait(false);
            // A server drops keywords it cannot keep without a word (RFC 3501: only
            // PERMANENTFLAGS stick); \* there means any keyword may be created.
            string? warning = (AddKeyword != null || RemoveKeyword != null) && !folder.KeepsKeywords
                ? $"{session.Server} does not keep keywords in '{batch.Folder}' (no \\* in its PERMANENTFLAGS): -AddKeyword and -RemoveKeyword have no lasting effect there."
                : null;
            if (found.Count > 0)
            {
                if (_add != ImapMessageFlags.None || AddKeyword != null)
                    await folder.StoreAsync(found, true, _add.ToEngine(), AddKeyword, token).ConfigureAwait(false);
                if (_remove != ImapMessageFlags.None || RemoveKeyword != null)
                    await folder.StoreAsync(found, false, _remove.ToEngine(), RemoveKeyword, token).ConfigureAwait(false);
            }
            var changed = PassThru ? await folder.FetchHeadersAsync(found, token).ConfigureAwait(false) : new List<MailMessage>();
            return (found, changed, warning);
        }, out var result)) return;

        ReportMissing(batch, result.found);
        if (result.warning != null) WriteWarning(result.warning);
        foreach (var message in result.changed) WriteObject(GetImapMessageCommand.Wrap(message));
    }
}
