<#
.SYNOPSIS
    Relay throughput: messages submitted for a remote domain until they are all in the destination
    server, MailAdmin's outbound queue against Postfix relaying the same load, in the same run.
.DESCRIPTION
    The destination is a MailAdmin server B (b.test on 127.0.0.2's neighbour 127.0.0.3, on a
    Maildir store, every 250 after fsync). Postfix's smtp-source submits -Messages messages of
    -Size bytes over -Sessions connections for sink@b.test to:
      - MailAdmin: server A (127.0.0.2, Maildir store) that relays for 127.0.0.0/8 (-RelayNetwork):
        each message is fsynced into A's queue before the 250, then delivered to b.test's MX,
        looked up in a dnsmasq on loopback (MX b.test -> 127.0.0.3);
      - Postfix: a throw-away instance (tests/tools/postfix-instance.sh) with relayhost = B.
    The clock runs from the first submission until B has accepted every message (B's count of
    accepted messages, checked against its mailbox at the end). The ratio is Postfix's time
    divided by ours: 1.0 or more means MailAdmin is as fast or faster.
    Needs root, Debian's postfix (smtp-source comes with it) and dnsmasq.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench
.EXAMPLE
    dotnet pwsh bench/RelayThroughput.ps1 -ModulePath out/MailAdmin/0.1.0/MailAdmin.psd1 -Runs 3
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Messages = 2000,
    [int] $Size = 10240,
    [int] $Sessions = 8,
    [int] $Runs = 1,
    # Messages sent through each path before the measured runs.
    [int] $WarmUp = 500,
    # Seconds to wait for all messages at the destination before giving up on a run.
    [int] $Timeout = 600
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

function Find-Program([string] $Name) {
    $command = Get-Command $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($command) { $command.Source } elseif (Test-Path "/usr/sbin/$Name") { "/usr/sbin/$Name" } else { $null }
}
foreach ($program in 'smtp-source', 'postfix', 'dnsmasq') {
    if (-not (Find-Program $program)) { Write-Host "$program is not installed: relay benchmark skipped."; return }
}
. (Join-Path $PSScriptRoot '../tests/DnsTestHelpers.ps1')

$work = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-relay-bench-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
$instance = Join-Path $PSScriptRoot '../tests/tools/postfix-instance.sh'
$postfixDir = Join-Path $work 'postfix'

# One port free on 127.0.0.1-3: MX records carry no port, so A's deliveries use -DeliveryPort.
function Get-SharedPort {
    foreach ($attempt in 1..50) {
        $port = Get-Random -Minimum 26100 -Maximum 26999
        $listeners = @()
        try {
            foreach ($ip in '127.0.0.1', '127.0.0.2', '127.0.0.3') {
                $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Parse($ip), $port); $l.Start(); $listeners += $l
            }
            return $port
        }
        catch { }
        finally { $listeners | ForEach-Object { $_.Stop() } }
    }
    throw 'No shared free port.'
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $sorted[[int][Math]::Floor($sorted.Count / 2)]
}

# Submits $Count messages to host:port and waits until B has accepted them all; returns seconds.
function Measure-Relay([string] $Target, [int] $Count, [string] $Label) {
    $before = $B.Statistics.Smtp.Messages
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $out = & smtp-source -s $Sessions -l $Size -m $Count -f 'bench@a.test' -t 'sink@b.test' $Target 2>&1
    if ($LASTEXITCODE -ne 0) { throw "smtp-source failed against ${Label}: $out" }
    $submitted = $clock.Elapsed.TotalSeconds
    $deadline = [DateTime]::UtcNow.AddSeconds($Timeout)
    while ($B.Statistics.Smtp.Messages - $before -lt $Count) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "$Label`: only $($B.Statistics.Smtp.Messages - $before) of $Count messages reached B in $Timeout s." }
        Start-Sleep -Milliseconds 20
    }
    $clock.Stop()
    [pscustomobject]@{ Label = $Label; Submitted = $submitted; Total = $clock.Elapsed.TotalSeconds }
}

