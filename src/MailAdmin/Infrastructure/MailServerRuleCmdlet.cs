using System;
using System.Collections.Generic;
using System.Management.Automation;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>Base of the *-MailServerRule commands: -Server (a running server or its name), or the only one running.</summary>
public abstract class MailServerRuleCmdlet : MailAdminCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [MailServerTransformation]
    [ArgumentCompleter(typeof(MailServerNameCompleter))]
    [ValidateNotNull]
    public MailServer? Server { get; set; }

    /// <summary>The servers meant: the one given, else the only one running; <paramref name="all"/> allows every running server.</summary>
    protected IReadOnlyList<MailServer> TargetServers(bool all)
    {
        if (Server != null) return new[] { Server };
        if (all) return MailServerRegistry.All;
        var implied = MailServerRegistry.Implied(out var errorId, out var reason);
        if (implied == null) ThrowTerminating(new InvalidOperationException(reason), errorId!, ErrorCategory.InvalidArgument, null);
        return new[] { implied! };
    }
}
