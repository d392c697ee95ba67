# One-liners with -Server (issue 13 §2): a connection a command opened for itself lives until
# the pipeline is done, so the commands downstream (which finish their batches after it ended)
# still use it; and a message kept after its pipeline loads its body on a new connection, or
# fails without leaving a file behind. Against our server and Dovecot.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    $script:lab = Start-ClientLab
    $script:work = New-TestFolder 'one-liners'
    $script:imap = @{ Server = $lab.Host; Port = $lab.ImapPort; Credential = $lab.Credential; Secure = 'None' }
    $script:pop = @{ Server = $lab.Host; Port = $lab.Pop3Port; Credential = $lab.Credential; Secure = 'None' }
    $subjects = 'keep one', 'move me 1', 'move me 2', 'flag me', 'delete me', 'copy me', 'export me', 'stored body', 'vanishing'
    $subjects | ForEach-Object { New-MailMessage -From bob@example.com -To $lab.Address -Subject $_ -Body "body of $_" } |
        Add-ImapMessage @imap
    New-ImapFolder @imap -Folder Archive | Out-Null
    function Get-Subjects([string] $Folder = 'INBOX') { (Get-ImapMessage @imap -Folder $Folder).Subject }
}

AfterAll { Stop-ClientLab $lab }

Describe 'Get-ImapMessage -Server ... | <command>, on our server' {
    It 'Move-ImapMessage moves what was found' {
        Get-ImapMessage @imap -Subject 'move me' | Move-ImapMessage -Destination Archive -ErrorAction Stop
        Get-Subjects Archive | Sort-Object | Should -Be @('move me 1', 'move me 2')
        Get-Subjects | Should -Not -Contain 'move me 1'
    }
    It 'Set-ImapMessage flags what was found' {
        Get-ImapMessage @imap -Subject 'flag me' | Set-ImapMessage -Flagged $true -ErrorAction Stop
        (Get-ImapMessage @imap -Flagged).Subject | Should -Be 'flag me'
    }
    It 'Remove-ImapMessage removes what was found' {
        Get-ImapMessage @imap -Subject 'delete me' | Remove-ImapMessage -Confirm:$false -ErrorAction Stop
        Get-Subjects | Should -Not -Contain 'delete me'
    }
    It 'Copy-ImapMessage copies what was found' {
        Get-ImapMessage @imap -Subject 'copy me' | Copy-ImapMessage -Destination Archive -ErrorAction Stop
        Get-Subjects Archive | Should -Contain 'copy me'
        Get-Subjects | Should -Contain 'copy me'
    }
    It 'Export-MailMessage loads the bodies it was not given' {
        $file = Join-Path $work 'export-me.eml'
        Get-ImapMessage @imap -Subject 'export me' | Export-MailMessage -Path $file -ErrorAction Stop
        Get-Content $file -Raw | Should -Match 'body of export me'
    }
    It 'the session closes once the pipeline is done' {
        $messages = Get-ImapMessage @imap -Subject 'keep one'
        $messages[0].Origin.Session.IsConnected | Should -BeFalse
    }
}

Describe 'A message kept after its pipeline' {
    It 'loads its body on a new connection with the same options ($x.MimeMessage, Export-MailMessage)' {
        $kept = Get-ImapMessage @imap -Subject 'stored body'
        $kept.HasBody | Should -BeFalse
        $kept.MimeMessage | Should -Not -BeNullOrEmpty
        $kept.MimeMessage.TextBody | Should -Match 'body of stored body'
        $file = Join-Path $work 'stored.eml'
        $again = Get-ImapMessage @imap -Subject 'stored body'
        $again | Export-MailMessage $file -ErrorAction Stop
        Get-Content $file -Raw | Should -Match 'body of stored body'
    }
    It 'fails with a reason, leaves no file, and a retry is not blocked by one' {
        $kept = Get-ImapMessage @imap -Subject 'vanishing'
        Get-ImapMessage @imap -Subject 'vanishing' | Remove-ImapMessage -Confirm:$false
        $file = Join-Path $work 'vanishing.eml'
        $kept | Export-MailMessage $file -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'MailExportBodyUnavailable*'
        "$failed" | Should -Match 'no longer in'
        Test-Path $file | Should -BeFalse
        $kept | Export-MailMessage $file -ErrorVariable again -ErrorAction SilentlyContinue
        $again[0].FullyQualifiedErrorId | Should -BeLike 'MailExportBodyUnavailable*'
    }
    It 'a command given it later says why its session is gone' {
        $kept = Get-ImapMessage @imap -Subject 'keep one'
        $kept | Set-ImapMessage -Seen $true -ErrorVariable failed -ErrorAction SilentlyContinue
        "$failed" | Should -Match 'Get-ImapMessage -Server opened for itself'
        "$failed" | Should -Match 'Connect-ImapServer'
    }
}

Describe 'Get-Pop3Message -Server ... | <command>, on our server' {
    It 'Export-MailMessage loads header-only messages in the pipeline' {
        $folder = Join-Path $work 'pop-split/'
        Get-Pop3Message @pop -HeadersOnly | Select-Object -First 2 | Export-MailMessage -Path $folder -ErrorAction Stop
        @(Get-ChildItem $folder -Filter *.eml).Count | Should -Be 2
        Get-ChildItem $folder -Filter *.eml | ForEach-Object { (Get-Item $_.FullName).Length | Should -BeGreaterThan 0 }
    }
    It 'a kept header-only message loads its body again by UIDL' {
        $kept = @(Get-Pop3Message @pop -HeadersOnly)[0]
        $kept.HasBody | Should -BeFalse
        $kept.GetBytes().Length | Should -BeGreaterThan 0
        $kept.HasBody | Should -BeTrue
    }
}

Describe 'Get-ImapMessage -Server ... | Move-ImapMessage, on Dovecot' {
    BeforeAll {
        $script:dovecot = Start-DovecotPeer
        if ($dovecot) {
            $script:dove = @{ Server = $dovecot.Host; Port = $dovecot.ImapPort; Credential = $dovecot.Credential; Secure = 'None' }
            'move me', 'stay' | ForEach-Object { New-MailMessage -From bob@example.com -To $dovecot.Address -Subject $_ -Body "body of $_" } | Add-ImapMessage @dove
            New-ImapFolder @dove -Folder Archive | Out-Null
        }
    }
    AfterAll { Stop-DovecotPeer $dovecot }
    It 'moves, and a kept message exports' {
        if (-not $dovecot) { Set-ItResult -Skipped -Because $PeerSkipReason; return }
        Get-ImapMessage @dove -Subject 'move me' | Move-ImapMessage -Destination Archive -ErrorAction Stop
        (Get-ImapMessage @dove -Folder Archive).Subject | Should -Be 'move me'
        $kept = Get-ImapMessage @dove -Subject 'stay'
        $file = Join-Path $work 'dovecot-stay.eml'
        $kept | Export-MailMessage $file -ErrorAction Stop
        Get-Content $file -Raw | Should -Match 'body of stay'
    }
}
