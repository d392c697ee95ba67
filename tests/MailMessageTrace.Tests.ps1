# Get-MailMessageTrace: the steps of real messages sent to a running server, in memory, in a
# store folder (surviving a restart) and next to -LogPath.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:password = ConvertTo-TestSecureString 'Trace-Passw0rd'
    function Send-Local($Server, [string] $From, [string] $To, [string] $Subject) {
        $sent = Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $Server.Port('smtp') -Secure None -From $From -To $To -Subject $Subject -Body 'trace test' -PassThru
        $null = Get-MailServerMessage -Server $Server.Name -Subject $Subject -Wait -Timeout 10
        $sent
    }
}

Describe 'Get-MailMessageTrace on an in-memory server' {
    BeforeAll {
        $script:server = Start-TestServer -Name trace-mem
        New-MailAccount -Server $server.Name -Address ann@example.com -Password $password | Out-Null
        New-MailAccount -Server $server.Name -Address dora@example.com -Password $password | Out-Null
        $script:first = Send-Local $server 'bob@example.com' 'ann@example.com' 'trace one'
        $script:second = Send-Local $server 'carl@example.com' 'dora@example.com' 'trace two'
    }
    AfterAll { Get-MailServer | Stop-MailServer }

    It 'shows Received and then Delivered for a local delivery, with sender, recipient and Message-ID' {
        $events = @(Get-MailMessageTrace -Server $server.Name -MessageId $first.MessageId)
        $events.Status | Should -Contain ([MailAdmin.Delivery.MessageTraceStatus]::Received)
        $events.Status | Should -Contain ([MailAdmin.Delivery.MessageTraceStatus]::Delivered)
        foreach ($e in $events) {
            $e.Sender | Should -Be 'bob@example.com'
            $e.Recipient | Should -Be 'ann@example.com'
            $e.MessageId | Should -Be $first.MessageId.Trim('<', '>')
            $e.QueueId | Should -Not -BeNullOrEmpty
        }
        # Newest first: the delivery is listed above the receipt.
        [array]::IndexOf(@($events.Status), [MailAdmin.Delivery.MessageTraceStatus]::Delivered) |
            Should -BeLessThan ([array]::IndexOf(@($events.Status), [MailAdmin.Delivery.MessageTraceStatus]::Received))
    }

    It 'takes the Message-ID from piped messages (Send-SmtpMessage -PassThru, Get-MailServerMessage)' {
        # A sent message's own Server property (the host it went to) must not be taken for -Server.
        @($first | Get-MailMessageTrace -Server $server.Name).Count | Should -Be 2
        @($first | Get-MailMessageTrace).Count | Should -Be 2
        @(Get-MailServerMessage -Server $server.Name -Account dora@example.com | Get-MailMessageTrace).Recipient | Sort-Object -Unique | Should -Be 'dora@example.com'
    }

    It 'lists every event newest first' {
        $all = @(Get-MailMessageTrace -Server $server.Name)
        $all.Count | Should -BeGreaterOrEqual 4
        for ($i = 1; $i -lt $all.Count; $i++) { $all[$i - 1].Timestamp | Should -BeGreaterOrEqual $all[$i].Timestamp }
        $all[0].Sender | Should -Be 'carl@example.com'
    }

    It 'takes the Message-ID with or without angle brackets' {
        $bare = $first.MessageId.Trim('<', '>')
        @(Get-MailMessageTrace -MessageId "<$bare>").Count | Should -Be @(Get-MailMessageTrace -MessageId $bare).Count
        @(Get-MailMessageTrace -MessageId "<$bare>").Count | Should -BeGreaterOrEqual 2
    }

    It 'filters by -Status, -Recipient and -Sender (wildcards) and by time' {
        $delivered = @(Get-MailMessageTrace -Status Delivered)
        $delivered.Count | Should -Be 2
        $delivered.Status | Sort-Object -Unique | Should -Be 'Delivered'
        @(Get-MailMessageTrace -Recipient 'DORA@*').Recipient | Sort-Object -Unique | Should -Be 'dora@example.com'
        @(Get-MailMessageTrace -Sender 'carl*' -Status Received).Count | Should -Be 1
        Get-MailMessageTrace -Recipient '*@nowhere.test' | Should -BeNullOrEmpty
        Get-MailMessageTrace -Start (Get-Date).AddMinutes(5) | Should -BeNullOrEmpty
        @(Get-MailMessageTrace -Start (Get-Date).AddMinutes(-5) -End (Get-Date).AddMinutes(5)).Count | Should -BeGreaterOrEqual 4
    }

    It 'stops at -ResultSize with a warning' {
        $events = @(Get-MailMessageTrace -ResultSize 1 -WarningVariable warned -WarningAction SilentlyContinue)
        $events.Count | Should -Be 1
        "$warned" | Should -BeLike '*-ResultSize*'
    }

    It 'pipes to Export-Csv and Format-Table' {
        $csv = Join-Path (New-TestFolder 'trace-csv') 'trace.csv'
        Get-MailMessageTrace -MessageId $second.MessageId | Export-Csv -Path $csv -NoTypeInformation
        $rows = @(Import-Csv $csv)
        $rows.Count | Should -BeGreaterOrEqual 2
        $rows[0].PSObject.Properties.Name | Should -Contain 'Timestamp'
        $rows.Sender | Sort-Object -Unique | Should -Be 'carl@example.com'
        $rows.Status | Should -Contain 'Delivered'
        $table = Get-MailMessageTrace -MessageId $second.MessageId | Format-Table | Out-String -Width 120
        $table | Should -Match 'Delivered\s+carl@example.com\s+dora@example.com'
    }
}

