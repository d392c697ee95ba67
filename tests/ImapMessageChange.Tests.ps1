# Add-, Copy-, Move-, Remove-, Set-ImapMessage and Wait-ImapMessage against our server and
# Dovecot. Results are checked with Python's imaplib (tests/tools/imap_check.py), a client
# that shares no code with ours.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')

    function New-PythonStart([string[]] $Arguments) {
        $start = [Diagnostics.ProcessStartInfo]::new('python3')
        foreach ($a in $Arguments) { $start.ArgumentList.Add($a) }
        # Never let a child inherit the test's output pipe.
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start
    }

    # Runs imap_check.py against the peer and returns what it printed.
    function Invoke-ImapCheck($Peer, [string[]] $Arguments) {
        $start = New-PythonStart (@((Join-Path $PSScriptRoot 'tools/imap_check.py'), "$($Peer.ImapPort)", $Peer.Address, $LabPassword) + $Arguments)
        $process = [Diagnostics.Process]::Start($start)
        $out = $process.StandardOutput.ReadToEnd(); $err = $process.StandardError.ReadToEnd()
        $process.WaitForExit()
        if ($process.ExitCode -ne 0) { throw "imap_check.py $($Arguments -join ' ') failed: $err" }
        $out.Trim()
    }

    # The folder as imaplib sees it: uid, flags, internaldate, subject per message.
    # \Recent is left out: Dovecot sets it on new mail, our server does not.
    function Get-Listing($Peer, [string] $Folder) {
        @(Invoke-ImapCheck $Peer @('list', $Folder) | ConvertFrom-Json | ForEach-Object { $_.flags = @($_.flags | Where-Object { $_ -ne '\Recent' }); $_ })
    }

    # A new folder (name unique to the test) holding one message per subject: .Uids (subject -> UID), .UidValidity.
    function New-FilledFolder($Peer, [string] $Folder, [string[]] $Subjects) {
        $filled = Invoke-ImapCheck $Peer (@('fill', $Folder) + $Subjects) | ConvertFrom-Json -AsHashtable
        [pscustomobject]@{ Uids = $filled.uids; UidValidity = [uint32] $filled.uidvalidity }
    }

    function New-FolderName([string] $Prefix) { "$Prefix$(Get-Random -Maximum 999999)" }

    # A message as Get-ImapMessage would return it: an ImapOrigin naming session, folder and UID.
    function New-ImapReference($Session, [string] $Folder, [uint32] $Uid, [uint32] $UidValidity) {
        $origin = [MailAdmin.Client.ImapOrigin]::new($Session, $Folder, $Uid, $UidValidity, [string[]]@(), [string[]]@(), $null)
        [MailAdmin.Messages.MailMessage]::FromBytes([Text.Encoding]::ASCII.GetBytes("Subject: ref $Uid`r`n`r`nx`r`n"), $origin)
    }

    # Appends a message after a delay, from another process: "new mail arrives".
    function Start-LaterAppend($Peer, [double] $Seconds, [string] $Folder, [string] $Subject) {
        [Diagnostics.Process]::Start((New-PythonStart @((Join-Path $PSScriptRoot 'tools/imap_check.py'), "$($Peer.ImapPort)", $Peer.Address, $LabPassword, 'append-later', "$Seconds", $Folder, $Subject)))
    }

    function Connect-Peer($Peer) { Connect-ImapServer -Server 127.0.0.1 -Port $Peer.ImapPort -Credential $Peer.Credential -Secure None }
}

