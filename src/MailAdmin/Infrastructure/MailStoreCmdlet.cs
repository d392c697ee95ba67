using System;
using System.Management.Automation;
using MailAdmin.Hosting;
using MailAdmin.Store;

namespace MailAdmin.Commands;

/// <summary>
/// Base of the commands that work on a server's store: -Server (a running server or its
/// name) or -Path (a store folder, whether or not a server runs on it). With neither, the
/// one running server, or else the default store folder.
/// </summary>
public abstract class MailStoreCmdlet : MailAdminCmdlet
{
    private IMailStore? _ownedStore;

    // Server and Path are in every parameter set (the derived commands have sets of their
    // own, and PowerShell cannot cross two kinds of sets); BeginProcessing refuses both.
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [MailServerTransformation]
    [ArgumentCompleter(typeof(MailServerNameCompleter))]
    [ValidateNotNull]
    public MailServer? Server { get; set; }

    [Parameter]
    [Alias("StorePath")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>
    /// The store this command works on; opened once per command. Read it on the pipeline
    /// thread (before RunAsync): resolving it may write errors.
    /// </summary>
    protected IMailStore Store => _ownedStore ?? ResolvedServer?.Store ?? OpenStore();

    /// <summary>The server given or implied, or null when working on a store folder.</summary>
    protected MailServer? ResolvedServer
    {
        get
        {
            if (Server != null) return Server;
            if (Path != null) return null;
            var implied = MailServerRegistry.Implied(out var errorId, out var reason);
            // No server running: the command works on the default store folder instead.
            if (implied == null && errorId == "MailServerAmbiguous")
                ThrowTerminating(new InvalidOperationException(reason), errorId, ErrorCategory.InvalidArgument, null);
            return implied;
        }
    }

    protected override void BeginProcessing()
    {
        if (Server != null && Path != null)
            ThrowTerminating(new ArgumentException("Give -Server or -Path, not both."), "MailStoreAmbiguous", ErrorCategory.InvalidArgument, null);
    }

    private IMailStore OpenStore()
    {
        var path = Path != null ? ResolveOutputPath(Path) : MailServerOptions.DefaultStorePath();
        if (Path == null)
            WriteVerbose($"No mail server is running and neither -Server nor -Path was given: using the default store {path}.");
        _ownedStore = new MaildirStore(path);
        return _ownedStore;
    }

    protected override void EndProcessing()
    {
        _ownedStore?.Dispose();
        _ownedStore = null;
    }
}