Describe 'The message trace file of a store' {
    AfterEach { Get-MailServer | Stop-MailServer }

    It 'is written in the store root and read again after a restart' {
        $store = New-TestFolder 'trace-store'
        $server = Start-TestServer -Name trace-disk -Path $store
        New-MailAccount -Server $server.Name -Address ann@example.com -Password $password | Out-Null
        $before = Send-Local $server 'bob@example.com' 'ann@example.com' 'before restart'
        Stop-MailServer -Name trace-disk
        $file = Join-Path $store 'message-trace.jsonl'
        $file | Should -Exist
        $lines = @(Get-Content $file)
        $lines.Count | Should -BeGreaterOrEqual 2
        ($lines[0] | ConvertFrom-Json).Status | Should -Be 'Received'

        $server = Start-TestServer -Name trace-disk -Path $store
        (Get-MailAccount -Server $server.Name).Address | Should -Contain 'ann@example.com' # the store root still holds only accounts
        @(Get-MailMessageTrace -Server trace-disk -MessageId $before.MessageId -Status Delivered).Count | Should -Be 1
        $after = Send-Local $server 'carl@example.com' 'ann@example.com' 'after restart'
        $events = @(Get-MailMessageTrace -Server trace-disk -Status Delivered)
        $events.MessageId | Should -Be @($after.MessageId.Trim('<', '>'), $before.MessageId.Trim('<', '>'))
    }

    It 'sits next to -LogPath, also for an in-memory server' {
        $folder = New-TestFolder 'trace-log'
        $server = Start-TestServer -Name trace-log -Extra @{ LogPath = (Join-Path $folder 'lab.log') }
        New-MailAccount -Server $server.Name -Address ann@example.com -Password $password | Out-Null
        $sent = Send-Local $server 'bob@example.com' 'ann@example.com' 'logged'
        Join-Path $folder 'lab.trace.jsonl' | Should -Exist
        (Get-Content (Join-Path $folder 'lab.trace.jsonl') -Raw) | Should -Match ([regex]::Escape($sent.MessageId.Trim('<', '>')))
        @(Get-MailMessageTrace -Server trace-log -MessageId $sent.MessageId).Count | Should -BeGreaterOrEqual 2
    }
}