$port = Get-SharedPort
$postfixPort = Get-SharedPort
$dns = Start-DnsPeer -Records @('--mx-host=b.test,mx.b.test,10', '--host-record=mx.b.test,127.0.0.3')
if (-not $dns) { Write-Host "dnsmasq did not start ($DnsSkipReason): relay benchmark skipped."; return }
$A = $null; $B = $null
try {
    $bStore = Join-Path $work 'b'
    New-MailAccount -Path $bStore -Address sink@b.test -Password (ConvertTo-SecureString 'Sink-Passw0rd' -AsPlainText -Force) | Out-Null
    $B = Start-MailServer -Name relayBenchB -Path $bStore -Domain b.test -IPAddress 127.0.0.3 -SmtpPort $port -FreePorts -MaxConnectionsPerAddress 1000 -MaxConnections 2000
    $A = Start-MailServer -Name relayBenchA -Path (Join-Path $work 'a') -Domain a.test -IPAddress 127.0.0.2 -SmtpPort $port -FreePorts `
        -RelayNetwork 127.0.0.0/8 -DnsServer $dns.Server -DeliveryPort $port -MaxConnectionsPerAddress 1000
    & bash $instance start $postfixDir $postfixPort "127.0.0.3:$port"
    if ($LASTEXITCODE -ne 0) { throw 'The Postfix reference instance did not start.' }

    # Warm-up: JIT (tiered compilation needs a few hundred messages), connection setup, Postfix's process pools.
    $null = Measure-Relay "127.0.0.1:$postfixPort" $WarmUp 'Postfix warm-up'
    $null = Measure-Relay "127.0.0.2:$port" $WarmUp 'MailAdmin warm-up'

    $ours = @(); $theirs = @(); $ratios = @()
    for ($run = 1; $run -le $Runs; $run++) {
        $a = Measure-Relay "127.0.0.2:$port" $Messages 'MailAdmin'
        $p = Measure-Relay "127.0.0.1:$postfixPort" $Messages 'Postfix'
        $ours += $a.Total; $theirs += $p.Total; $ratios += $p.Total / $a.Total
        '{0}: MailAdmin {1:N2} s ({2:N0} msg/s; submitted in {3:N2} s), Postfix {4:N2} s ({5:N0} msg/s; submitted in {6:N2} s), ratio (Postfix time / MailAdmin time) {7:N2}' -f `
            $run, $a.Total, ($Messages / $a.Total), $a.Submitted, $p.Total, ($Messages / $p.Total), $p.Submitted, ($p.Total / $a.Total) | Write-Host
    }
    $stored = @($B.Store.ListMessages('sink@b.test', 'INBOX')).Count
    $expected = 2 * ($WarmUp + $Runs * $Messages)
    if ($stored -ne $expected) { Write-Warning "B's mailbox holds $stored messages, expected $expected (duplicates or losses)." }

    Write-Host ''
    Write-Host ("relay to a remote domain until stored at the destination, {0} messages of {1} B, {2} sessions, median of {3}:" -f $Messages, $Size, $Sessions, $Runs)
    $o = Get-Median $ours; $t = Get-Median $theirs
    Write-Host ("  MailAdmin {0:N2} s ({1:N0} msg/s)   Postfix {2:N2} s ({3:N0} msg/s)   ratio (Postfix time / MailAdmin time) {4:N2}   destination holds {5} of {6}" -f `
            $o, ($Messages / $o), $t, ($Messages / $t), (Get-Median $ratios), $stored, $expected)
}
finally {
    if ($A) { Stop-MailServer -Name relayBenchA }
    if ($B) { Stop-MailServer -Name relayBenchB }
    & bash $instance stop $postfixDir
    Stop-DnsPeer $dns
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
