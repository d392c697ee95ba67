# Get-, New-, Rename-, Remove-ImapFolder against our server and Dovecot.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ImapFillHelpers.ps1')
}

Describe 'IMAP folders on <Kind>' -ForEach @{ Kind = 'Lab' }, @{ Kind = 'Dovecot' } {
    BeforeAll {
        $script:peer = Start-ImapPeer $Kind
        if ($peer) {
            Add-ImapTestMessages $peer
            $script:session = Connect-ImapServer -Server $peer.Host -Port $peer.ImapPort -Credential $peer.Credential -Secure None
            $script:delimiter = (Get-ImapFolder -Session $session -Folder INBOX).Delimiter
        }
    }
    AfterAll {
        if ($session) { Disconnect-ImapServer -Session $session }
        Stop-ImapPeer $Kind $peer
    }
    BeforeEach { if (-not $peer) { Set-ItResult -Skipped -Because $PeerSkipReason } }

    It 'lists INBOX first with STATUS counts' {
        $folders = @(Get-ImapFolder -Session $session)
        $folders[0].FullName | Should -Be 'INBOX'
        $folders[0].Messages | Should -Be 3
        $folders[0].Unread | Should -Be 2
        $folders[0].UidNext | Should -BeGreaterThan 3
        $folders[0].UidValidity | Should -BeGreaterThan 0
    }

    It 'creates a tree, shows depth and parent, and counts a filled subfolder' {
        $parent = New-ImapFolder -Session $session -Name Projects
        $parent.FullName | Should -Be 'Projects'
        $childName = "Projects${delimiter}Alpha"
        New-ImapFolder -Session $session -Name $childName | Out-Null
        Add-ImapTestMessages $peer -Folder $childName
        $tree = @(Get-ImapFolder -Session $session -Folder Projects -Recurse)
        $tree.FullName | Should -Be @('Projects', $childName)
        $tree[1].Depth | Should -Be 1
        $tree[1].Parent | Should -Be 'Projects'
        $tree[1].Name | Should -Be 'Alpha'
        $tree[1].Messages | Should -Be 3
        @(Get-ImapFolder -Session $session -Folder Projects).Count | Should -Be 1
        @(Get-ImapFolder -Session $session -Folder 'Pro?ects').Count | Should -Be 1
        @(Get-ImapFolder -Session $session -Folder 'Proj*').Count | Should -Be 2
        Get-ImapMessage -Session $session -Folder $childName -Subject gamma | ForEach-Object Folder | Should -Be $childName
    }

    It '-WhatIf creates, renames and deletes nothing' {
        New-ImapFolder -Session $session -Name WhatIfNew -WhatIf
        Rename-ImapFolder -Session $session -Folder Projects -NewName Renamed -WhatIf
        Remove-ImapFolder -Session $session -Folder Projects -Recurse -WhatIf
        $names = (Get-ImapFolder -Session $session -NoStatus).FullName
        $names | Should -Not -Contain 'WhatIfNew'
        $names | Should -Not -Contain 'Renamed'
        $names | Should -Contain 'Projects'
    }

    It 'renames and removes folders' {
        New-ImapFolder -Session $session -Name Scratch | Out-Null
        (Rename-ImapFolder -Session $session -Folder Scratch -NewName Scratch2 -PassThru).FullName | Should -Be 'Scratch2'
        $names = (Get-ImapFolder -Session $session -NoStatus).FullName
        $names | Should -Contain 'Scratch2'
        $names | Should -Not -Contain 'Scratch'
        Get-ImapFolder -Session $session -Folder Scratch2 | Remove-ImapFolder -Session $session -Confirm:$false
        (Get-ImapFolder -Session $session -NoStatus).FullName | Should -Not -Contain 'Scratch2'
    }

    It 'a missing folder is ImapFolderNotFound for <_>' -ForEach 'Get-ImapFolder', 'Rename-ImapFolder', 'Remove-ImapFolder' {
        $parameters = @{ Session = $session; Folder = 'Missing'; ErrorAction = 'Stop' }
        if ($_ -eq 'Rename-ImapFolder') { $parameters.NewName = 'Other' }
        if ($_ -eq 'Remove-ImapFolder') { $parameters.Confirm = $false }
        { & $_ @parameters } | Should -Throw -ErrorId 'ImapFolderNotFound,*'
    }

    It 'refuses to remove a folder with subfolders, and -Recurse removes the subtree' {
        $child = "Tree${delimiter}Leaf"
        New-ImapFolder -Session $session -Name Tree | Out-Null
        New-ImapFolder -Session $session -Name $child | Out-Null
        { Remove-ImapFolder -Session $session -Folder Tree -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ImapFolderHasSubfolders,*'
        "$((Get-ImapFolder -Session $session -NoStatus).FullName)" | Should -Match ([regex]::Escape($child))
        $transcript = Join-Path $TestDrive "whatif-$Kind.txt"
        Start-Transcript -Path $transcript | Out-Null
        Remove-ImapFolder -Session $session -Folder Tree -Recurse -WhatIf
        Stop-Transcript | Out-Null
        Get-Content $transcript -Raw | Should -Match "subfolder.*$([regex]::Escape($child))"
        "$((Get-ImapFolder -Session $session -NoStatus).FullName)" | Should -Match ([regex]::Escape($child))
        Remove-ImapFolder -Session $session -Folder Tree -Recurse -Confirm:$false -ErrorAction Stop
        $names = (Get-ImapFolder -Session $session -NoStatus).FullName
        $names | Should -Not -Contain 'Tree'
        $names | Should -Not -Contain $child
    }

    It 'removing the folder the session has selected keeps the session' {
        New-ImapFolder -Session $session -Name Selected | Out-Null
        Add-ImapTestMessages $peer -Folder Selected
        @(Get-ImapMessage -Session $session -Folder Selected).Count | Should -Be 3
        Remove-ImapFolder -Session $session -Folder Selected -Confirm:$false -ErrorAction Stop
        $session.IsConnected | Should -BeTrue
        @(Get-ImapMessage -Session $session -Folder INBOX).Count | Should -Be 3
    }

    It '-Subscribed lists only subscribed folders, and New-ImapFolder subscribes what it creates' {
        $all = (Get-ImapFolder -Session $session -NoStatus).FullName
        $subscribed = @(Get-ImapFolder -Session $session -Subscribed -NoStatus)
        $subscribed | ForEach-Object { $_.Subscribed | Should -BeTrue }
        $subscribed.Count | Should -BeLessOrEqual $all.Count
        $subscribed.FullName | Should -Contain 'Projects'
    }

    It 'completes folder names of the session' {
        $line = "Get-ImapMessage -Session `$session -Folder Proj"
        $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $result.CompletionMatches.CompletionText | Should -Contain 'Projects'
        $result.CompletionMatches.CompletionText | Should -Not -Contain 'INBOX'
    }
}

Describe 'Special-use folders on our server' {
    BeforeAll { $script:lab = Start-ClientLab }
    AfterAll { Stop-ClientLab $lab }

    It 'marks Sent, Drafts, Trash and Junk' {
        $session = Connect-ImapServer -Server $lab.Host -Port $lab.ImapPort -Credential $lab.Credential -Secure None
        try {
            $uses = @{}
            Get-ImapFolder -Session $session | ForEach-Object { $uses[$_.FullName] = [string] $_.SpecialUse }
            $uses['Sent'] | Should -Be 'Sent'
            $uses['Drafts'] | Should -Be 'Drafts'
            $uses['Trash'] | Should -Be 'Trash'
            $uses['Junk'] | Should -Be 'Junk'
            $uses['INBOX'] | Should -Be 'None'
        }
        finally { Disconnect-ImapServer -Session $session }
    }
}

Describe 'A folder that vanishes between LIST and STATUS' {
    BeforeAll { $script:fake = Start-FakeServer -Mode imap-vanished -Trigger Gone }
    AfterAll { Stop-FakeServer $fake }
    It 'is one non-terminating error; the other folders are listed' {
        $folders = @(Get-ImapFolder -Server 127.0.0.1 -Port $fake.Port -Credential ([pscredential]::new('a', (ConvertTo-TestSecureString 'b'))) -Secure None -ErrorVariable failed -ErrorAction SilentlyContinue)
        $folders.FullName | Should -Be @('INBOX', 'Archive')
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ImapFolderNotFound*'
        "$failed" | Should -Match "Gone"
    }
}
