<#
.SYNOPSIS
    Dovecot's compliance and stress tester, imaptest, against MailAdmin's IMAP server, with a
    throw-away Dovecot in the same run as the reference.
.DESCRIPTION
    imaptest (github.com/dovecot/imaptest, branch release-2.3) is not part of the repository:
    build it outside (see docs/imap.md, "imaptest") and give its binary with -ImaptestPath or
    $env:IMAPTEST. Without it the script says so and stops.

    1. Scripted tests: every script in imaptest's src/tests/ (next to the binary, or -TestsPath),
       one imaptest run each (test=<script>, with a timeout), against our server and Dovecot.
       A script whose 'capabilities:' header names a capability the server does not advertise
       after login is skipped (imaptest itself refuses to run it); every other script passes or
       fails. A table and the totals are printed.
    2. Stress: imaptest's default random command mix with its state tracking (-Clients clients,
       -Seconds seconds, a mailbox of the run's own on each server, messages appended from the
       scripts' mboxes), against ours, then Dovecot. Reported: commands per second and the ratio,
       and imaptest's complaints sorted into NO/BAD replies, malformed replies and state
       violations. With -LoginsOnly, only LOGIN/LOGOUT (imaptest's "- select=0"): the login rate.
       Our server keeps its verified-credential cache (-AuthCacheTtl, default Start-MailServer's);
       imaptest's clients log in again and again as one user, so after the first login every
       login is a cache hit, as Dovecot's passwd-file {PLAIN} lookup is cheap.

    Our server runs in a pwsh process of its own on a temporary Maildir root; Dovecot through
    tests/tools/dovecot-instance.sh. Everything listens on loopback only. Needs root for Dovecot.
.EXAMPLE
    $env:IMAPTEST = '/work/imaptest-build/src/imaptest'; dotnet pwsh bench/ImapTest.ps1
.EXAMPLE
    dotnet pwsh bench/ImapTest.ps1 -ImaptestPath ~/imaptest/src/imaptest -Script copy, store -SkipStress
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/MailAdmin/0.1.0/MailAdmin.psd1'),
    [string] $ImaptestPath = $env:IMAPTEST,
    # imaptest's scripts; default: src/tests next to the binary (src/imaptest).
    [string] $TestsPath,
    # Stress length in seconds, and its concurrent clients.
    [ValidateRange(1, 3600)] [int] $Seconds = 60,
    [ValidateRange(1, 200)] [int] $Clients = 10,
    # Stress with LOGIN/LOGOUT only: the login rate.
    [switch] $LoginsOnly,
    # Our server's -AuthCacheTtl; '00:00:00' makes every login pay its PBKDF2.
    [TimeSpan] $AuthCacheTtl = [TimeSpan]::FromHours(1),
    # Only the scripts whose names match (wildcards).
    [string[]] $Script = '*',
    [ValidateRange(5, 600)] [int] $ScriptTimeoutSeconds = 60,
    [switch] $SkipScripts,
    [switch] $SkipStress
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'imaptest/Imaptest.Helpers.ps1')

if (-not $ImaptestPath -or -not (Test-Path $ImaptestPath)) {
    Write-Host 'imaptest not found (give -ImaptestPath or $env:IMAPTEST; docs/imap.md says how to build it): imaptest run skipped.'
    return
}
$ImaptestPath = (Resolve-Path $ImaptestPath).Path
if (-not $TestsPath) { $TestsPath = Join-Path (Split-Path $ImaptestPath) 'tests' }
$TestsPath = (Resolve-Path $TestsPath).Path
$ModulePath = (Resolve-Path $ModulePath).Path
$withDovecot = [bool] (Get-Command dovecot -ErrorAction SilentlyContinue)
if (-not $withDovecot) { Write-Host 'dovecot is not installed: the Dovecot reference is left out.' }

$work = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-imaptest-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
$password = 'Bench-Passw0rd'
# ann runs the scripts, bob is their second user (${user2}), stress@ the stress run's own mailbox.
$user = 'ann@example.com'; $user2 = 'bob@example.com'; $stressUser = 'stress@example.com'
$accounts = $user, $user2, $stressUser
$dovecotDir = Join-Path $work 'dovecot'
$dovecotImap = Get-Random -Minimum 30000 -Maximum 40000
$instance = Join-Path $PSScriptRoot '../tests/tools/dovecot-instance.sh'
$portFile = Join-Path $work 'port.txt'

# Our server in a process of its own. Connection limits as high as the Dovecot instance's (1000):
# imaptest's clients reconnect at a high rate, and the run measures the protocol, not the limits.
$serverScript = "Import-Module '$ModulePath'; `$s = Start-MailServer -Name imaptest -Path '$work/store' -Domain example.com -FreePorts -AllowInsecureAuth " +
    "-Disable Smtp, Submission, Smtps, Imaps, Pop3, Pop3s -MaxConnectionsPerAccount 1000 -MaxConnectionsPerAddress 1000 -AuthCacheTtl '$AuthCacheTtl' -WarningAction SilentlyContinue; " +
    "foreach (`$u in '$($accounts -join "','")') { New-MailAccount -Server imaptest -Address `$u -Password (ConvertTo-SecureString '$password' -AsPlainText -Force) | Out-Null }; " +
    "Set-Content -Path '$portFile' -Value `$s.Port('imap'); while (`$true) { Start-Sleep -Seconds 1 }"
$self = [Environment]::ProcessPath
$start = [Diagnostics.ProcessStartInfo]::new($self)
if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $serverScript) { $start.ArgumentList.Add($argument) }
$ours = [Diagnostics.Process]::Start($start)

