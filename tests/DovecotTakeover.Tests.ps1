# Issue 14 §3: a store Dovecot can take over unchanged, and the other way round. Our server and a
# throw-away Dovecot (tests/tools/dovecot-instance.sh) on the same Maildirs; Python's imaplib asks
# both for UID FETCH 1:* (FLAGS) and STATUS (UIDVALIDITY UIDNEXT): the answers must be the same.
# FLAGS carries the keywords too (dovecot-keywords and the letters in file names).
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:reason = ''
    if (-not (Find-Program dovecot)) { $script:reason = 'dovecot is not installed' }
    elseif (-not (Find-Program python3)) { $script:reason = 'python3 is not installed' }
    elseif ((id -u) -ne '0') { $script:reason = 'the Dovecot instance needs root' }
    $script:tool = Join-Path $PSScriptRoot 'tools/imap_share_check.py'
    $script:instance = Join-Path $PSScriptRoot 'tools/dovecot-instance.sh'
    $script:user = 'ann@example.com'
    $script:password = 'Ann-Passw0rd'

    function New-SharedRoot {
        $root = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-share-$([guid]::NewGuid().ToString('n'))"
        New-Item -ItemType Directory -Path $root | Out-Null
        $root
    }

    # Dovecot's mail processes run as 'mail' (it refuses root): the Maildirs must be theirs.
    function Grant-DovecotAccess([string] $Root) { & chown -R mail:mail $Root }

    function Start-SharedDovecot([string] $Root) {
        $dir = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-dovecot-$([guid]::NewGuid().ToString('n'))"
        $port = Get-Random -Minimum 31000 -Maximum 39000
        $env:DOVECOT_MAIL_LOCATION = "maildir:$Root/%u"
        try { & bash $instance start $dir $port ($port + 1) $user $password 2>&1 | Write-Host }
        finally { Remove-Item Env:DOVECOT_MAIL_LOCATION }
        if ($LASTEXITCODE -ne 0) { throw 'the Dovecot instance did not start' }
        [pscustomobject]@{ Dir = $dir; Port = $port }
    }

    # Stops it and returns what it logged as errors (a dovecot-uidlist it found corrupted, a lock it had to break).
    function Stop-SharedDovecot($Dovecot) {
        & bash $instance stop $Dovecot.Dir
        $log = Join-Path $Dovecot.Dir 'dovecot.log'
        $errors = if (Test-Path $log) { @(Get-Content $log | Where-Object { $_ -match 'Error:|Panic:|Fatal:|corrupt' }) } else { @() }
        Remove-Item -Recurse -Force $Dovecot.Dir -ErrorAction SilentlyContinue
        , $errors
    }

    function Start-SharedServer([string] $Root) {
        $server = Start-TestServer -Path $Root -Extra @{ AllowInsecureAuth = $true }
        if (-not (Get-MailAccount -Server $server.Name -Address $user -ErrorAction SilentlyContinue)) {
            New-MailAccount -Server $server.Name -Address $user -Password (ConvertTo-TestSecureString $password) | Out-Null
        }
        $server
    }

    function Invoke-Share([string] $Action, [int] $Port, [string[]] $More = @()) {
        $output = & python3 $tool $Action 127.0.0.1 $Port $user $password @More 2>&1
        if ($LASTEXITCODE -ne 0) { throw "imap_share_check.py $Action on port $Port failed: $($output -join "`n")" }
        $output -join "`n"
    }
}

Describe 'Dovecot and this server on one Maildir' {
    It 'Dovecot takes over a store this server wrote, with the same UIDs, UIDVALIDITY, flags and keywords' {
        if ($reason) { Set-ItResult -Skipped -Because $reason; return }
        $root = New-SharedRoot
        $server = Start-SharedServer $root
        try {
            Invoke-Share fill $server.Port('imap') | Out-Null
            $ours = Invoke-Share state $server.Port('imap')
        }
        finally { Stop-MailServer -Name $server.Name }
        Grant-DovecotAccess $root
        $dovecot = Start-SharedDovecot $root
        try { $theirs = Invoke-Share state $dovecot.Port }
        finally { $dovecotErrors = Stop-SharedDovecot $dovecot }
        $dovecotErrors | Should -BeNullOrEmpty
        ($ours | ConvertFrom-Json).messages | Should -Be 5
        ($ours | ConvertFrom-Json).flags.'1' | Should -Be @('$Label1', 'Project-X', '\Flagged', '\Seen')
        $theirs | Should -Be $ours
        Remove-Item -Recurse -Force $root
    }

    It 'this server takes over a store Dovecot wrote, with the same UIDs, UIDVALIDITY, flags and keywords' {
        if ($reason) { Set-ItResult -Skipped -Because $reason; return }
        $root = New-SharedRoot
        Grant-DovecotAccess $root
        $dovecot = Start-SharedDovecot $root
        try {
            Invoke-Share fill $dovecot.Port | Out-Null
            $theirs = Invoke-Share state $dovecot.Port
        }
        finally { $dovecotErrors = Stop-SharedDovecot $dovecot }
        $dovecotErrors | Should -BeNullOrEmpty
        $server = Start-SharedServer $root
        try { $ours = Invoke-Share state $server.Port('imap') }
        finally { Stop-MailServer -Name $server.Name }
        ($theirs | ConvertFrom-Json).messages | Should -Be 5
        ($theirs | ConvertFrom-Json).flags.'1' | Should -Be @('$Label1', 'Project-X', '\Flagged', '\Seen')
        $ours | Should -Be $theirs
        Remove-Item -Recurse -Force $root
    }

    It 'both at once: concurrent APPENDs get distinct UIDs both agree on' {
        if ($reason) { Set-ItResult -Skipped -Because $reason; return }
        $root = New-SharedRoot
        $server = Start-SharedServer $root
        $dovecot = $null
        try {
            Grant-DovecotAccess $root
            $dovecot = Start-SharedDovecot $root
            $jobs = @(
                Start-ThreadJob { param($t, $p, $u, $w) & python3 $t append 127.0.0.1 $p $u $w 25 ours 2>&1; $LASTEXITCODE } -ArgumentList $tool, $server.Port('imap'), $user, $password
                Start-ThreadJob { param($t, $p, $u, $w) & python3 $t append 127.0.0.1 $p $u $w 25 dovecot 2>&1; $LASTEXITCODE } -ArgumentList $tool, $dovecot.Port, $user, $password
            )
            $results = $jobs | Wait-Job -Timeout 120 | Receive-Job
            $jobs | Remove-Job -Force
            $results | Where-Object { $_ -is [int] } | Should -Be @(0, 0)
            $ours = Invoke-Share state $server.Port('imap') | ConvertFrom-Json -AsHashtable
            $theirs = Invoke-Share state $dovecot.Port | ConvertFrom-Json -AsHashtable
        }
        finally {
            if ($dovecot) { $dovecotErrors = Stop-SharedDovecot $dovecot }
            Stop-MailServer -Name $server.Name
        }
        $dovecotErrors | Should -BeNullOrEmpty
        $ours.messages | Should -Be '50'
        $ours.flags.Count | Should -Be 50
        ($ours | ConvertTo-Json -Compress) | Should -Be ($theirs | ConvertTo-Json -Compress)
        $lines = Get-Content (Join-Path $root "$user/dovecot-uidlist") | Select-Object -Skip 1
        $uids = $lines | ForEach-Object { [int]($_ -split ' ')[0] }
        ($uids | Select-Object -Unique).Count | Should -Be $uids.Count
        Remove-Item -Recurse -Force $root
    }
}
