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
    Two more cases, timed the same way, server by server in turn, medians:
      - fetch_body_own_client and fetch_envelope_own_client: BODY.PEEK[], and (UID FLAGS ENVELOPE),
        of every message by the bench's own client (bench/imap/ImapFetchClient.cs, compiled with
        Add-Type), because imaplib, not the servers, is what limits fetch_body and much of
        fetch_envelope; both clients' figures are reported;
      - select_after_change: SELECT 2.5 s after a STORE that flipped \Flagged on every message
        (bench/imap_select_after_change.py): the interleaved STORE round sets and clears the same
        flags, which our flag journal coalesces into no rename, so its SELECT lists nothing;
      - condstore_resync: `UID FETCH 1:* (FLAGS) (CHANGEDSINCE n)` after \Answered was set on 1 %
        of the messages (bench/imap_condstore.py); a server that does not advertise CONDSTORE is
        left out with the reason printed.
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
. (Join-Path $PSScriptRoot 'imap/OwnClientFetch.ps1')

foreach ($program in 'python3', 'dovecot') {
    if (-not (Get-Command $program -ErrorAction SilentlyContinue)) { Write-Host "$program is not installed: IMAP benchmark skipped."; return }
}

# The server process starts elsewhere: it needs the full path.
$ModulePath = (Resolve-Path $ModulePath).Path
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
    # BODY[] and the envelopes of every message again, by the bench's own client (imaplib is the bottleneck there).
    $servers = "127.0.0.1:$ourPort", "127.0.0.1:$dovecotImap"
    foreach ($case in @(@('fetch_body_own_client', '(BODY.PEEK[])'), @('fetch_envelope_own_client', '(UID FLAGS ENVELOPE)'))) {
        $seconds = Measure-OwnClientFetch -Servers $servers -User $user -Password $password -Rounds $Rounds -Messages $Messages -Items $case[1]
        $a | Add-Member $case[0] $seconds[0]; $b | Add-Member $case[0] $seconds[1]
    }

    # SELECT after a STORE that renames every file (the interleaved STORE round cancels out).
    $selectAfterChange = python3 (Join-Path $PSScriptRoot 'imap_select_after_change.py') $user $password $Rounds "127.0.0.1:$ourPort" "127.0.0.1:$dovecotImap"
    if ($LASTEXITCODE -ne 0) { throw "imap_select_after_change.py failed: $selectAfterChange" }
    $selectAfterChange = $selectAfterChange | ConvertFrom-Json
    $a | Add-Member select_after_change $selectAfterChange[0]; $b | Add-Member select_after_change $selectAfterChange[1]

    # CONDSTORE resynchronisation after 1 % of the messages changed; left out (with the reason)
    # for a server that does not advertise CONDSTORE.
    $condstore = python3 (Join-Path $PSScriptRoot 'imap_condstore.py') $user $password $Rounds "127.0.0.1:$ourPort" "127.0.0.1:$dovecotImap"
    if ($LASTEXITCODE -ne 0) { throw "imap_condstore.py failed: $condstore" }
    $condstore = $condstore | ConvertFrom-Json
    foreach ($pair in @(@('MailAdmin', $condstore[0], $a), @('Dovecot', $condstore[1], $b))) {
        if ($pair[1].supported) { $pair[2] | Add-Member condstore_resync $pair[1].median }
        else { Write-Host "condstore_resync: $($pair[0]) left out: $($pair[1].reason)" }
    }

    $operations = 'append', 'select', 'select_after_change', 'fetch_envelope', 'fetch_envelope_own_client', 'fetch_body', 'fetch_body_own_client', 'search', 'store', 'condstore_resync'
    $rows = foreach ($op in $operations) {
        $mine = $a.PSObject.Properties[$op].Value; $theirs = $b.PSObject.Properties[$op].Value
        [pscustomobject]@{
            Operation = $op
            # As text: the table would show a double with two decimals, and condstore_resync takes about 1 ms.
            MailAdminSeconds = if ($null -ne $mine) { $mine.ToString('0.0000', [cultureinfo]::InvariantCulture) } else { 'n/a' }
            DovecotSeconds = if ($null -ne $theirs) { $theirs.ToString('0.0000', [cultureinfo]::InvariantCulture) } else { 'n/a' }
            'Ratio (Dovecot/MailAdmin)' = if ($null -ne $mine -and $null -ne $theirs) { [math]::Round($theirs / [math]::Max($mine, 0.0001), 2) } else { 'n/a' }
        }
    }
    $rows += [pscustomobject]@{ Operation = 'KiB per idle connection'; MailAdminSeconds = [math]::Round($a.rss_per_idle_connection_kib); DovecotSeconds = [math]::Round($b.rss_per_idle_connection_kib); 'Ratio (Dovecot/MailAdmin)' = [math]::Round($b.rss_per_idle_connection_kib / [math]::Max($a.rss_per_idle_connection_kib, 1), 2) }
    $rows | Format-Table -AutoSize | Out-String -Width 160 | Write-Host
}
finally {
    if (-not $ours.HasExited) { $ours.Kill() }
    & bash $instance stop $dovecotDir
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
