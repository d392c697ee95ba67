<#
.SYNOPSIS
    The slow-client acceptance check of issue 11 §7, with the server's default deadlines.
.DESCRIPTION
    Starts an in-memory server with the defaults (AllowInsecureAuth only, so that the clients can
    log in without TLS), then trickles one byte every 2 s in every protocol phase at once: SMTP
    before MAIL, submission after AUTH, SMTP inside DATA, IMAP and POP3 before and after login.
    Prints how long each connection stayed open; each must be closed within 330 s. Takes about
    3 minutes (the longest default deadline).
.EXAMPLE
    dotnet pwsh bench/SlowClients.ps1 -ModulePath ./out/MailAdmin/0.1.0/MailAdmin.psd1
#>
[CmdletBinding()]
param([Parameter(Mandatory)] [string] $ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$server = Start-MailServer -Name slow-clients -InMemory -FreePorts -Domain example.com -AllowInsecureAuth
try {
    New-MailAccount -Server slow-clients -Address ann@example.com -Password (ConvertTo-SecureString 'Ann-Passw0rd' -AsPlainText -Force) | Out-Null
    & python3 (Join-Path $PSScriptRoot 'slow_clients.py') $server.Port('smtp') $server.Port('submission') $server.Port('imap') $server.Port('pop3') ann@example.com Ann-Passw0rd
    "timed out: smtp $($server.Statistics.Smtp.TimedOut), imap $($server.Statistics.Imap.TimedOut), pop3 $($server.Statistics.Pop3.TimedOut)"
}
finally { Stop-MailServer -Name slow-clients }
