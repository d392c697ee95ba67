using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>
/// Base of the client cmdlets that work on a session. It finds the session to use:
/// <list type="number">
/// <item>-Session, when given;</item>
/// <item>a connection of its own, opened from -Server (and -Port, -Credential, ...) and
/// closed when the pipeline the command runs in is done (PowerShell disposes every command
/// of a pipeline after the last one ended), so that `Get-ImapMessage -Server x | Move-ImapMessage`
/// and lazy body loads downstream still find it open;</item>
/// <item>otherwise the newest session Connect-*Server opened.</item>
/// </list>
/// </summary>
public abstract class MailClientCmdlet<TSession> : MailConnectionCmdlet where TSession : MailClientSession
{
    private TSession? _session;
    private TSession? _owned;

    /// <summary>An open session from Connect-*Server.</summary>
    [Parameter]
    [ValidateNotNull]
    public TSession? Session { get; set; }

    /// <summary>
    /// The session this command uses; connects on first call when -Server was given. Call it
    /// on the pipeline thread. A connection failure is terminating: nothing can be done.
    /// </summary>
    protected TSession GetSession()
    {
        if (_session != null) return _session;
        if (Session != null && Server != null)
            ThrowTerminating(new ArgumentException("Give either -Session or -Server, not both."), "ConflictingSessionParameters", ErrorCategory.InvalidArgument, Server);
        if (Session != null)
            return _session = Session;
        if (Server != null)
        {
            var options = BuildOptions();
            WriteVerbose($"Connecting to {options}");
            TSession? opened = null;
            try
            {
                RunAsync(async token => opened = (TSession)await OpenSessionAsync(options, VerboseListener(), token).ConfigureAwait(false));
            }
            catch (MailClientException ex)
            {
                ThrowClientError(ex, Server);
            }
            opened!.OpenedBy = MyInvocation.MyCommand.Name;
            return _session = _owned = opened!;
        }
        var current = ClientSessionRegistry.Current<TSession>();
        if (current == null)
            ThrowTerminating(new InvalidOperationException($"There is no open {Protocol} session: give -Server, or connect first with {ConnectCommand}."),
                $"{Protocol}SessionNotFound", ErrorCategory.ConnectionError, null);
        return _session = current!;
    }

    /// <summary>Opens the connection of this command's own (-Server); Send-SmtpMessage retries it.</summary>
    protected virtual Task<MailClientSession> OpenSessionAsync(MailClientOptions options, Action<string>? listener, CancellationToken cancellationToken) =>
        MailClientConnector.ConnectAsync(options, listener, cancellationToken);

    /// <summary>Runs <paramref name="work"/> with the session to itself (see <see cref="MailClientSession.UseAsync{T}"/>), logging to -Verbose.</summary>
    protected T Use<T>(Func<TSession, CancellationToken, Task<T>> work)
    {
        var session = GetSession();
        T result = default!;
        RunAsync(async token => result = await session.UseAsync(t => work(session, t), VerboseListener(), token).ConfigureAwait(false));
        return result;
    }

    protected void Use(Func<TSession, CancellationToken, Task> work) =>
        Use(async (session, token) => { await work(session, token).ConfigureAwait(false); return true; });

    /// <summary>
    /// A connection opened for this command closes when the pipeline is done, not in
    /// EndProcessing: downstream commands finish their batches after this one ended.
    /// </summary>
    protected override void OnDispose() => CloseOwnedSession();

    private void CloseOwnedSession()
    {
        var owned = Interlocked.Exchange(ref _owned, null);
        if (owned == null) return;
        owned.Dispose();
    }
}
