using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>
/// Connect-SmtpServer, Connect-ImapServer and Connect-Pop3Server: open a session, remember
/// it as the protocol's default for later commands, and return it.
/// </summary>
public abstract class ConnectServerCmdlet<TSession> : MailConnectionCmdlet where TSession : MailClientSession
{
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("ComputerName", "HostName")]
    [ValidateNotNullOrEmpty]
    public override string? Server { get; set; }

    protected override void ProcessRecord()
    {
        var options = BuildOptions();
        WriteVerbose($"Connecting to {options}");
        TSession? session = null;
        try
        {
            RunAsync(async token => session = (TSession)await MailClientConnector.ConnectAsync(options, VerboseListener(), token).ConfigureAwait(false));
        }
        catch (MailClientException ex)
        {
            ThrowClientError(ex, Server);
        }
        ClientSessionRegistry.Add(session!);
        WriteObject(session);
    }
}

/// <summary>Disconnect-SmtpServer, Disconnect-ImapServer and Disconnect-Pop3Server: say goodbye (QUIT/LOGOUT) and close.</summary>
public abstract class DisconnectServerCmdlet<TSession> : MailAdminCmdlet where TSession : MailClientSession
{
    /// <summary>The sessions to close; the newest open one when none is given.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public TSession[]? Session { get; set; }

    protected abstract MailClientProtocol Protocol { get; }

    protected override void ProcessRecord()
    {
        var sessions = Session;
        if (sessions == null)
        {
            var current = ClientSessionRegistry.Current<TSession>();
            if (current == null)
            {
                WriteError(new ErrorRecord(new System.InvalidOperationException($"There is no open {Protocol} session to close."), $"{Protocol}SessionNotFound", ErrorCategory.ObjectNotFound, null));
                return;
            }
            sessions = new[] { current };
        }
        foreach (var session in sessions)
        {
            WriteVerbose($"Disconnecting from {session}");
            RunAsync(token => session.DisconnectAsync(null, token));
            ClientSessionRegistry.Remove(session);
        }
    }
}
