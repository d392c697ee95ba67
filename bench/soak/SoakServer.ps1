# The server side of the soak (bench/soak/Soak.ps1): one Start-MailServer on a Maildir, in its own process so
# that its memory is measured alone. Writes its ports to -PortFile, then runs until -StopFile appears.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $StorePath,
    [Parameter(Mandatory)] [string] $PortFile,
    [Parameter(Mandatory)] [string] $StopFile,
    [int] $MaxConnections = 2000,
    # Diagnosis only: raise the thread pool's minimum (0 = leave the runtime's default).
    [int] $MinThreads = 0
)
$ErrorActionPreference = 'Stop'
if ($MinThreads -gt 0) { [void][Threading.ThreadPool]::SetMinThreads($MinThreads, $MinThreads) }
Import-Module $ModulePath

$start = @{ Name = 'soak'; Path = $StorePath; FreePorts = $true; Domain = 'soak.test'; AllowInsecureAuth = $true; Disable = 'Imaps', 'Pop3s', 'Submission' }
$parameters = (Get-Command Start-MailServer).Parameters
if ($parameters.ContainsKey('MaxConnections')) {
    # The admin's limits (issue 11 §4): 1,000 lab connections from loopback must fit.
    $start.MaxConnections = $MaxConnections
    if ($parameters.ContainsKey('MaxConnectionsPerAddress')) { $start.MaxConnectionsPerAddress = $MaxConnections }
    if ($parameters.ContainsKey('MaxConnectionsPerAccount')) { $start.MaxConnectionsPerAccount = 100 }
    $server = Start-MailServer @start
}
else {
    # A module without those parameters: raise the engine's per-protocol limits through its tuning hooks.
    Add-Type -ReferencedAssemblies ([MailAdmin.Hosting.MailServerOptions].Assembly.Location), 'netstandard', 'System.Collections', 'System.Net.Primitives', 'System.Runtime' -TypeDefinition @'
using System.Collections.Generic;
using System.Threading;
using MailAdmin.Hosting;
public static class SoakServerHost
{
    public static MailServer Start(string path, int max)
    {
        var o = new MailServerOptions { Name = "soak", Path = path, SmtpPort = 0, SubmissionPort = null, ImapPort = 0, ImapsPort = null,
            Pop3Port = 0, Pop3sPort = null, AllowInsecureAuth = true, Domains = new List<string> { "soak.test" } };
        o.ConfigureImap = i => { i.MaxConnections = max; i.MaxConnectionsPerAddress = max; i.MaxConnectionsPerAccount = 100; };
        o.ConfigureSmtp = s => { s.MaxConnections = max; s.MaxConnectionsPerAddress = max; };
        o.ConfigurePop3 = p => { p.MaxConnections = max; p.MaxConnectionsPerAddress = max; };
        return MailServer.StartAsync(o, CancellationToken.None).GetAwaiter().GetResult();
    }
}
'@
    $server = [SoakServerHost]::Start($StorePath, $MaxConnections)
}
@{ smtp = $server.Port('smtp'); imap = $server.Port('imap'); pop3 = $server.Port('pop3'); pid = $PID } | ConvertTo-Json | Set-Content -Path $PortFile
while (-not (Test-Path $StopFile)) { Start-Sleep -Milliseconds 500 }
$server.StopAsync().GetAwaiter().GetResult()
