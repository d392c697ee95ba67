<#
.SYNOPSIS
    Repeated logins: IMAP LOGIN/LOGOUT and POP3 USER/PASS/QUIT per second, MailAdmin's server against Dovecot, in the same run.
.DESCRIPTION
    bench/login_rate.py (Python's imaplib and poplib, the same client for both) connects, logs in and
    logs out again and again from a few threads, round by round, timing both servers in turn; the
    ratios use the medians of the rounds. What it shows is the cost of a login that was verified
    before: MailAdmin keeps its PBKDF2 hashes (210,000 iterations) and remembers a verified password
    for -AuthCacheTtl; the Dovecot reference keeps a {PLAIN} passwd-file (tests/tools/dovecot-instance.sh)
    and forks its login and mail processes per connection as it does by default.
      - MailAdmin: Start-MailServer in its own pwsh process, Maildir store on disk;
      - Dovecot: a throw-away instance on loopback.
    The machine may be shared and noisy: read the rounds as well as the medians.
    Needs python3 and Debian's dovecot-imapd and dovecot-pop3d.
.EXAMPLE
    dotnet pwsh bench/LoginRate.ps1 -ModulePath out/MailAdmin/0.1.0/MailAdmin.psd1
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Rounds = 5,
    # Logins per round, per server and protocol.
    [int] $Logins = 200,
    # Client threads (the per-address connection limits of both servers are well above this).
    [int] $Threads = 4,
    # Our server's -AuthCacheTtl; '00:00:00' measures every login with its PBKDF2.
    [TimeSpan] $AuthCacheTtl = [TimeSpan]::FromHours(1)
)
$ErrorActionPreference = 'Stop'

foreach ($program in 'python3', 'dovecot') {
    if (-not (Get-Command $program -ErrorAction SilentlyContinue)) { Write-Host "$program is not installed: login benchmark skipped."; return }
}

$work = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-loginbench-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
$user = 'ann@example.com'; $password = 'Bench-Passw0rd'
# One account per client thread: a POP3 session locks its maildrop (both servers refuse a second one).
$users = @(0..($Threads - 1) | ForEach-Object { "user$_@example.com" })
$dovecotDir = Join-Path $work 'dovecot'
$dovecotImap = Get-Random -Minimum 30000 -Maximum 40000
$dovecotPop3 = Get-Random -Minimum 40001 -Maximum 50000
$instance = Join-Path $PSScriptRoot '../tests/tools/dovecot-instance.sh'
$portFile = Join-Path $work 'ports.txt'

# Our server in a process of its own, with its defaults (auth cache on, PBKDF2 at its default strength).
$serverScript = "Import-Module '$ModulePath'; `$s = Start-MailServer -Name bench -Path '$work/store' -Domain example.com -FreePorts -AllowInsecureAuth -AuthCacheTtl '$AuthCacheTtl'; " +
    "foreach (`$u in '$($users -join "','")') { New-MailAccount -Server bench -Address `$u -Password (ConvertTo-SecureString '$password' -AsPlainText -Force) | Out-Null }; " +
    "Set-Content -Path '$portFile' -Value ('{0} {1}' -f `$s.Port('imap'), `$s.Port('pop3')); while (`$true) { Start-Sleep -Seconds 1 }"
$self = [Environment]::ProcessPath
$start = [Diagnostics.ProcessStartInfo]::new($self)
if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $serverScript) { $start.ArgumentList.Add($argument) }
$ours = [Diagnostics.Process]::Start($start)

& bash $instance start $dovecotDir $dovecotImap $dovecotPop3 $user $password
if ($LASTEXITCODE -ne 0) { $ours.Kill(); throw 'The Dovecot reference instance did not start.' }
# The same accounts in Dovecot's passwd-file (it re-reads the file when it changes).
$first = Get-Content (Join-Path $dovecotDir 'users') -First 1
Set-Content -Path (Join-Path $dovecotDir 'users') -Value @(foreach ($u in $users) { $first.Replace($user, $u) })
try {
    # The file appears before its content: wait for both ports.
    $deadline = [DateTime]::UtcNow.AddSeconds(120)
    while (-not ((Test-Path $portFile) -and (Get-Content $portFile -Raw) -match '^\d+ \d+') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
    if ($ours.HasExited -or -not ((Get-Content $portFile -Raw -ErrorAction SilentlyContinue) -match '^\d+ \d+')) { throw 'Our server did not start.' }
    $ourImap, $ourPop3 = (Get-Content $portFile -Raw).Trim() -split ' '

    Write-Host "Login benchmark: $Rounds rounds of $Logins logins, $Threads client threads, our -AuthCacheTtl $AuthCacheTtl"
    $json = python3 (Join-Path $PSScriptRoot 'login_rate.py') ($users -join ',') $password $Rounds $Logins $Threads `
        "mailadmin=127.0.0.1:$ourImap/127.0.0.1:$ourPop3" "dovecot=127.0.0.1:$dovecotImap/127.0.0.1:$dovecotPop3"
    if ($LASTEXITCODE -ne 0) { throw "login_rate.py failed: $json" }
    $r = $json | ConvertFrom-Json
    $rows = foreach ($protocol in 'imap', 'pop3') {
        [pscustomobject]@{
            Protocol = $protocol.ToUpperInvariant()
            'MailAdmin logins/s' = $r.mailadmin.$protocol.median
            'Dovecot logins/s' = $r.dovecot.$protocol.median
            'Ratio (MailAdmin/Dovecot)' = [math]::Round($r.mailadmin.$protocol.median / [math]::Max($r.dovecot.$protocol.median, 0.001), 2)
            'MailAdmin rounds' = $r.mailadmin.$protocol.rounds -join ' '
            'Dovecot rounds' = $r.dovecot.$protocol.rounds -join ' '
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
}
finally {
    if (-not $ours.HasExited) { $ours.Kill() }
    & bash $instance stop $dovecotDir
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
