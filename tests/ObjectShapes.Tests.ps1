# Objects that keep their shape (issue 13 §4): whatever emits an IMAP message emits the
# Get-ImapMessage shape (type name, Uid, Flags, Keywords); POP3 table columns are properties;
# Unprotect-MailMessage's result pipes into the message commands.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    $script:lab = Start-ClientLab
    $script:session = Connect-ImapServer -Server $lab.Host -Port $lab.ImapPort -Credential $lab.Credential -Secure None
    'flag me', 'move me', 'for pop' | ForEach-Object { New-MailMessage -From bob@example.com -To $lab.Address -Subject $_ -Body "body of $_" } |
        Add-ImapMessage -Session $session
    New-ImapFolder -Session $session -Folder Archive | Out-Null
    $script:imapType = 'MailAdmin.Messages.MailMessage#Imap'
}

AfterAll {
    if ($session) { Disconnect-ImapServer -Session $session }
    Stop-ClientLab $lab
}

Describe 'IMAP messages from every command have the Get-ImapMessage shape' {
    It 'Set-ImapMessage -PassThru: type, Uid, the new Flags' {
        $before = Get-ImapMessage -Session $session -Subject 'flag me'
        $after = @($before | Set-ImapMessage -Flagged $true -PassThru)
        $after.Count | Should -Be 1
        $after[0].PSTypeNames[0] | Should -Be $imapType
        $after[0].Uid | Should -Be $before.Uid
        $after[0].Flags | Should -Contain '\Flagged'
        $after[0].PSObject.Properties.Name | Should -Contain 'Keywords'
        ($after[0] | Format-Table | Out-String) | Should -Match 'F'
    }
    It 'Move-ImapMessage -PassThru: the message in its new folder, with its new UID' {
        $moved = @(Get-ImapMessage -Session $session -Subject 'move me' | Move-ImapMessage -Destination Archive -PassThru)
        $moved.Count | Should -Be 1
        $moved[0].PSTypeNames[0] | Should -Be $imapType
        $moved[0].Folder | Should -Be 'Archive'
        $moved[0].Uid | Should -Be (Get-ImapMessage -Session $session -Folder Archive -Subject 'move me').Uid
        $moved[0].PSObject.Properties.Name | Should -Contain 'Flags'
        $moved[0].Origin.Flags | Should -Not -Contain '\Deleted'
    }
    It 'Add-ImapMessage -PassThru and Wait-ImapMessage too' {
        $added = New-MailMessage -From bob@example.com -To $lab.Address -Subject 'added' -Body x | Add-ImapMessage -Session $session -PassThru
        $added.PSTypeNames[0] | Should -Be $imapType
        $added.Uid | Should -BeGreaterThan 0
        # A message appended by another client while Wait-ImapMessage waits.
        $append = "import imaplib,time,sys`ntime.sleep(2)`ni=imaplib.IMAP4('127.0.0.1',$($lab.ImapPort))`ni.login('$($lab.Address)','$LabPassword')`ni.append('INBOX',None,None,b'From: c@example.com\r\nSubject: arrived\r\n\r\nhi\r\n')`ni.logout()"
        $writer = Start-Process python3 -ArgumentList '-c', "`"$($append -replace '"', '\"')`"" -PassThru -NoNewWindow
        try {
            $arrived = @(Wait-ImapMessage -Session $session -WaitTimeout 30)
            $arrived.Count | Should -BeGreaterOrEqual 1
            $arrived[0].PSTypeNames[0] | Should -Be $imapType
            $arrived[0].Subject | Should -Be 'arrived'
            $arrived[0].Uid | Should -BeGreaterThan 0
            $arrived[0].Folder | Should -Be 'INBOX'
        }
        finally { $writer.WaitForExit(20000) | Out-Null }
    }
}

Describe 'POP3 messages' {
    It 'Uid and Number are properties, as the table shows them' {
        $messages = @(Get-Pop3Message -Server $lab.Host -Port $lab.Pop3Port -Credential $lab.Credential -Secure None -HeadersOnly)
        $messages.Count | Should -BeGreaterThan 0
        $selected = $messages | Select-Object Uid, Number, Subject
        $selected[0].Uid | Should -Not -BeNullOrEmpty
        $selected[0].Uid | Should -Be $messages[0].Origin.Uid
        $selected[0].Number | Should -Be 1
    }
}

Describe 'Unprotect-MailMessage results pipe on' {
    BeforeAll {
        $script:openssl = Find-Program 'openssl'
        if ($openssl) {
            $script:certDir = New-TestFolder 'shape-smime'
            $key = Join-Path $certDir 'ann.key'; $crt = Join-Path $certDir 'ann.crt'
            & openssl req -x509 -newkey rsa:2048 -nodes -days 30 -keyout $key -out $crt -subj '/CN=ann/emailAddress=ann@example.com' 2>&1 | Out-Null
            $script:pem = Join-Path $certDir 'ann.pem'
            Set-Content $pem ((Get-Content $crt -Raw) + (Get-Content $key -Raw)) -NoNewline
            Set-Content (Join-Path $certDir 'report.txt') 'the report' -NoNewline
        }
    }
    BeforeEach { if (-not $openssl) { Set-ItResult -Skipped -Because 'openssl is not installed' } }
    It 'into Save-MailAttachment and Export-MailMessage' {
        $signed = New-MailMessage -From ann@example.com -To bob@example.com -Subject 'signed' -Body 'see attached' -Attachments (Join-Path $certDir 'report.txt') |
            Protect-MailMessage -Sign -Certificate $pem
        $out = New-TestFolder 'shape-smime-out'
        $saved = @($signed | Unprotect-MailMessage -SkipCertificateCheck | Save-MailAttachment -Destination $out -PassThru -ErrorAction Stop)
        $saved.Name | Should -Be 'report.txt'
        $signed | Unprotect-MailMessage -SkipCertificateCheck | Export-MailMessage -Path (Join-Path $out 'clear.eml') -ErrorAction Stop
        Get-Content (Join-Path $out 'clear.eml') -Raw | Should -Match 'Subject: signed'
    }
}