try {
    if ($withDovecot) {
        & bash $instance start $dovecotDir $dovecotImap (Get-Random -Minimum 40001 -Maximum 50000) $user $password
        if ($LASTEXITCODE -ne 0) { throw 'The Dovecot reference instance did not start.' }
        # The same accounts in Dovecot's passwd-file (it re-reads the file when it changes).
        $first = Get-Content (Join-Path $dovecotDir 'users') -First 1
        Set-Content -Path (Join-Path $dovecotDir 'users') -Value @(foreach ($u in $accounts) { $first.Replace($user, $u) })
    }
    $deadline = [DateTime]::UtcNow.AddSeconds(120)
    while (-not ((Get-Content $portFile -Raw -ErrorAction SilentlyContinue) -match '^\d+') -and -not $ours.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
    if (-not ((Get-Content $portFile -Raw -ErrorAction SilentlyContinue) -match '^\d+')) { throw 'Our server did not start.' }
    $servers = @([pscustomobject]@{ Name = 'MailAdmin'; Port = [int] (Get-Content $portFile -Raw).Trim() })
    if ($withDovecot) { $servers += [pscustomobject]@{ Name = 'Dovecot'; Port = $dovecotImap } }
    foreach ($server in $servers) {
        $server | Add-Member Capabilities (Get-ImapCapability -Port $server.Port -User $user -Password $password)
        Write-Host "$($server.Name) on port $($server.Port) advertises after login: $($server.Capabilities -join ' ')"
    }

    if (-not $SkipScripts) {
        # 'a,b' as one string when called with pwsh -File.
        $patterns = @($Script -split ',' | ForEach-Object Trim | Where-Object { $_ })
        $scripts = @(Get-ChildItem $TestsPath -File | Where-Object { $_.Extension -ne '.mbox' } |
            Where-Object { $name = $_.Name; @($patterns | Where-Object { $name -like $_ }).Count -gt 0 } | Sort-Object Name)
        Write-Host "`nimaptest scripts from ${TestsPath}: $($scripts.Count), one run each (timeout $ScriptTimeoutSeconds s)"
        $rows = @(foreach ($file in $scripts) {
            $header = Get-ImaptestScriptHeader $file.FullName
            $row = [ordered]@{ Script = $file.Name; Needs = $header.Capabilities -join ' ' }
            foreach ($server in $servers) {
                $run = Invoke-Imaptest -Path $ImaptestPath -WorkingDirectory $work -TimeoutSeconds $ScriptTimeoutSeconds -Arguments @(
                    'host=127.0.0.1', "port=$($server.Port)", "user=$user", "user2=$user2", "pass=$password", "test=$($file.FullName)")
                $missing = @($header.Capabilities | Where-Object { $server.Capabilities -notcontains $_ })
                $verdict = Get-ImaptestVerdict $run $missing
                $row[$server.Name] = $verdict.Result
                $row["$($server.Name) detail"] = $verdict.Detail
            }
            [pscustomobject] $row
        })
        $columns = @('Script', 'Needs') + @($servers.Name) + @('MailAdmin detail')
        $rows | Format-Table -Property $columns -AutoSize -Wrap | Out-String -Width 220 | Write-Host
        foreach ($server in $servers) {
            $counts = $rows | Group-Object { $_.($server.Name) } -AsHashTable
            Write-Host ('{0}: {1} pass, {2} fail, {3} skipped (capability not advertised), of {4} scripts' -f $server.Name,
                @($counts['pass']).Where({ $_ }).Count, @($counts['fail']).Where({ $_ }).Count, @($counts['skipped']).Where({ $_ }).Count, $rows.Count)
        }
        $failing = @($rows | Where-Object MailAdmin -EQ 'fail')
        if ($failing) { Write-Host "MailAdmin fails: $($failing.Script -join ', ')" }
        # The reference failing a script says more about imaptest or the script than about us.
        foreach ($row in @($rows | Where-Object { $_.PSObject.Properties['Dovecot'] -and $_.Dovecot -eq 'fail' })) {
            Write-Host "Dovecot fails $($row.Script): $($row.'Dovecot detail')"
        }
    }

    if (-not $SkipStress) {
        $mbox = Join-Path $work 'stress.mbox'
        New-ImaptestStressMbox -TestsPath $TestsPath -Destination $mbox
        $mix = if ($LoginsOnly) { @('-', 'select=0') } else { @() }
        $what = if ($LoginsOnly) { 'LOGIN/LOGOUT only' } else { "imaptest's default random command mix, state tracking on" }
        Write-Host "`nimaptest stress: $Clients clients, $Seconds s, $what; our -AuthCacheTtl $AuthCacheTtl"
        $stress = foreach ($server in $servers) {
            $run = Invoke-Imaptest -Path $ImaptestPath -WorkingDirectory $work -TimeoutSeconds ($Seconds + 90) -Arguments (@(
                'host=127.0.0.1', "port=$($server.Port)", "user=$stressUser", "pass=$password", "mbox=$mbox", "clients=$Clients", "secs=$Seconds") + $mix)
            $result = ConvertFrom-ImaptestStress $run $Seconds
            $result | Add-Member Server $server.Name
            Write-Host "$($server.Name): $($result.Commands) commands ($(@($result.PerCommand.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', '))"
            if (-not $result.Completed) { Write-Host "  imaptest did not finish its run (timed out: $($run.TimedOut)); stderr: $(($run.StdErr -split "`n" | Select-Object -Last 3) -join ' | ')" }
            foreach ($line in $result.TopErrors) { Write-Host "  $line" }
            $result
        }
        $stress | Select-Object Server, CommandsPerSecond, LoginsPerSecond, Errors, ReplyErrors, ProtocolErrors, StateViolations |
            Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        if ($stress.Count -eq 2) {
            $ratioOf = if ($LoginsOnly) { 'LoginsPerSecond' } else { 'CommandsPerSecond' }
            Write-Host ('Ratio MailAdmin/Dovecot ({0}): {1}' -f $ratioOf, [math]::Round($stress[0].$ratioOf / [math]::Max($stress[1].$ratioOf, 0.001), 2))
        }
    }
}
finally {
    if (-not $ours.HasExited) { $ours.Kill() }
    if ($withDovecot) { & bash $instance stop $dovecotDir }
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
