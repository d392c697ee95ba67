# What an admin sees (issue 13 §5): confirmation texts that name the messages, the clear-text
# password warning, folder separators, one warning per command, the default views at 80 and
# 120 columns.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    $script:lab = Start-ClientLab
    $script:session = Connect-ImapServer -Server $lab.Host -Port $lab.ImapPort -Credential $lab.Credential -Secure None -WarningAction SilentlyContinue
    New-MailMessage -From 'Bob Sender <bob@example.com>' -To $lab.Address -Subject 'quarterly numbers' -Body 'x' | Add-ImapMessage -Session $session
    function Get-HostText([scriptblock] $Script) {
        $file = Join-Path $TestDrive "host-$(Get-Random).txt"
        Start-Transcript -Path $file | Out-Null
        try { & $Script | Out-Null } finally { Stop-Transcript | Out-Null }
        Get-Content $file -Raw
    }
}

AfterAll {
    if ($session) { Disconnect-ImapServer -Session $session }
    Stop-ClientLab $lab
}

Describe '-WhatIf names IMAP messages' {
    It '<_> -WhatIf names subject, sender and date, and the session without user@host@server' -ForEach 'Remove', 'Move', 'Set' {
        $verb = $_
        $text = Get-HostText {
            $found = Get-ImapMessage -Session $session -Subject 'quarterly'
            switch ($verb) {
                'Remove' { $found | Remove-ImapMessage -WhatIf }
                'Move' { $found | Move-ImapMessage -Destination Trash -WhatIf }
                'Set' { $found | Set-ImapMessage -Seen $true -WhatIf }
            }
        }
        $text | Should -Match "'quarterly numbers' from .*bob@example\.com.*\d{4}-\d\d-\d\d \d\d:\d\d"
        $text | Should -Match "as $([regex]::Escape($lab.Address))"
        $text | Should -Not -Match "$([regex]::Escape($lab.Address))@"
        @(Get-ImapMessage -Session $session -Subject 'quarterly').Count | Should -Be 1
    }
}

Describe '-Secure None with a password' {
    It 'warns once per server that the password travels in clear' {
        $server = Start-TestServer -Name "clear-$(Get-Random)" -Extra @{ AllowInsecureAuth = $true }
        try {
            New-MailAccount -Server $server.Name -Address ann@example.com -Password (ConvertTo-TestSecureString $LabPassword) | Out-Null
            $options = @{ Server = '127.0.0.1'; Port = $server.Port('imap'); Credential = $lab.Credential; Secure = 'None' }
            Get-ImapFolder @options -NoStatus -WarningVariable first -WarningAction SilentlyContinue | Out-Null
            Get-ImapFolder @options -NoStatus -WarningVariable second -WarningAction SilentlyContinue | Out-Null
            @($first).Count | Should -Be 1
            "$first" | Should -Match 'clear text'
            @($second).Count | Should -Be 0
        }
        finally { Stop-MailServer -Name $server.Name }
    }
}

Describe 'New-ImapFolder on <Kind>' -ForEach @{ Kind = 'Lab' }, @{ Kind = 'Dovecot' } {
    BeforeAll {
        if ($Kind -eq 'Lab') { $script:peer = $lab } else { $script:peer = Start-DovecotPeer }
        if ($peer) { $script:folderSession = Connect-ImapServer -Server $peer.Host -Port $peer.ImapPort -Credential $peer.Credential -Secure None -WarningAction SilentlyContinue }
    }
    AfterAll {
        if ($folderSession) { Disconnect-ImapServer -Session $folderSession }
        if ($Kind -eq 'Dovecot') { Stop-DovecotPeer $peer }
    }
    It 'writes Year/2026 with the server''s separator, says so, and subscribes the new folders' {
        if (-not $peer) { Set-ItResult -Skipped -Because $PeerSkipReason; return }
        $delimiter = (Get-ImapFolder -Session $folderSession -Folder INBOX -NoStatus).Delimiter
        New-ImapFolder -Session $folderSession -Name Year | Out-Null
        $verbose = New-ImapFolder -Session $folderSession -Name 'Year/2026' -Verbose 4>&1
        $created = $verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $created.FullName | Should -Be "Year${delimiter}2026"
        $created.Subscribed | Should -BeTrue
        if ($delimiter -ne '/') { "$($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -Match "separates folders with '\$delimiter'" }
        (Get-ImapFolder -Session $folderSession -Subscribed -NoStatus).FullName | Should -Contain "Year${delimiter}2026"
    }
}

Describe 'Test-MailServer -TestRelay over several targets' {
    It 'says once that the relay test is SMTP only' {
        $null = Test-MailServer 127.0.0.1, localhost -Protocol Smtp, Imap -Port $lab.SmtpPort -TestRelay -Timeout 5 -WarningVariable warned -WarningAction SilentlyContinue
        @($warned | Where-Object { "$_" -match 'SMTP only' }).Count | Should -Be 1
    }
}
