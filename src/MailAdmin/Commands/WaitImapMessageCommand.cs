using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Client;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>
/// Wait-ImapMessage: waits until new mail arrives in a folder and returns it (header-only
/// messages whose body is fetched when needed), or nothing when -WaitTimeout passes. Uses
/// IDLE, or polls (NOOP and UID SEARCH every -PollInterval seconds) on servers without it.
/// "New" means a UID at or above the folder's UIDNEXT when the wait began. -Timeout keeps
/// its meaning of every client cmdlet (seconds per server step); the wait is -WaitTimeout.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "ImapMessage")]
[OutputType(typeof(MailMessage))]
public sealed class WaitImapMessageCommand : MailClientCmdlet<ImapClientSession>
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImapFolderCompleter))]
    public string Folder { get; set; } = "INBOX";

    /// <summary>Seconds to wait for new mail before giving up (an ImapWaitTimeout error); 0, the default, waits until Ctrl+C.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int WaitTimeout { get; set; }

    /// <summary>Seconds between two looks when the server lacks IDLE.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int PollInterval { get; set; } = 5;

    /// <summary>Only mail whose From contains this text counts (server-side SEARCH FROM).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? From { get; set; }

    /// <summary>Only mail whose Subject contains this text counts (server-side SEARCH SUBJECT).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Subject { get; set; }

    protected override MailClientProtocol Protocol => MailClientProtocol.Imap;

    protected override void ProcessRecord()
    {
        var deadline = WaitTimeout == 0 ? (DateTime?)null : DateTime.UtcNow.AddSeconds(WaitTimeout);
        List<MailMessage> arrived;
        try
        {
            arrived = Use((session, token) => WaitAsync(session, deadline, token));
        }
        catch (MailClientException ex)
        {
            ThrowClientError(ex, Folder);
            return;
        }
        // Like Get-MailServerMessage -Wait: a wait that ends empty is a non-terminating error
        // (silence it with -ErrorAction SilentlyContinue), so both waits behave the same way.
        if (arrived.Count == 0 && deadline != null)
        {
            WriteError(new TimeoutException($"No new message arrived in '{Folder}' within {WaitTimeout} s."), "ImapWaitTimeout", ErrorCategory.OperationTimeout, Folder);
            return;
        }
        // Written after the session is free: the caller may read the bodies at once.
        foreach (var message in arrived) WriteObject(GetImapMessageCommand.Wrap(message));
    }

    private async Task<List<MailMessage>> WaitAsync(ImapClientSession session, DateTime? deadline, CancellationToken token)
    {
        // Always (re)open: UIDNEXT is what the server said at the last SELECT/EXAMINE, and
        // for a folder this session already had open that may be long ago.
        var folder = await session.GetFolderHandleAsync(Folder, token).ConfigureAwait(false);
        await folder.OpenAsync(false, token).ConfigureAwait(false);
        uint next = folder.UidNext ?? await folder.NextUidBySearchAsync(token).ConfigureAwait(false);
        bool idle = session.SupportsIdle;

        while (true)
        {
            var found = await folder.FindNewAsync(next, From, Subject, token).ConfigureAwait(false);
            if (found.Count > 0)
                return await folder.FetchHeadersAsync(found, token).ConfigureAwait(false);
            var left = deadline == null ? (TimeSpan?)null : deadline.Value - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return new List<MailMessage>();
            if (idle)
                await IdleAsync(folder, left, token).ConfigureAwait(false);
            else
            {
                var pause = TimeSpan.FromSeconds(PollInterval);
                await Task.Delay(left < pause ? left.Value : pause, token).ConfigureAwait(false);
                await session.NoOpAsync(token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One IDLE, ended (DONE) by new mail, the deadline, Ctrl+C, or a refresh well inside
    /// both the client's -Timeout and the 29 minutes after which servers may drop an idle
    /// client (RFC 2177).
    /// </summary>
    private Task IdleAsync(ImapFolderHandle folder, TimeSpan? left, CancellationToken token)
    {
        var refresh = TimeSpan.FromSeconds(Math.Max(1, Math.Min(9 * 60, Timeout * 0.8)));
        // Ctrl+C ends the IDLE politely (DONE); the engine gives up on a server that does not answer it.
        return folder.IdleAsync(left < refresh ? left.Value : refresh, token);
    }
}