Describe 'IMAP message changes against <Kind>' -ForEach @(@{ Kind = 'our server' }, @{ Kind = 'Dovecot' }) {
    BeforeAll {
        $script:lab = $null
        if ($Kind -eq 'our server') {
            $script:lab = Start-ClientLab
            $script:peer = [pscustomobject]@{ ImapPort = $lab.ImapPort; Address = $lab.Address; Credential = $lab.Credential; SmtpPort = $lab.SmtpPort }
            # The lab's in-memory store keeps keywords (PERMANENTFLAGS has \*).
            $script:keepsKeywords = $true
        }
        else {
            $script:peer = Start-DovecotPeer
            $script:keepsKeywords = $true
        }
        $script:session = if ($peer) { Connect-Peer $peer }
    }
    AfterAll {
        if ($session) { Disconnect-ImapServer -Session $session }
        if ($Kind -eq 'our server') { Stop-ClientLab $lab } else { Stop-DovecotPeer $peer }
    }
    BeforeEach {
        if (-not $peer) { Set-ItResult -Skipped -Because $PeerSkipReason }
    }

    Context 'Add-ImapMessage' {
        It 'adds .eml files with flags and keywords, and -PassThru gives the new UIDs' {
            if (-not $peer) { return }
            $folder = New-FolderName 'Add'
            $empty = New-FilledFolder $peer $folder @()
            $dir = New-TestFolder 'add-eml'
            New-MailMessage -From 'carol@example.com' -To 'ann@example.com' -Subject 'from eml' -Body 'hello' | Export-MailMessage -Path (Join-Path $dir 'one.eml')
            $added = Add-ImapMessage -Session $session -Path (Join-Path $dir '*.eml') -Folder $folder -Flags Seen, Flagged -Keyword 'Work' -PassThru
            $listing = Get-Listing $peer $folder
            $listing.Count | Should -Be 1
            $listing[0].subject | Should -Be 'from eml'
            $listing[0].flags | Should -Contain '\Seen'
            $listing[0].flags | Should -Contain '\Flagged'
            if ($keepsKeywords) { $listing[0].flags | Should -Contain 'Work' }
            $added.Origin.Uid | Should -Be $listing[0].uid
            $added.Origin.Folder | Should -Be $folder
            $added.Origin.UidValidity | Should -Be $empty.UidValidity
            $added.Subject | Should -Be 'from eml'
        }

        It 'adds piped messages to INBOX by default; -KeepDate keeps the Date as INTERNALDATE' {
            if (-not $peer) { return }
            $subject = "piped $(Get-Random)"
            $message = New-MailMessage -From 'carol@example.com' -To 'ann@example.com' -Subject $subject -Body 'x'
            # An old Date, so that "now" cannot pass for it.
            $old = [MailAdmin.Messages.MailMessage]::FromBytes([Text.Encoding]::ASCII.GetBytes(
                "From: carol@example.com`r`nTo: ann@example.com`r`nSubject: $subject old`r`nDate: Tue, 03 Feb 2015 04:05:06 +0000`r`n`r`nold`r`n"))
            $message, $old | Add-ImapMessage -Session $session -KeepDate
            $listing = Get-Listing $peer 'INBOX'
            ($listing | Where-Object subject -EQ $subject).flags | Should -BeNullOrEmpty
            ($listing | Where-Object subject -EQ "$subject old").internaldate | Should -BeLike '03-Feb-2015 04:05:06 +0000'
        }

        It '-WhatIf adds nothing' {
            if (-not $peer) { return }
            $folder = New-FolderName 'AddWhatIf'
            New-FilledFolder $peer $folder @() | Out-Null
            New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'no' -Body 'x' | Add-ImapMessage -Session $session -Folder $folder -WhatIf
            Get-Listing $peer $folder | Should -BeNullOrEmpty
        }

        It 'a folder that does not exist is ImapFolderNotFound' {
            if (-not $peer) { return }
            $message = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'lost' -Body 'x'
            $message | Add-ImapMessage -Session $session -Folder 'NoSuchFolder' -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'ImapFolderNotFound,*'
        }
    }

    Context 'Move-ImapMessage and Copy-ImapMessage' {
        It 'moves piped messages: gone from the source, in the destination, the others untouched' {
            if (-not $peer) { return }
            $source = New-FolderName 'MoveSrc'; $target = New-FolderName 'MoveDst'
            $filled = New-FilledFolder $peer $source @('keep one', 'move one', 'move two', 'keep two')
            New-FilledFolder $peer $target @('already there') | Out-Null
            $uv = $filled.UidValidity
            $moved = (New-ImapReference $session $source $filled.Uids['move one'] $uv), (New-ImapReference $session $source $filled.Uids['move two'] $uv) |
                Move-ImapMessage -Destination $target -PassThru -Confirm:$false
            (Get-Listing $peer $source).subject | Sort-Object | Should -Be @('keep one', 'keep two')
            $after = Get-Listing $peer $target
            $after.subject | Sort-Object | Should -Be @('already there', 'move one', 'move two')
            $moved.Count | Should -Be 2
            $moved.Subject | Should -Be @('move one', 'move two')
            $moved[0].Origin.Folder | Should -Be $target
            $moved[0].Origin.Uid | Should -Be ($after | Where-Object subject -EQ 'move one').uid
            # The returned message reads its body from the new place.
            $moved[0].MimeMessage.TextBody | Should -Match 'body of move one'
        }

        It 'moves by -Folder and -Uid, leaving other \Deleted messages alone' {
            if (-not $peer) { return }
            $source = New-FolderName 'MoveUid'; $target = New-FolderName 'MoveUidDst'
            $filled = New-FilledFolder $peer $source @('a', 'b', 'marked')
            New-FilledFolder $peer $target @() | Out-Null
            Invoke-ImapCheck $peer @('delete-flag', $source, "$($filled.Uids['marked'])") | Out-Null
            Move-ImapMessage -Session $session -Folder $source -Uid $filled.Uids['a'] -Destination $target
            (Get-Listing $peer $source).subject | Sort-Object | Should -Be @('b', 'marked')
            (Get-Listing $peer $target).subject | Should -Be 'a'
        }

        It 'copies: the originals stay, -PassThru gives the copies' {
            if (-not $peer) { return }
            $source = New-FolderName 'CopySrc'; $target = New-FolderName 'CopyDst'
            $filled = New-FilledFolder $peer $source @('c1', 'c2')
            $empty = New-FilledFolder $peer $target @()
            $copies = Copy-ImapMessage -Session $session -Folder $source -Uid $filled.Uids['c1'], $filled.Uids['c2'] -Destination $target -PassThru
            (Get-Listing $peer $source).subject | Should -Be @('c1', 'c2')
            $after = Get-Listing $peer $target
            $after.subject | Should -Be @('c1', 'c2')
            $copies.Origin.Uid | Should -Be $after.uid
            $copies.Origin.UidValidity | Select-Object -Unique | Should -Be $empty.UidValidity
        }

        It '-WhatIf moves nothing' {
            if (-not $peer) { return }
            $source = New-FolderName 'MoveWhatIf'; $target = New-FolderName 'MoveWhatIfDst'
            $filled = New-FilledFolder $peer $source @('stay')
            New-FilledFolder $peer $target @() | Out-Null
            Move-ImapMessage -Session $session -Folder $source -Uid $filled.Uids['stay'] -Destination $target -WhatIf
            Copy-ImapMessage -Session $session -Folder $source -Uid $filled.Uids['stay'] -Destination $target -WhatIf
            (Get-Listing $peer $source).subject | Should -Be 'stay'
            Get-Listing $peer $target | Should -BeNullOrEmpty
        }

        It 'a destination that does not exist is ImapFolderNotFound and touches nothing' {
            if (-not $peer) { return }
            $source = New-FolderName 'MoveNowhere'
            $filled = New-FilledFolder $peer $source @('here')
            Move-ImapMessage -Session $session -Folder $source -Uid $filled.Uids['here'] -Destination 'NoSuchFolder' -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'ImapFolderNotFound,*'
            $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            (Get-Listing $peer $source).subject | Should -Be 'here'
        }
    }

    Context 'Remove-ImapMessage' {
        It 'expunges only the messages it removed' {
            if (-not $peer) { return }
            $folder = New-FolderName 'Remove'
            $filled = New-FilledFolder $peer $folder @('remove me', 'marked by someone', 'keep')
            Invoke-ImapCheck $peer @('delete-flag', $folder, "$($filled.Uids['marked by someone'])") | Out-Null
            $uv = $filled.UidValidity
            New-ImapReference $session $folder $filled.Uids['remove me'] $uv | Remove-ImapMessage -Confirm:$false
            $after = Get-Listing $peer $folder
            $after.subject | Sort-Object | Should -Be @('keep', 'marked by someone')
            ($after | Where-Object subject -EQ 'marked by someone').flags | Should -Contain '\Deleted'
        }

        It '-WhatIf removes nothing' {
            if (-not $peer) { return }
            $folder = New-FolderName 'RemoveWhatIf'
            $filled = New-FilledFolder $peer $folder @('safe')
            Remove-ImapMessage -Session $session -Folder $folder -Uid $filled.Uids['safe'] -WhatIf
            $after = Get-Listing $peer $folder
            $after.subject | Should -Be 'safe'
            $after[0].flags | Should -Not -Contain '\Deleted'
        }

        It 'a UID that is not there is ImapMessageNotFound; the others are removed' {
            if (-not $peer) { return }
            $folder = New-FolderName 'RemoveMissing'
            $filled = New-FilledFolder $peer $folder @('real')
            Remove-ImapMessage -Session $session -Folder $folder -Uid $filled.Uids['real'], 4000 -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'ImapMessageNotFound,*'
            $failed[0].TargetObject | Should -Be "$folder;UID=4000"
            Get-Listing $peer $folder | Should -BeNullOrEmpty
        }
    }

    Context 'Set-ImapMessage' {
        It 'sets and clears flags and keywords' {
            if (-not $peer) { return }
            $folder = New-FolderName 'Set'
            $filled = New-FilledFolder $peer $folder @('flag me', 'leave me')
            $uv = $filled.UidValidity
            $changed = New-ImapReference $session $folder $filled.Uids['flag me'] $uv |
                Set-ImapMessage -Seen $true -Flagged $true -AddKeyword 'Work', 'Todo' -PassThru -WarningVariable warned -WarningAction SilentlyContinue
            $after = Get-Listing $peer $folder
            $flags = ($after | Where-Object subject -EQ 'flag me').flags
            foreach ($f in '\Seen', '\Flagged') { $flags | Should -Contain $f }
            ($after | Where-Object subject -EQ 'leave me').flags | Should -BeNullOrEmpty
            $changed.Origin.Flags | Should -Contain '\Flagged'
            if ($keepsKeywords) {
                foreach ($f in 'Work', 'Todo') { $flags | Should -Contain $f }
                $changed.Origin.Keywords | Should -Contain 'Work'
                $warned | Should -BeNullOrEmpty
            }
            else {
                ($warned -join ' ') | Should -Match 'does not keep keywords'
            }

            Set-ImapMessage -Session $session -Folder $folder -Uid $filled.Uids['flag me'] -Seen $false -Answered $true -RemoveKeyword 'Todo' -WarningAction SilentlyContinue
            $flags = (Get-Listing $peer $folder | Where-Object subject -EQ 'flag me').flags
            $flags | Should -Not -Contain '\Seen'
            $flags | Should -Not -Contain 'Todo'
            foreach ($f in '\Flagged', '\Answered') { $flags | Should -Contain $f }
            if ($keepsKeywords) { $flags | Should -Contain 'Work' }
        }

        It '-WhatIf changes nothing' {
            if (-not $peer) { return }
            $folder = New-FolderName 'SetWhatIf'
            $filled = New-FilledFolder $peer $folder @('plain')
            Set-ImapMessage -Session $session -Folder $folder -Uid $filled.Uids['plain'] -Seen $true -WhatIf
            (Get-Listing $peer $folder)[0].flags | Should -BeNullOrEmpty
        }

        It 'asks for something to change' {
            if (-not $peer) { return }
            { Set-ImapMessage -Session $session -Folder INBOX -Uid 1 -ErrorAction Stop } | Should -Throw -ErrorId 'ImapNothingToChange,*'
        }
    }

    Context 'Messages that cannot be acted on' {
        It 'a message that is not on a server is ImapMessageNotOnServer' {
            if (-not $peer) { return }
            $local = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'local' -Body 'x'
            $local | Set-ImapMessage -Seen $true -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'ImapMessageNotOnServer,*'
        }

        It 'a message read before its folder was recreated is ImapUidValidityChanged and stays untouched' {
            if (-not $peer) { return }
            $folder = New-FolderName 'Validity'
            $filled = New-FilledFolder $peer $folder @('old uid')
            $stale = New-ImapReference $session $folder $filled.Uids['old uid'] ($filled.UidValidity + 1)
            $stale | Remove-ImapMessage -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'ImapUidValidityChanged,*'
            (Get-Listing $peer $folder).subject | Should -Be 'old uid'
        }
    }

    Context 'Wait-ImapMessage' {
        It 'wakes within a couple of seconds when a message is appended, and returns only it' {
            if (-not $peer) { return }
            $subject = "arrives $(Get-Random)"
            $writer = Start-LaterAppend $peer 1.5 'INBOX' $subject
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $arrived = @(Wait-ImapMessage -Session $session -WaitTimeout 30)
            $clock.Stop()
            $writer.WaitForExit()
            $arrived.Count | Should -Be 1
            $arrived[0].Subject | Should -Be $subject
            $arrived[0].HasBody | Should -BeFalse
            $arrived[0].Origin.Folder | Should -Be 'INBOX'
            $arrived[0].Origin.Uid | Should -Be ((Get-Listing $peer 'INBOX' | Where-Object subject -EQ $subject).uid)
            $arrived[0].MimeMessage.TextBody | Should -Match "body of $subject"
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 4.5
        }

        It 'returns nothing and an ImapWaitTimeout error when -WaitTimeout passes, as Get-MailServerMessage -Wait does' {
            if (-not $peer) { return }
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $arrived = Wait-ImapMessage -Session $session -WaitTimeout 2 -ErrorVariable waited -ErrorAction SilentlyContinue
            $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $arrived | Should -BeNullOrEmpty
            $waited[0].FullyQualifiedErrorId | Should -BeLike 'ImapWaitTimeout*'
            $waited[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        }

        It '-Subject ignores other mail' {
            if (-not $peer) { return }
            $noise = Start-LaterAppend $peer 0.5 'INBOX' 'noise'
            $wanted = Start-LaterAppend $peer 2 'INBOX' 'wanted report'
            $arrived = @(Wait-ImapMessage -Session $session -Subject 'wanted' -WaitTimeout 30)
            $noise.WaitForExit(); $wanted.WaitForExit()
            $arrived.Subject | Should -Be 'wanted report'
        }

        It 'stops within a second on Ctrl+C' {
            if (-not $peer) { return }
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', $modulePath).Invoke()
                # The import runs on its own, not as a batch statement: a stopped batch's work item can outlive
                # Stop() and crash the process when the runspace is disposed (a PowerShell race).
                $ps.Commands.Clear()
                $null = $ps.AddCommand('Wait-ImapMessage').AddParameter('Server', '127.0.0.1').AddParameter('Port', $peer.ImapPort).
                    AddParameter('Credential', $peer.Credential).AddParameter('Secure', 'None').AddParameter('WaitTimeout', 120)
                $async = $ps.BeginInvoke()
                Start-Sleep -Seconds 2
                $async.IsCompleted | Should -BeFalse -Because 'it must still be waiting when stopped'
                $clock = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $clock.Elapsed.TotalMilliseconds | Should -BeLessThan 1000
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            finally { $ps.Dispose() }
        }
    }
}

Describe 'Wait-ImapMessage wakes on an SMTP delivery to our server' {
    BeforeAll { $script:lab = Start-ClientLab }
    AfterAll { Stop-ClientLab $lab }

    It 'returns the delivered message within a couple of seconds' {
        $subject = "delivered $(Get-Random)"
        $script = @"
import smtplib, sys, time
time.sleep(1.5)
with smtplib.SMTP('127.0.0.1', $($lab.SmtpPort), timeout=10) as s:
    s.sendmail('bob@example.org', ['ann@example.com'], b'From: bob@example.org\r\nTo: ann@example.com\r\nSubject: $subject\r\n\r\nhi\r\n')
"@
        $sender = [Diagnostics.Process]::Start((New-PythonStart @('-c', $script)))
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $arrived = @(Wait-ImapMessage -Server 127.0.0.1 -Port $lab.ImapPort -Credential $lab.Credential -Secure None -WaitTimeout 30)
        $clock.Stop()
        $sender.WaitForExit()
        $sender.ExitCode | Should -Be 0 -Because $sender.StandardError.ReadToEnd()
        $arrived.Subject | Should -Be $subject
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 4.5
    }
}

# Dovecot told to announce neither IDLE nor MOVE nor UIDPLUS (imap_capability): the fallbacks
# run against a real server.
Describe 'Fallbacks on a server without IDLE, MOVE and UIDPLUS (Dovecot)' {
    BeforeAll {
        $script:peer = Start-DovecotPeer
        if ($peer) {
            Add-Content (Join-Path $peer.Dir 'dovecot.conf') "`nprotocol imap {`n  imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE NAMESPACE CHILDREN`n}`n"
            & doveadm -c (Join-Path $peer.Dir 'dovecot.conf') reload
            Start-Sleep -Milliseconds 500
            $script:session = Connect-Peer $peer
        }
    }
    AfterAll {
        if ($session) { Disconnect-ImapServer -Session $session }
        Stop-DovecotPeer $peer
    }
    BeforeEach {
        if (-not $peer) { Set-ItResult -Skipped -Because $PeerSkipReason }
    }

    It 'the session sees none of the three' {
        if (-not $peer) { return }
        $session.Capabilities | Should -Not -Contain 'IDLE'
        $session.Capabilities | Should -Not -Contain 'MOVE'
        $session.Capabilities | Should -Not -Contain 'UIDPLUS'
    }

    It 'Wait-ImapMessage polls (NOOP, no IDLE) and wakes on new mail' {
        if (-not $peer) { return }
        $subject = "polled $(Get-Random)"
        $writer = Start-LaterAppend $peer 1.5 'INBOX' $subject
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $arrived = @(Wait-ImapMessage -Session $session -PollInterval 1 -WaitTimeout 30 -Verbose 4>&1)
        $clock.Stop()
        $writer.WaitForExit()
        $verbose = ($arrived | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n"
        $messages = @($arrived | Where-Object { $_ -is [MailAdmin.Messages.MailMessage] })
        $messages.Subject | Should -Be $subject
        $verbose | Should -Match 'NOOP'
        $verbose | Should -Not -Match 'IDLE'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
    }

    It 'Move-ImapMessage copies and expunges just the moved message when no other is \Deleted' {
        if (-not $peer) { return }
        $source = New-FolderName 'FbMove'; $target = New-FolderName 'FbMoveDst'
        $filled = New-FilledFolder $peer $source @('go', 'stay')
        New-FilledFolder $peer $target @() | Out-Null
        Move-ImapMessage -Session $session -Folder $source -Uid $filled.Uids['go'] -Destination $target -Verbose 4>&1 |
            ForEach-Object Message | Should -Not -Match 'UID MOVE|UID EXPUNGE'
        (Get-Listing $peer $source).subject | Should -Be 'stay'
        (Get-Listing $peer $target).subject | Should -Be 'go'
    }

    It 'Remove-ImapMessage leaves its messages marked, and warns, when another message is \Deleted' {
        if (-not $peer) { return }
        $folder = New-FolderName 'FbRemove'
        $filled = New-FilledFolder $peer $folder @('remove me', 'marked by someone')
        Invoke-ImapCheck $peer @('delete-flag', $folder, "$($filled.Uids['marked by someone'])") | Out-Null
        Remove-ImapMessage -Session $session -Folder $folder -Uid $filled.Uids['remove me'] -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        ($warned -join ' ') | Should -Match 'lacks UIDPLUS'
        $after = Get-Listing $peer $folder
        $after.subject | Sort-Object | Should -Be @('marked by someone', 'remove me')
        ($after | Where-Object subject -EQ 'remove me').flags | Should -Contain '\Deleted'
    }
}
