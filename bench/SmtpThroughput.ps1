<#
.SYNOPSIS
    Accepted SMTP messages per second: MailAdmin's server against Postfix, in the same run.
.DESCRIPTION
    Postfix's smtp-source sends 10 KB messages over 16 concurrent sessions to each server in
    turn, several rounds, and the medians are compared:
      - MailAdmin: Start-MailServer on a Maildir store in a temporary folder (catch-all),
        every 250 after the message is fsynced (file and directory) and its UID recorded;
      - Postfix: a throw-away instance on loopback (tests/tools/postfix-instance.sh) that
        queues each message durably (its own fsyncs) and then discards it.
    Needs root and Debian's postfix package (smtp-source comes with it).
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Messages = 4000,
    [int] $Sessions = 16,
    [int] $Size = 10240,
    [int] $Rounds = 5
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

if (-not (Get-Command smtp-source -ErrorAction SilentlyContinue)) {
    Write-Host 'smtp-source (Debian package postfix) is not installed: benchmark skipped.'
    return
}

$work = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-bench-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
$postfixDir = Join-Path $work 'postfix'
$postfixPort = Get-Random -Minimum 20000 -Maximum 30000
$instance = Join-Path $PSScriptRoot '../tests/tools/postfix-instance.sh'

function Measure-Rate([int] $Port) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $out = smtp-source -s $Sessions -l $Size -m $Messages -f 'bench@remote.test' -t 'sink@example.com' "127.0.0.1:$Port" 2>&1
    $clock.Stop()
    if ($LASTEXITCODE -ne 0) { throw "smtp-source failed: $out" }
    $Messages / $clock.Elapsed.TotalSeconds
}

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $sorted[[int][Math]::Floor($sorted.Count / 2)]
}

& bash $instance start $postfixDir $postfixPort discard
if ($LASTEXITCODE -ne 0) { throw 'The Postfix reference instance did not start.' }
$server = Start-MailServer -Name bench -Path (Join-Path $work 'store') -CatchAll -Domain example.com -FreePorts
try {
    $ours = @(); $theirs = @(); $ratios = @()
    # Warm-up: JIT, connection setup, Postfix's process pools.
    $null = Measure-Rate $server.Port('smtp'); $null = Measure-Rate $postfixPort
    for ($round = 1; $round -le $Rounds; $round++) {
        $a = Measure-Rate $server.Port('smtp')
        $b = Measure-Rate $postfixPort
        $ours += $a; $theirs += $b; $ratios += $a / $b
        '{0}: MailAdmin {1:N0} msg/s, Postfix {2:N0} msg/s, ratio {3:N2}' -f $round, $a, $b, ($a / $b) | Write-Host
        Clear-MailServerMessage -Server bench -Confirm:$false
    }
    Write-Host ''
    Write-Host ("smtp accept rate, {0} sessions, {1} B messages, {2} per round, median of {3}:" -f $Sessions, $Size, $Messages, $Rounds)
    Write-Host ("  MailAdmin {0:N0} msg/s   Postfix {1:N0} msg/s   ratio (MailAdmin/Postfix) {2:N2}" -f (Get-Median $ours), (Get-Median $theirs), (Get-Median $ratios))
}
finally {
    Stop-MailServer -Name bench
    & bash $instance stop $postfixDir
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
