# The IMAP commands chained in one pipeline, as admins use them: Get-ImapMessage feeding
# Move-, Copy-, Set-, Remove-ImapMessage and the message commands, on one session.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    $script:lab = Start-ClientLab
    $script:check = Join-Path $PSScriptRoot 'tools/imap_check.py'
    function Get-ServerList([string] $Folder) {
        python3 $check $lab.ImapPort $lab.Address $LabPassword list $Folder | ConvertFrom-Json
    }
    $script:session = Connect-ImapServer -Server $lab.Host -Port $lab.ImapPort -Credential $lab.Credential -Secure None
    $subjects = 'keep one', 'move me 1', 'move me 2', 'flag me', 'delete me', 'copy me'
    $subjects | ForEach-Object {
        New-MailMessage -From bob@example.com -To $lab.Address -Subject $_ -Body "body of $_" -Attachments (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    } | Add-ImapMessage -Session $session
    New-ImapFolder -Session $session -Folder Archive | Out-Null
}

AfterAll {
    if ($session) { Disconnect-ImapServer -Session $session }
    Stop-ClientLab $lab
}

Describe 'Get-ImapMessage | <command>' {
    It 'Move-ImapMessage moves just the matching messages' {
        Get-ImapMessage -Session $session -Subject 'move me' | Move-ImapMessage -Destination Archive
        (Get-ServerList Archive).subject | Sort-Object | Should -Be @('move me 1', 'move me 2')
        (Get-ServerList INBOX).subject | Should -Not -Contain 'move me 1'
        (Get-ServerList INBOX).subject | Should -Contain 'keep one'
    }
    It 'Set-ImapMessage flags what Get-ImapMessage found' {
        Get-ImapMessage -Session $session -Subject 'flag me' | Set-ImapMessage -Flagged $true -Seen $true
        $flags = (Get-ServerList INBOX | Where-Object subject -eq 'flag me').flags
        $flags | Should -Contain '\Flagged'
        $flags | Should -Contain '\Seen'
        (Get-ServerList INBOX | Where-Object subject -eq 'keep one').flags | Should -Not -Contain '\Flagged'
        # and the search for flagged mail now finds it
        (Get-ImapMessage -Session $session -Flagged).Subject | Should -Be 'flag me'
    }
    It 'Remove-ImapMessage removes only what was piped' {
        Get-ImapMessage -Session $session -Subject 'delete me' | Remove-ImapMessage -Confirm:$false
        (Get-ServerList INBOX).subject | Should -Not -Contain 'delete me'
        (Get-ServerList INBOX).subject | Should -Contain 'keep one'
    }
    It 'Copy-ImapMessage -PassThru gives the copies, whose bodies load from the new place' {
        $copies = @(Get-ImapMessage -Session $session -Subject 'copy me' | Copy-ImapMessage -Destination Archive -PassThru)
        $copies.Count | Should -Be 1
        $copies[0].Origin.Folder | Should -Be 'Archive'
        $copies[0].HasBody | Should -BeFalse
        [Text.Encoding]::UTF8.GetString($copies[0].GetBytes()) | Should -Match 'body of copy me'
        (Get-ServerList INBOX).subject | Should -Contain 'copy me'
    }
    It 'Export-MailMessage and Save-MailAttachment load the body once, on the same session' {
        $folder = New-TestFolder 'imap-pipeline-export'
        Get-ImapMessage -Session $session -Subject 'keep one' | Export-MailMessage -Path (Join-Path $folder 'keep.eml')
        Get-Content (Join-Path $folder 'keep.eml') -Raw | Should -Match 'body of keep one'
        $saved = Get-ImapMessage -Session $session -Subject 'keep one' | Save-MailAttachment -Destination $folder -PassThru
        $saved.Name | Should -Be 'ServerTestHelpers.ps1'
    }
    It 'a header-only message from a closed session fails clearly when its body is needed' {
        $other = Connect-ImapServer -Server $lab.Host -Port $lab.ImapPort -Credential $lab.Credential -Secure None
        $message = Get-ImapMessage -Session $other -Subject 'keep one'
        Disconnect-ImapServer -Session $other
        { $message.GetBytes() } | Should -Throw '*closed*'
    }
}

Describe 'Folder completion' {
    It '-Destination completes the folder names of the current session' {
        $result = TabExpansion2 -inputScript 'Move-ImapMessage -Destination Arc' -cursorColumn 'Move-ImapMessage -Destination Arc'.Length
        $result.CompletionMatches.CompletionText | Should -Contain 'Archive'
    }
}
