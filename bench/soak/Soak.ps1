<#
.SYNOPSIS
    Soak: 1,000 concurrent connections against one server process for -Minutes (default 10).
.DESCRIPTION
    600 idle IMAP sessions (logged in, INBOX selected, NOOP every 30 s), 200 IMAP sessions in IDLE that
    fetch each new message, 150 SMTP clients delivering (one message every 10 s each), 50 POP3 clients
    reading and deleting (every 20 s). Loopback only; bounded in connections and time.
    Pass: no protocol errors; every acknowledged message readable, once, byte-exact; RSS grows < 10 %
    after the warm-up; p99 NOOP latency < 100 ms. Reports memory per idle IMAP connection.
    Run by ./build.ps1 -Task Soak (not part of the test command, nor of -Task Bench). The load
    generator is python3 asyncio (bench/soak/soak_load.py); the server runs in its own pwsh process.
    Accounts are made with 10,000 PBKDF2 iterations (the default is 210,000) so that 850 logins do not
    dominate a connection soak; login cost is benched elsewhere (bench/ImapThroughput.ps1).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/MailAdmin/0.1.0/MailAdmin.psd1'),
    [double] $Minutes = 10,
    [int] $IdleImap = 600,
    [int] $IdleWatchers = 200,
    [int] $SmtpClients = 150,
    [int] $Pop3Clients = 50,
    [double] $WarmupSeconds = 90,
    # Diagnosis only: the server's thread-pool minimum (0 = the runtime's default, as a real server runs).
    [int] $MinThreads = 0
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Command python3 -ErrorAction SilentlyContinue)) { throw 'The soak needs python3.' }
if ($IsWindows) { throw 'The soak reads the server''s RSS from /proc: Linux only.' }
Import-Module $ModulePath

$work = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-soak-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
$store = Join-Path $work 'store'
New-Item -ItemType Directory -Path $store -Force | Out-Null
$password = 'soak-pw'

# Accounts: idle sessions share 50 accounts (12 each), IDLE watchers 20 (10 each), one per POP3 reader.
$addresses = @(0..49 | ForEach-Object { 'idle{0:d2}@soak.test' -f $_ }) + @(0..19 | ForEach-Object { 'watch{0:d2}@soak.test' -f $_ }) +
    @(0..($Pop3Clients - 1) | ForEach-Object { 'pop{0:d2}@soak.test' -f $_ })
$setup = [MailAdmin.Store.MaildirStore]::new($store, 10000)
try { foreach ($address in $addresses) { $null = $setup.Accounts.AddAsync($address, $password).GetAwaiter().GetResult() } }
finally { $setup.Dispose() }
Write-Host "soak: $($addresses.Count) accounts in $store"

