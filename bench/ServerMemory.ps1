<#
.SYNOPSIS
    Server memory under large messages: idle RSS, peak RSS and after-load RSS of a Start-MailServer
    process (Maildir store) while 50 SMTP clients at once each send a 20 MiB message, then while
    20 IMAP clients at once each APPEND one. Every message is checked byte-exact in the store.
.NOTES
    Linux only (reads /proc/<pid>/status: VmRSS, and VmHWM for the peak, reset between phases
    through /proc/<pid>/clear_refs). The machine may be shared: times are indicative, memory is not
    affected much. tests/MailServerMemory.Tests.ps1 runs this with -PassThru and checks the growth.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/MailAdmin/0.1.0/MailAdmin.psd1'),
    [int] $SmtpClients = 50,
    [int] $ImapClients = 20,
    [int] $SizeMiB = 20,
    [switch] $PassThru
)
$ErrorActionPreference = 'Stop'
if (-not $IsLinux) { throw 'ServerMemory.ps1 reads /proc: Linux only.' }
$ModulePath = (Resolve-Path $ModulePath).Path
$work = Join-Path ([IO.Path]::GetTempPath()) ("mailadmin-memory-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
$store = Join-Path $work 'store'
$ready = Join-Path $work 'ports.txt'
New-Item -ItemType Directory -Path $work | Out-Null
$password = 'load-' + [guid]::NewGuid().ToString('n').Substring(0, 12)

# The server runs in its own process, so that its memory is measured alone.
$serverScript = @"
Import-Module '$ModulePath'
`$quota = @{}   # no quota for the load account (a module from before -DefaultQuota has none anyway)
if ((Get-Command Start-MailServer).Parameters.ContainsKey('DefaultQuota')) { `$quota.DefaultQuota = 0 }
`$s = Start-MailServer -Name memory -Path '$store' -Domain example.com -FreePorts -AllowInsecureAuth -MaxMessageSize $(($SizeMiB + 8) * 1MB) @quota
New-MailAccount -Server `$s -Address load@example.com -Password (ConvertTo-SecureString '$password' -AsPlainText -Force) | Out-Null
[GC]::Collect()
Set-Content -Path '$ready' -Value "`$(`$s.Port('smtp')) `$(`$s.Port('imap'))"
while (`$true) { Start-Sleep -Seconds 1 }
"@
$self = [Environment]::ProcessPath
[string[]] $arguments = if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
$arguments += '-NoProfile', '-NonInteractive', '-Command', $serverScript
$start = [Diagnostics.ProcessStartInfo]::new($self)
foreach ($argument in $arguments) { $start.ArgumentList.Add($argument) }
$start.RedirectStandardOutput = $true
$process = [Diagnostics.Process]::Start($start)

function Get-Memory([string] $Field) {
    $line = Get-Content "/proc/$($process.Id)/status" | Where-Object { $_ -like "${Field}:*" }
    [math]::Round([long]($line -replace '[^0-9]', '') / 1024, 1)   # MiB
}
function Reset-Peak { [IO.File]::WriteAllText("/proc/$($process.Id)/clear_refs", "5") }
function Invoke-Load([string] $Mode, [int] $Port, [int] $Clients) {
    Reset-Peak
    $inbox = Join-Path $store 'load@example.com'
    $out = & python3 (Join-Path $PSScriptRoot 'server_memory_load.py') $Mode $Port $Clients $SizeMiB $inbox 'load@example.com' $password 2>&1
    if ($LASTEXITCODE -ne 0) { throw "load failed: $out" }
    $r = $out | Select-Object -Last 1 | ConvertFrom-Json
    $r | Add-Member PeakRssMiB (Get-Memory VmHWM)
    Start-Sleep -Seconds 2
    $r | Add-Member AfterRssMiB (Get-Memory VmRSS)
    $r
}

try {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not (Test-Path $ready) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
    if (-not (Test-Path $ready)) { throw 'the server process did not start' }
    $smtpPort, $imapPort = (Get-Content $ready) -split ' ' | ForEach-Object { [int] $_ }
    Start-Sleep -Seconds 2
    $idle = Get-Memory VmRSS
    $smtp = Invoke-Load smtp $smtpPort $SmtpClients
    $imap = Invoke-Load imap $imapPort $ImapClients
    $result = [pscustomobject]@{
        IdleRssMiB = $idle
        Smtp = $smtp
        Imap = $imap
    }
    Write-Host ("server memory (MiB): idle RSS {0}; SMTP {1} x {2} MiB: peak {3} (+{4}), after {5}, {6} s, {7}/{1} byte-exact; IMAP APPEND {8} x {2} MiB: peak {9} (+{10}), after {11}, {12} s, {13}/{8} byte-exact" -f `
        $idle, $SmtpClients, $SizeMiB, $smtp.PeakRssMiB, [math]::Round($smtp.PeakRssMiB - $idle, 1), $smtp.AfterRssMiB, $smtp.seconds, $smtp.stored_exact,
        $ImapClients, $imap.PeakRssMiB, [math]::Round($imap.PeakRssMiB - $idle, 1), $imap.AfterRssMiB, $imap.seconds, $imap.stored_exact)
    if ($PassThru) { $result }
}
finally {
    if (-not $process.HasExited) { Stop-Process -Id $process.Id -Force }
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
