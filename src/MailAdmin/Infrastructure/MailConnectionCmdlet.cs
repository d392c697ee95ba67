using System;
using System.Linq;
using System.Management.Automation;
using MailAdmin.Client;

namespace MailAdmin.Commands;

/// <summary>
/// The connection parameters every client cmdlet takes (-Server, -Port, -Credential,
/// -Secure, -SkipCertificateCheck, -OAuthToken, -Timeout, -LogPath), the protocol log
/// routed to -Verbose, and client failures mapped to ErrorRecords with stable ids.
/// Connect-*Server derive from it directly; the other client cmdlets through
/// <see cref="MailClientCmdlet{TSession}"/>.
/// </summary>
public abstract class MailConnectionCmdlet : MailAdminCmdlet
{
    /// <summary>The server's host name or address; connects for this command only.</summary>
    [Parameter]
    [Alias("ComputerName", "HostName")]
    [ValidateNotNullOrEmpty]
    public virtual string? Server { get; set; }

    /// <summary>0 (the default) picks the protocol's port for -Secure.</summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public virtual int Port { get; set; }

    [Parameter]
    [Credential]
    public virtual PSCredential? Credential { get; set; }

    [Parameter]
    public MailSecurity Secure { get; set; } = MailSecurity.Auto;

    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>An OAuth 2.0 access token for XOAUTH2/OAUTHBEARER; -Credential's user name (or -UserName) names the account.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OAuthToken { get; set; }

    /// <summary>The account for -OAuthToken when no -Credential is given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? UserName { get; set; }

    /// <summary>Seconds to wait for the server at each step.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int Timeout { get; set; } = 100;

    /// <summary>Appends the protocol conversation (secrets redacted) to this file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    protected abstract MailClientProtocol Protocol { get; }

    /// <summary>The noun Connect-*Server uses, for messages: "Connect-ImapServer".</summary>
    protected string ConnectCommand => $"Connect-{Protocol}Server";

    /// <summary>The options the connection parameters describe (for Connect-* and own connections).</summary>
    protected MailClientOptions BuildOptions()
    {
        if (SkipCertificateCheck)
            WriteWarning("-SkipCertificateCheck: the server's certificate is not checked, so the connection can be intercepted.");
        if (Secure == MailSecurity.None && Credential != null && OAuthToken == null && FirstCleartextLogin($"{Protocol}:{Server}:{Port}"))
            WriteWarning($"-Secure None: the password for {Credential.UserName} travels in clear text to {Server}. Use -Secure StartTls or Tls unless this is a lab on loopback. (Said once per server in this session.)");
        return new MailClientOptions(Protocol, Server!)
        {
            Port = Port,
            Security = Secure,
            SkipCertificateCheck = SkipCertificateCheck,
            Credential = Credential?.GetNetworkCredential(),
            OAuthToken = OAuthToken,
            UserName = UserName,
            Timeout = TimeSpan.FromSeconds(Timeout),
            LogPath = LogPath == null ? null : ResolveOutputPath(LogPath),
            // A server started in this session (Start-MailServer) presents a certificate this
            // process made: trusted when it shows exactly that one, so lab mail needs no -SkipCertificateCheck.
            TrustedThumbprints = MailServerRegistry.All.Select(s => s.Certificate?.Thumbprint).Where(t => t != null).Select(t => t!).ToArray(),
        };
    }

    private static readonly System.Collections.Generic.HashSet<string> WarnedCleartext = new System.Collections.Generic.HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>True the first time a clear-text login goes to this server in this process: the warning is said once, not per command.</summary>
    private static bool FirstCleartextLogin(string key)
    {
        lock (WarnedCleartext) return WarnedCleartext.Add(key);
    }

    /// <summary>Where the protocol lines go: -Verbose on the pipeline thread, or nowhere.</summary>
    protected Action<string>? VerboseListener()
    {
        if (!IsVerbose()) return null;
        return line => { _ = OnPipelineThread(() => WriteVerbose(line)); };
    }

    private bool IsVerbose()
    {
        if (MyInvocation.BoundParameters.TryGetValue("Verbose", out var bound))
            return bound is SwitchParameter flag ? flag.IsPresent : LanguagePrimitives.IsTrue(bound);
        return GetVariableValue("VerbosePreference") is ActionPreference preference && preference != ActionPreference.SilentlyContinue;
    }

    /// <summary>A non-terminating error for one item, with the failure's stable id.</summary>
    protected void WriteClientError(MailClientException error, object? target) =>
        WriteError(new ErrorRecord(error, error.ErrorId, Category(error.Failure), target) { ErrorDetails = new ErrorDetails(error.Message) });

    /// <summary>A terminating error: the session itself failed.</summary>
    protected void ThrowClientError(MailClientException error, object? target) =>
        ThrowTerminatingError(new ErrorRecord(error, error.ErrorId, Category(error.Failure), target) { ErrorDetails = new ErrorDetails(error.Message) });

    private static ErrorCategory Category(MailClientFailure failure)
    {
        switch (failure)
        {
            case MailClientFailure.ConnectFailed:
            case MailClientFailure.ConnectionLost: return ErrorCategory.ConnectionError;
            case MailClientFailure.TlsFailed: return ErrorCategory.SecurityError;
            case MailClientFailure.AuthenticationFailed: return ErrorCategory.AuthenticationError;
            case MailClientFailure.Timeout: return ErrorCategory.OperationTimeout;
            case MailClientFailure.RecipientRefused: return ErrorCategory.PermissionDenied;
            case MailClientFailure.FolderNotFound:
            case MailClientFailure.MessageNotFound: return ErrorCategory.ObjectNotFound;
            case MailClientFailure.NotSupported: return ErrorCategory.NotImplemented;
            default: return ErrorCategory.InvalidOperation;
        }
    }
}
