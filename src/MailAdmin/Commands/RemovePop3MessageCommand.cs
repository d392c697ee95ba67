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
/// Remove-Pop3Message: marks messages deleted (DELE). POP3 deletes them only when the
/// session ends with QUIT (the UPDATE state, RFC 1939 §6): at the end of this command for a
/// connection of its own (-Server), at Disconnect-Pop3Server for a Connect-Pop3Server
/// session. A session that breaks off instead deletes nothing.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "Pop3Message", SupportsShouldProcess = true, DefaultParameterSetName = MessageSet, ConfirmImpact = ConfirmImpact.Medium)]
public sealed class RemovePop3MessageCommand : MailClientCmdlet<Pop3ClientSession>
{
    private const string MessageSet = "Message";
    private const string UidSet = "Uid";
    private const string AllSet = "All";

    private readonly Dictionary<Pop3ClientSession, int> _marked = new Dictionary<Pop3ClientSession, int>();

    /// <summary>Messages from Get-Pop3Message.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = MessageSet)]
    [ValidateNotNull]
    public MailMessage[] Message { get; set; } = new MailMessage[0];

    /// <summary>UIDLs of the messages to delete.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = UidSet)]
    [ValidateNotNullOrEmpty]
    public string[] Uid { get; set; } = new string[0];

    /// <summary>Every message in the maildrop.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    protected override MailClientProtocol Protocol => MailClientProtocol.Pop3;

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case MessageSet:
                foreach (var message in Message)
                {
                    ThrowIfStopping();
                    RemoveMessage(message);
                }
                break;
            case UidSet:
                var maildrop = Load(GetSession());
                foreach (var uid in Uid)
                {
                    ThrowIfStopping();
                    var index = maildrop.IndexOf(uid);
                    if (index == null) WriteClientError(maildrop.NotFound($"with UIDL {uid}"), uid);
                    else Delete(maildrop, index.Value, uid);
                }
                break;
            case AllSet:
                RemoveAll(Load(GetSession()));
                break;
        }
    }

    private void RemoveMessage(MailMessage message)
    {
        if (!(message.Origin is Pop3Origin origin))
        {
            WriteError(new ArgumentException($"The message '{message.Subject}' was not read from a POP3 server ({message.Source ?? "no source"}); give -Uid instead."),
                "NotAPop3Message", ErrorCategory.InvalidArgument, message);
            return;
        }
        var maildrop = Load(SessionFor(origin));
        int? index;
        if (maildrop.Session == origin.Session)
            index = maildrop.IsDeleted(origin.Index) ? (int?)null : origin.Index;
        else if (origin.Uid != null)
            // Another session numbers messages its own way: only the UIDL is an identity.
            index = maildrop.IndexOf(origin.Uid);
        else
        {
            WriteClientError(new MailClientException(MailClientProtocol.Pop3, MailClientFailure.MessageNotFound,
                $"The message '{message.Subject}' has no UIDL, so it can only be removed in the session that read it ({origin.Session})."), message);
            return;
        }
        if (index == null)
            WriteClientError(maildrop.NotFound(origin.Uid != null ? $"with UIDL {origin.Uid}" : $"number {origin.Index + 1}"), message);
        else
            Delete(maildrop, index.Value, $"{origin.Uid ?? "#" + (origin.Index + 1)} '{message.Subject}'");
    }

    /// <summary>
    /// -Session or -Server when given; otherwise the session that read the message while it
    /// is open (so `Get-Pop3Message -Server ... | Remove-Pop3Message` deletes in Get's
    /// session, committed when Get ends); otherwise the newest Connect-Pop3Server session.
    /// </summary>
    private Pop3ClientSession SessionFor(Pop3Origin origin)
    {
        if (Session != null || Server != null || !origin.Session.IsConnected) return GetSession();
        return origin.Session;
    }

    private void RemoveAll(Pop3Maildrop maildrop)
    {
        var indexes = maildrop.Remaining().ToList();
        if (indexes.Count == 0 || !ShouldProcess($"all {indexes.Count} message(s) of {maildrop.Session}", DeleteAction)) return;
        foreach (var index in indexes)
        {
            ThrowIfStopping();
            Delete(maildrop, index, null);
        }
    }

    private const string DeleteAction = "Delete (DELE; the server deletes when the session ends with QUIT)";

    /// <summary>DELE for one message; <paramref name="target"/> null when already confirmed.</summary>
    private void Delete(Pop3Maildrop maildrop, int index, string? target)
    {
        if (target != null && !ShouldProcess($"{target} on {maildrop.Session}", DeleteAction)) return;
        try
        {
            UseSession(maildrop.Session, token => maildrop.DeleteAsync(index, token));
        }
        catch (MailClientException ex) when (ex.Failure == MailClientFailure.CommandFailed)
        {
            WriteClientError(ex, maildrop.UidOf(index) ?? (object)(index + 1));
            return;
        }
        catch (MailClientException ex)
        {
            ThrowClientError(ex, maildrop.Session);
        }
        _marked.TryGetValue(maildrop.Session, out var count);
        _marked[maildrop.Session] = count + 1;
    }

    private Pop3Maildrop Load(Pop3ClientSession session)
    {
        var maildrop = Pop3Maildrop.Of(session);
        try
        {
            UseSession(session, maildrop.LoadAsync);
        }
        catch (MailClientException ex)
        {
            ThrowClientError(ex, session);
        }
        return maildrop;
    }

    /// <summary>Like Use, but on any session (a piped message's own), not only GetSession()'s.</summary>
    private void UseSession(Pop3ClientSession session, Func<CancellationToken, Task> work) =>
        RunAsync(token => session.UseAsync(work, VerboseListener(), token));

    /// <summary>
    /// A connection of its own (-Server) ends here with QUIT, which is when the server
    /// deletes; a failed QUIT means nothing was deleted, so it is reported. Other sessions
    /// delete when they end; -Verbose says so.
    /// </summary>
    protected override void EndProcessing()
    {
        foreach (var pair in _marked)
        {
            var session = pair.Key;
            // With -Server every removal went through the connection of this command's own.
            if (Server == null)
            {
                WriteVerbose($"{pair.Value} message(s) marked deleted in {session}; the server deletes them when that session ends with QUIT (Disconnect-Pop3Server, or the end of the command that opened it).");
                continue;
            }
            try
            {
                WriteVerbose($"Ending {session} with QUIT: the server deletes the {pair.Value} marked message(s) now.");
                UseSession(session, token => session.QuitAsync(token));
            }
            catch (MailClientException ex)
            {
                WriteClientError(new MailClientException(ex.Protocol, ex.Failure,
                    $"QUIT failed, so {session.Server} may not have deleted the {pair.Value} marked message(s): {ex.Message}", ex), session);
            }
        }
        base.EndProcessing();
    }
}
