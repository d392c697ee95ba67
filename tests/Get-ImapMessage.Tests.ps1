# Get-ImapMessage against our server and Dovecot: each search parameter, -First/-Last, the
# lazy body, -IncludeBody, errors.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ImapFillHelpers.ps1')
}

Describe 'Get-ImapMessage against <Kind>' -ForEach @{ Kind = 'Lab' }, @{ Kind = 'Dovecot' } {
    BeforeAll {
        $script:peer = Start-ImapPeer $Kind
        if ($peer) {
            Add-ImapTestMessages $peer
            $script:log = Join-Path (New-TestFolder "get-imap-$Kind") 'imap.log'
            $script:session = Connect-ImapServer -Server $peer.Host -Port $peer.ImapPort -Credential $peer.Credential -Secure None -LogPath $log
        }
        function Subjects { param([Parameter(ValueFromPipeline)] $m) end { @($input | ForEach-Object Subject | Sort-Object) -join ',' } }
    }
    AfterAll {
        if ($session) { Disconnect-ImapServer -Session $session }
        Stop-ImapPeer $Kind $peer
    }
    BeforeEach { if (-not $peer) { Set-ItResult -Skipped -Because $PeerSkipReason } }

    It 'lists the whole inbox in UID order, as #Imap messages' {
        $all = @(Get-ImapMessage -Session $session)
        $all.Subject | Should -Be @('alpha report', 'beta', 'gamma')
        $all[0].PSTypeNames[0] | Should -Be 'MailAdmin.Messages.MailMessage#Imap'
        $all[0].Uid | Should -BeLessThan $all[1].Uid
        $all[0].Folder | Should -Be 'INBOX'
        $all[0].Flags | Should -Contain '\Seen'
        $all[1].Flags | Should -Contain '\Flagged'
        $all[2].InternalDate.Year | Should -Be 2025
    }

    It 'searches with -<Name>' -ForEach @(
        @{ Name = 'From';    Value = 'alice';        Expected = 'alpha report,gamma' }
        @{ Name = 'To';      Value = 'dave';         Expected = 'beta' }
        @{ Name = 'Subject'; Value = 'beta';         Expected = 'beta' }
        @{ Name = 'Body';    Value = 'cherry';       Expected = 'gamma' }
        @{ Name = 'Since';   Value = [datetime] '2024-01-01'; Expected = 'gamma' }
        @{ Name = 'Before';  Value = [datetime] '2021-01-01'; Expected = 'alpha report' }
        @{ Name = 'Unread';  Value = $true;          Expected = 'beta,gamma' }
        @{ Name = 'Flagged'; Value = $true;          Expected = 'beta' }
        @{ Name = 'Larger';  Value = 3000;           Expected = 'beta' }
        @{ Name = 'Smaller'; Value = 3000;           Expected = 'alpha report,gamma' }
        @{ Name = 'Query';   Value = 'OR SUBJECT alpha SUBJECT gamma'; Expected = 'alpha report,gamma' }
    ) {
        $parameters = @{ Session = $session; $Name = $Value }
        Get-ImapMessage @parameters | Subjects | Should -Be $Expected
    }

    It 'searches with -Uid, and ANDs the criteria with a raw -Query' {
        $beta = Get-ImapMessage -Session $session -Subject beta
        Get-ImapMessage -Session $session -Uid $beta.Uid | Subjects | Should -Be 'beta'
        Get-ImapMessage -Session $session -From alice -Query 'NOT SEEN' | Subjects | Should -Be 'gamma'
    }

    It '-First and -Last keep the oldest and newest matches' {
        Get-ImapMessage -Session $session -First 2 | Subjects | Should -Be 'alpha report,beta'
        Get-ImapMessage -Session $session -Last 1 | Subjects | Should -Be 'gamma'
        Get-ImapMessage -Session $session -From alice -Last 1 | Subjects | Should -Be 'gamma'
    }

    It 'fetches headers only, reads headers and route without a body fetch, and fetches the body once when needed' {
        $bodyFetches = { @(Get-Content $log | Where-Object { $_ -match '^\S+ \S+ C: \S+ UID FETCH .*BODY\.PEEK\[\]' }).Count }
        $before = & $bodyFetches
        $beta = Get-ImapMessage -Session $session -Subject beta
        $beta.HasBody | Should -BeFalse
        $beta.AttachmentCount | Should -Be 1
        ($beta | Get-MailHeader -Name Subject).Value | Should -Be 'beta'
        $null = $beta | Get-MailRoute
        $beta.HasBody | Should -BeFalse
        (& $bodyFetches) | Should -Be $before
        $folder = New-TestFolder "lazy-$Kind"
        $beta | Save-MailAttachment -Destination $folder
        Join-Path $folder 'data.bin' | Should -Exist
        $beta.HasBody | Should -BeTrue
        (& $bodyFetches) | Should -Be ($before + 1)
        $beta.MimeMessage.TextBody | Should -Match 'banana'
        (& $bodyFetches) | Should -Be ($before + 1)
    }

    It '-IncludeBody fetches whole messages in the batch' {
        $all = @(Get-ImapMessage -Session $session -IncludeBody -BatchSize 2)
        $all.Count | Should -Be 3
        $all | ForEach-Object { $_.HasBody | Should -BeTrue }
        $all[2].MimeMessage.TextBody | Should -Match 'cherry'
    }

    It 'batches smaller than the folder still return every message once' {
        (Get-ImapMessage -Session $session -BatchSize 1 | Subjects) | Should -Be 'alpha report,beta,gamma'
    }

    It 'a missing folder is ImapFolderNotFound' {
        { Get-ImapMessage -Session $session -Folder 'No such folder' -ErrorAction Stop } | Should -Throw -ErrorId 'ImapFolderNotFound,*'
    }
}

Describe 'Get-ImapMessage when the server closes the connection' {
    It 'a connection closed during FETCH is ImapConnectionLost' {
        $fake = Start-FakeServer -Mode imap-close-on -Trigger FETCH
        try {
            { Get-ImapMessage -Server 127.0.0.1 -Port $fake.Port -Credential ([pscredential]::new('x', (ConvertTo-TestSecureString 'y'))) -Secure None -ErrorAction Stop } |
                Should -Throw -ErrorId 'ImapConnectionLost,*'
        }
        finally { Stop-FakeServer $fake }
    }
}