# File descriptors: 1,000 sockets and the store's files in each process; raise the soft limit if low.
$limit = [int] (bash -c 'ulimit -n')
Write-Host "soak: open-file limit (ulimit -n) $limit"
$portFile = Join-Path $work 'ports.json'
$stopFile = Join-Path $work 'stop'
$serverLog = Join-Path $work 'server.log'
$pwsh = [Environment]::ProcessPath
$pwshArgs = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { "'$(Join-Path $PSHOME 'pwsh.dll')'" } else { '' }
$serverScript = Join-Path $PSScriptRoot 'SoakServer.ps1'
$launcher = Join-Path $work 'run-server.sh'
@"
#!/bin/bash
hard=`$(ulimit -Hn); want=8192
if [ "`$hard" != unlimited ] && [ "`$hard" -lt `$want ]; then want=`$hard; fi
ulimit -n `$want 2>/dev/null
exec '$pwsh' $pwshArgs -NoProfile -NonInteractive -File '$serverScript' -ModulePath '$ModulePath' -StorePath '$store' -PortFile '$portFile' -StopFile '$stopFile' -MinThreads $MinThreads > '$serverLog' 2>&1
"@ | Set-Content -Path $launcher
$server = Start-Process -FilePath bash -ArgumentList $launcher -PassThru
try {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not (Test-Path $portFile) -and [DateTime]::UtcNow -lt $deadline -and -not $server.HasExited) { Start-Sleep -Milliseconds 200 }
    if (-not (Test-Path $portFile)) { throw "The soak server did not start: $(Get-Content -Raw $serverLog -ErrorAction SilentlyContinue)" }
    Start-Sleep -Milliseconds 300
    $ports = Get-Content -Raw $portFile | ConvertFrom-Json
    Write-Host "soak: server pid $($ports.pid), imap $($ports.imap), smtp $($ports.smtp), pop3 $($ports.pop3); $Minutes min, $($IdleImap + $IdleWatchers + $SmtpClients + $Pop3Clients) connections"
    $result = Join-Path $work 'result.json'
    & python3 (Join-Path $PSScriptRoot 'soak_load.py') --imap $ports.imap --smtp $ports.smtp --pop3 $ports.pop3 --pid $ports.pid `
        --seconds ([int]($Minutes * 60)) --warmup $WarmupSeconds --idle $IdleImap --watchers $IdleWatchers --senders $SmtpClients `
        --readers $Pop3Clients --password $password --result $result
    $exit = $LASTEXITCODE
    if (-not (Test-Path $result)) { throw "The load generator ended without a result (exit $exit)." }
    $r = Get-Content -Raw $result | ConvertFrom-Json
    $mib = { param($k) '{0:n1} MiB' -f ($k / 1024) }
    Write-Host ''
    Write-Host "soak result ($([math]::Round($r.seconds / 60, 1)) min; machine shared with other work, numbers are noisy):"
    Write-Host "  connections at warm-up: $($r.connected_at_warmup | ConvertTo-Json -Compress)"
    Write-Host "  delivered $($r.delivered) (SMTP 250), read by POP3 $($r.read_by_pop), fetched by IDLE watchers $($r.seen_by_idle_watchers)"
    Write-Host "  missing $($r.missing), duplicated $($r.duplicates), bad bodies $($r.bad_bodies), protocol errors $($r.errors)"
    Write-Host "  NOOP after warm-up: $($r.noops) commands, p50 $([math]::Round($r.noop_p50_ms, 1)) ms, p99 $([math]::Round($r.noop_p99_ms, 1)) ms, max $([math]::Round($r.noop_max_ms, 1)) ms (during warm-up: $($r.noops_warmup), p99 $([math]::Round($r.noop_warmup_p99_ms, 1)) ms)"
    if ($null -ne $r.notify_p50_ms) { Write-Host "  IDLE notification after SMTP 250: p50 $([math]::Round($r.notify_p50_ms)) ms, p99 $([math]::Round($r.notify_p99_ms)) ms" }
    Write-Host "  load generator's event loop lag (inside every latency above): p99 $([math]::Round($r.client_loop_lag_p99_ms, 1)) ms, max $([math]::Round($r.client_loop_lag_max_ms, 1)) ms; machine load average at the end $($r.loadavg_end -join ' ') on $([Environment]::ProcessorCount) cores"
    Write-Host "  RSS: start $(& $mib $r.rss_start_kib), after $IdleImap idle IMAP $(& $mib $r.rss_after_idle_kib), after warm-up $(& $mib $r.rss_after_warmup_kib), end $(& $mib $r.rss_end_kib), peak $(& $mib $r.rss_peak_after_warmup_kib); growth after warm-up $([math]::Round($r.rss_growth_pct, 1)) %"
    Write-Host "  memory per idle IMAP connection: $([math]::Round($r.kib_per_idle_imap, 1)) KiB (RSS delta / sessions; goal <= 100 KiB)"
    foreach ($e in @($r.error_samples)) { if ($e) { Write-Host "  error: $($e -join ': ')" } }
    foreach ($check in $r.checks.PSObject.Properties) { Write-Host ("  {0}: {1}" -f ($check.Value ? 'PASS' : 'FAIL'), $check.Name) }
    Write-Host "soak: $($r.pass ? 'PASS' : 'FAIL') (details: $result)"
    if (-not $r.pass) { exit 1 }
}
finally {
    New-Item -ItemType File -Path $stopFile -Force | Out-Null
    if (-not $server.WaitForExit(30000)) { Stop-Process -Id $server.Id -Force -ErrorAction SilentlyContinue }
    if ($ports -and (Get-Process -Id $ports.pid -ErrorAction SilentlyContinue)) { Stop-Process -Id $ports.pid -Force -ErrorAction SilentlyContinue }
    Remove-Item $store -Recurse -Force -ErrorAction SilentlyContinue   # result.json and server.log stay for a look
}
