<#
.SYNOPSIS
    IMAP operations and memory per idle connection: MailAdmin's server against Dovecot, in the same run.
.DESCRIPTION
    bench/imap_bench.py (Python's imaplib, the same client for both) APPENDs N messages, then
    times SELECT, FETCH of the envelopes, FETCH of full bodies, a few SEARCHes and a STORE over
    all of them, then opens idle logged-in connections and reads the servers' resident memory
    from /proc. Both servers keep Maildir mail on disk and fsync as they do by default:
      - MailAdmin: Start-MailServer in its own pwsh process (so its memory can be read);
      - Dovecot: a throw-away instance on loopback (tests/tools/dovecot-instance.sh).
    The read operations (SELECT, FETCH, SEARCH, STORE) are then timed again on both servers in
    turn, round by round (bench/imap_interleave.py), and the ratios use those medians: on a
    small, noisy machine a load burst during one server's half would otherwise decide them.
    Ratios are Dovecot's time over ours (above 1: we are faster) and our memory over Dovecot's.
    Needs python3 and Debian's dovecot-imapd.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Messages = 10000,
    # Below the per-account connection limit of both servers (ours: 20).
    [int] $IdleConnections = 18,
    # Rounds of the interleaved read operations; the ratios use their medians.
    [int] $Rounds = 7
)
$ErrorActionPreference = 'Stop'

foreach ($program in 'python3', 'dovecot') {
    if (-not (Get-Command $program -ErrorAction SilentlyContinue)) { Write-Host "$program is not installed: IMAP benchmark skipped."; return }
}

$work = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-imapbench-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
$user = 'ann@example.com'; $password = 'Bench-Passw0rd'
$dovecotDir = Join-Path $work 'dovecot'
$dovecotImap = Get-Random -Minimum 30000 -Maximum 40000
$instance = Join-Path $PSScriptRoot '../tests/tools/dovecot-instance.sh'
$driver = Join-Path $PSScriptRoot 'imap_bench.py'
$portFile = Join-Path $work 'port.txt'

# Our server in a process of its own.
$serverScript = "Import-Module '$ModulePath'; `$s = Start-MailServer -Name bench -Path '$work/store' -Domain example.com -FreePorts -AllowInsecureAuth -Disable Pop3, Pop3s; " +
    "New-MailAccount -Server bench -Address '$user' -Password (ConvertTo-SecureString '$password' -AsPlainText -Force) | Out-Null; " +
    "Set-Content -Path '$portFile' -Value `$s.Port('imap'); while (`$true) { Start-Sleep -Seconds 1 }"
$self = [Environment]::ProcessPath
$start = [Diagnostics.ProcessStartInfo]::new($self)
if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $serverScript) { $start.ArgumentList.Add($argument) }
$ours = [Diagnostics.Process]::Start($start)

& bash $instance start $dovecotDir $dovecotImap (Get-Random -Minimum 40001 -Maximum 50000) $user $password
if ($LASTEXITCODE -ne 0) { $ours.Kill(); throw 'The Dovecot reference instance did not start.' }
try {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not (Test-Path $portFile) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
    $ourPort = [int] (Get-Content $portFile)

    Write-Host "IMAP benchmark, $Messages messages, $IdleConnections idle connections"
    $a = python3 $driver 127.0.0.1 $ourPort $user $password $Messages "echo $($ours.Id)" $IdleConnections | ConvertFrom-Json
    $b = python3 $driver 127.0.0.1 $dovecotImap $user $password $Messages "pgrep -f 'dovecot/imap'" $IdleConnections | ConvertFrom-Json

    # The read operations again, both servers timed in turn round by round (see imap_interleave.py):
    # these medians, not the back-to-back runs above, make the ratios.
    $interleaved = python3 (Join-Path $PSScriptRoot 'imap_interleave.py') $user $password $Rounds "127.0.0.1:$ourPort" "127.0.0.1:$dovecotImap" | ConvertFrom-Json
    foreach ($op in 'select', 'fetch_envelope', 'fetch_body', 'search', 'store') {
        $a.$op = $interleaved[0].$op
        $b.$op = $interleaved[1].$op
    }
    $rows = foreach ($op in 'append', 'select', 'fetch_envelope', 'fetch_body', 'search', 'store') {
        [pscustomobject]@{ Operation = $op; MailAdminSeconds = [math]::Round($a.$op, 3); DovecotSeconds = [math]::Round($b.$op, 3); 'Ratio (Dovecot/MailAdmin)' = [math]::Round($b.$op / [math]::Max($a.$op, 0.0001), 2) }
    }
    $rows += [pscustomobject]@{ Operation = 'KiB per idle connection'; MailAdminSeconds = [math]::Round($a.rss_per_idle_connection_kib); DovecotSeconds = [math]::Round($b.rss_per_idle_connection_kib); 'Ratio (Dovecot/MailAdmin)' = [math]::Round($b.rss_per_idle_connection_kib / [math]::Max($a.rss_per_idle_connection_kib, 1), 2) }
    $rows | Format-Table -AutoSize | Out-String -Width 160 | Write-Host
}
finally {
    if (-not $ours.HasExited) { $ours.Kill() }
    & bash $instance stop $dovecotDir
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
