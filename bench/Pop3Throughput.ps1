<#
.SYNOPSIS
    POP3 operations: MailAdmin's server against Dovecot, in the same run.
.DESCRIPTION
    bench/pop3_bench.py fills both INBOXes with the same messages over IMAP, then times login,
    STAT, LIST, UIDL and RETR of every message on both servers in turn, round by round (a load
    burst on a small, noisy machine hits both alike). RETR uses the script's own pipelined client,
    not poplib, whose line-by-line reading would make the client the bottleneck for both.
    Both servers keep Maildir mail on disk:
      - MailAdmin: Start-MailServer in its own pwsh process;
      - Dovecot: a throw-away instance on loopback (tests/tools/dovecot-instance.sh).
    Ratios are Dovecot's time over ours (above 1: we are faster). Needs python3 and Debian's
    dovecot-imapd and dovecot-pop3d.
.EXAMPLE
    dotnet pwsh bench/Pop3Throughput.ps1 -ModulePath out/MailAdmin/0.1.0/MailAdmin.psd1
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Messages = 2000,
    # Rounds of the interleaved operations; the ratios use their medians.
    [int] $Rounds = 7
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path   # the server runs in a process of its own

foreach ($program in 'python3', 'dovecot') {
    if (-not (Get-Command $program -ErrorAction SilentlyContinue)) { Write-Host "$program is not installed: POP3 benchmark skipped."; return }
}

$work = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-pop3bench-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
$user = 'ann@example.com'; $password = 'Bench-Passw0rd'
$dovecotDir = Join-Path $work 'dovecot'
$dovecotImap = Get-Random -Minimum 30000 -Maximum 40000
$dovecotPop3 = Get-Random -Minimum 40001 -Maximum 50000
$instance = Join-Path $PSScriptRoot '../tests/tools/dovecot-instance.sh'
$portFile = Join-Path $work 'port.txt'

# Our server in a process of its own, as an admin would run it.
$serverScript = "Import-Module '$ModulePath'; `$s = Start-MailServer -Name bench -Path '$work/store' -Domain example.com -FreePorts -AllowInsecureAuth; " +
    "New-MailAccount -Server bench -Address '$user' -Password (ConvertTo-SecureString '$password' -AsPlainText -Force) | Out-Null; " +
    "Set-Content -Path '$portFile' -Value ('{0} {1}' -f `$s.Port('imap'), `$s.Port('pop3')); while (`$true) { Start-Sleep -Seconds 1 }"
$self = [Environment]::ProcessPath
$start = [Diagnostics.ProcessStartInfo]::new($self)
if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $serverScript) { $start.ArgumentList.Add($argument) }
$ours = [Diagnostics.Process]::Start($start)

& bash $instance start $dovecotDir $dovecotImap $dovecotPop3 $user $password
if ($LASTEXITCODE -ne 0) { $ours.Kill(); throw 'The Dovecot reference instance did not start.' }
try {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not (Test-Path $portFile) -and -not $ours.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
    if (-not (Test-Path $portFile)) { throw 'Our server did not start (see its output above).' }
    $ourImap, $ourPop3 = (Get-Content $portFile -Raw).Trim() -split ' '

    Write-Host "POP3 benchmark, $Messages messages, $Rounds rounds"
    $result = python3 (Join-Path $PSScriptRoot 'pop3_bench.py') $user $password $Rounds $Messages "127.0.0.1:${ourImap}:$ourPop3" "127.0.0.1:${dovecotImap}:$dovecotPop3" | ConvertFrom-Json
    if ($LASTEXITCODE -ne 0) { throw 'pop3_bench.py failed.' }
    $a, $b = $result
    $rows = foreach ($op in 'login', 'stat', 'list', 'uidl', 'retr') {
        [pscustomobject]@{ Operation = $op; MailAdminMs = [math]::Round($a.$op * 1000, 2); DovecotMs = [math]::Round($b.$op * 1000, 2); 'Ratio (Dovecot/MailAdmin)' = [math]::Round($b.$op / [math]::Max($a.$op, 0.00001), 2) }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 160 | Write-Host
    Write-Host ("RETR octets per round: MailAdmin {0}, Dovecot {1}" -f $a.octets, $b.octets)
}
finally {
    if (-not $ours.HasExited) { $ours.Kill() }
    & bash $instance stop $dovecotDir
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
