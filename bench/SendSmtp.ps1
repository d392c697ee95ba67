<#
.SYNOPSIS
    Send-SmtpMessage against the built-in Send-MailMessage: the same messages to the same server, in the same run.
.DESCRIPTION
    Each round sends -Messages small messages three ways and times each:
      - pipeline:         New-MailMessage ... | Send-SmtpMessage  (one connection for all)
      - Send-MailMessage: the built-in command, once per message (it connects each time)
      - per call:         Send-SmtpMessage with Send-MailMessage's parameters, once per message
                          (a script migrated by renaming the command, connecting each time)
    The target is our own server in memory (catch-all), running in a separate pwsh process so
    that its work is not charged to the senders, or with -Target Postfix a throw-away Postfix
    instance that queues and discards (tests/tools/postfix-instance.sh; needs root and postfix).
    Both commands send in plain text (no TLS) with no login, as Send-MailMessage does by
    default. The medians over -Rounds are reported, and the ratio Send-MailMessage time / ours.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench
.EXAMPLE
    dotnet pwsh ./bench/SendSmtp.ps1 -ModulePath ./out/MailAdmin/0.1.0/MailAdmin.psd1 -Messages 200 -Rounds 1 -Target Postfix
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Messages = 1000,
    [int] $Rounds = 3,
    [ValidateSet('MailAdmin', 'Postfix')] [string] $Target = 'MailAdmin'
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
Import-Module $ModulePath -Force

$work = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-bench-send-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
$instance = Join-Path $PSScriptRoot '../tests/tools/postfix-instance.sh'
$serverProcess = $null
$postfixDir = $null

# The target server: our own in another pwsh, or Postfix.
if ($Target -eq 'Postfix') {
    if (-not (Get-Command postfix -ErrorAction SilentlyContinue)) { Write-Host 'postfix is not installed: benchmark skipped.'; return }
    $postfixDir = Join-Path $work 'postfix'
    $port = Get-Random -Minimum 20000 -Maximum 30000
    & bash $instance start $postfixDir $port discard
    if ($LASTEXITCODE -ne 0) { throw 'The Postfix instance did not start.' }
}
else {
    $portFile = Join-Path $work 'smtp.port'
    $script = "Import-Module '$ModulePath'; `$s = Start-MailServer -Name bench -InMemory -CatchAll -FreePorts -Disable imap, pop3; " +
        "Set-Content -Path '$portFile' -Value `$s.Port('smtp'); while (`$true) { Start-Sleep -Seconds 1 }"
    $self = [Environment]::ProcessPath
    $start = [Diagnostics.ProcessStartInfo]::new($self)
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $start.ArgumentList.Add($a) }
    $start.RedirectStandardInput = $true
    $serverProcess = [Diagnostics.Process]::Start($start)
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not (Test-Path $portFile) -or -not (Get-Content $portFile)) {
        if ($serverProcess.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw 'The MailAdmin server process did not start.' }
        Start-Sleep -Milliseconds 100
    }
    $port = [int] (Get-Content $portFile)
}

$from = 'bench@remote.test'
$to = 'sink@example.com'
$body = 'A small benchmark message. ' * 20

function Measure-Pipeline([int] $Count, [string] $Tag) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    1..$Count | ForEach-Object { New-MailMessage -From $from -To $to -Subject "$Tag $_" -Body $body } |
        Send-SmtpMessage -Server 127.0.0.1 -Port $port -Secure None -RetryCount 0
    $clock.Elapsed.TotalSeconds
}

function Measure-SendMailMessage([int] $Count, [string] $Tag) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    foreach ($i in 1..$Count) {
        Send-MailMessage -SmtpServer 127.0.0.1 -Port $port -From $from -To $to -Subject "$Tag $i" -Body $body -WarningAction SilentlyContinue
    }
    $clock.Elapsed.TotalSeconds
}

function Measure-PerCall([int] $Count, [string] $Tag) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    foreach ($i in 1..$Count) {
        Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $port -Secure None -From $from -To $to -Subject "$Tag $i" -Body $body -RetryCount 0
    }
    $clock.Elapsed.TotalSeconds
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $sorted[[int][Math]::Floor($sorted.Count / 2)]
}

try {
    # Warm-up: JIT, the first connection, the server's first deliveries.
    $warm = [Math]::Max(1, [Math]::Min(50, [int]($Messages / 10)))
    $null = Measure-Pipeline $warm 'warm'; $null = Measure-SendMailMessage $warm 'warm'; $null = Measure-PerCall $warm 'warm'

    $ours = @(); $builtin = @(); $perCall = @()
    for ($round = 1; $round -le $Rounds; $round++) {
        $a = Measure-Pipeline $Messages "pipe-$round"
        $b = Measure-SendMailMessage $Messages "smm-$round"
        $c = Measure-PerCall $Messages "call-$round"
        $ours += $a; $builtin += $b; $perCall += $c
        '{0}: Send-SmtpMessage pipeline {1:N2} s, Send-MailMessage {2:N2} s, Send-SmtpMessage per call {3:N2} s; ratio (Send-MailMessage / pipeline) {4:N2}' -f `
            $round, $a, $b, $c, ($b / $a) | Write-Host
    }
    $a = Get-Median $ours; $b = Get-Median $builtin; $c = Get-Median $perCall
    Write-Host ''
    Write-Host ("send {0} messages to {1} (127.0.0.1:{2}), median of {3} round(s):" -f $Messages, $Target, $port, $Rounds)
    Write-Host ("  Send-SmtpMessage, one pipeline      {0,7:N2} s  {1,7:N0} msg/s" -f $a, ($Messages / $a))
    Write-Host ("  Send-MailMessage, one call each     {0,7:N2} s  {1,7:N0} msg/s" -f $b, ($Messages / $b))
    Write-Host ("  Send-SmtpMessage, one call each     {0,7:N2} s  {1,7:N0} msg/s" -f $c, ($Messages / $c))
    Write-Host ("  ratio Send-MailMessage / Send-SmtpMessage pipeline  {0:N2}" -f ($b / $a))
    Write-Host ("  ratio Send-MailMessage / Send-SmtpMessage per call  {0:N2}" -f ($b / $c))
}
finally {
    if ($serverProcess -and -not $serverProcess.HasExited) { $serverProcess.Kill(); $serverProcess.WaitForExit(5000) | Out-Null }
    if ($postfixDir) { & bash $instance stop $postfixDir }
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
