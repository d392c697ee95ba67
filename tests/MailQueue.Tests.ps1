# The admin's view of the outbound queue: Start-MailServer's outbound parameters, and Get-MailQueue,
# Get-MailQueueMessage, Suspend-/Resume-/Remove-MailQueueMessage on a real queue whose smarthost
# refuses connections (a loopback port nothing listens on), so that messages stay Deferred.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:password = ConvertTo-TestSecureString 'Queue-Passw0rd'
    # A loopback port that refuses connections: bound once by the system, then let go.
    function Get-ClosedPort {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $port
    }
    function Wait-QueueIdle($Server) {
        $Server.Queue.WaitIdleAsync([timespan]::FromSeconds(20)).GetAwaiter().GetResult() | Should -BeTrue -Because 'the queue settles once each attempt has been refused'
    }
}

Describe 'Start-MailServer outbound parameters' {
    AfterEach { Get-MailServer | Stop-MailServer }

    It 'puts every parameter into the server options' {
        $credential = [pscredential]::new('relay@provider.test', $password)
        $server = Start-MailServer -Name params -InMemory -FreePorts -RelayNetwork 192.0.2.0/24, '::1', 10.1.2.3 -Postmaster pm@example.com `
            -Smarthost '127.0.0.1:2999' -SmarthostCredential $credential -SmarthostSecure StartTls -SmarthostSkipCertificateCheck -RequireTls `
            -DnsServer 127.0.0.1:5353, '::1' -DeliveryPort 2526 -RetrySchedule 00:00:30, 00:10:00 -MaxQueueLifetime 1.00:00:00 `
            -MaxConnectionsPerDestination 3 -WarningAction SilentlyContinue
        $server.Options.RelayNetworks | Should -Be @('192.0.2.0/24', '::1', '10.1.2.3')
        $server.Options.Postmaster | Should -Be 'pm@example.com'
        $d = $server.Options.Delivery
        $d.Smarthost | Should -Be '127.0.0.1:2999'
        $d.SmarthostCredential.UserName | Should -Be 'relay@provider.test'
        $d.SmarthostCredential.Password | Should -Be 'Queue-Passw0rd'
        $d.SmarthostSecurity | Should -Be ([MailAdmin.Client.MailSecurity]::StartTls)
        $d.SmarthostSkipCertificateCheck | Should -BeTrue
        $d.RequireTls | Should -BeTrue
        $d.DnsServers | Should -Be @('127.0.0.1:5353', '::1')
        $d.DeliveryPort | Should -Be 2526
        $d.RetrySchedule | Should -Be @([timespan] '00:00:30', [timespan] '00:10:00')
        $d.MaxQueueLifetime | Should -Be ([timespan] '1.00:00:00')
        $d.MaxConnectionsPerDestination | Should -Be 3
    }

    It 'keeps the defaults when the parameters are not given' {
        $server = Start-MailServer -Name defaults -InMemory -FreePorts -WarningAction SilentlyContinue
        $server.Options.RelayNetworks | Should -BeNullOrEmpty
        $d = $server.Options.Delivery
        $d.Smarthost | Should -BeNullOrEmpty
        $d.DeliveryPort | Should -Be 25
        $d.SmarthostSecurity | Should -Be 'Auto'
        $d.RetrySchedule[0] | Should -Be ([timespan] '00:05:00')
        $d.MaxQueueLifetime | Should -Be ([timespan] '5.00:00:00')
    }

    It 'takes the same keys from -ConfigurationPath, range-checked' {
        $folder = New-TestFolder 'outbound-config'
        $good = Join-Path $folder 'good.psd1'
        Set-Content $good "@{ Name = 'fromfile'; InMemory = `$true; FreePorts = `$true; RelayNetwork = '10.0.0.0/8'; Smarthost = 'smarthost.test:587'; SmarthostSecure = 'Tls'; RequireTls = `$true; RetrySchedule = '00:01:00', '00:02:00'; MaxQueueLifetime = '2.00:00:00'; DeliveryPort = 2500; MaxConnectionsPerDestination = 4; DnsServer = '127.0.0.1' }"
        $server = Start-MailServer -ConfigurationPath $good -WarningAction SilentlyContinue
        $server.Options.RelayNetworks | Should -Be @('10.0.0.0/8')
        $d = $server.Options.Delivery
        $d.Smarthost | Should -Be 'smarthost.test:587'
        $d.SmarthostSecurity | Should -Be 'Tls'
        $d.RequireTls | Should -BeTrue
        $d.RetrySchedule | Should -Be @([timespan] '00:01:00', [timespan] '00:02:00')
        $d.MaxQueueLifetime | Should -Be ([timespan] '2.00:00:00')
        $d.DeliveryPort | Should -Be 2500
        $d.MaxConnectionsPerDestination | Should -Be 4
        $d.DnsServers | Should -Be @('127.0.0.1')

        $bad = Join-Path $folder 'bad.psd1'
        Set-Content $bad "@{ InMemory = `$true; FreePorts = `$true; RetrySchedule = '00:01:00', '00:00:00' }"
        { Start-MailServer -Name badfile -ConfigurationPath $bad -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerParameterOutOfRange*'
        Set-Content $bad "@{ InMemory = `$true; FreePorts = `$true; MaxConnectionsPerDestination = 0 }"
        { Start-MailServer -Name badfile -ConfigurationPath $bad -ErrorAction Stop } | Should -Throw '*MaxConnectionsPerDestination*out of range*'
        Set-Content $bad "@{ InMemory = `$true; FreePorts = `$true; RelayNetwork = '10.0.0.0/33' }"
        { Start-MailServer -Name badfile -ConfigurationPath $bad -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerRelayNetworkInvalid*'
        Set-Content $bad "@{ InMemory = `$true; FreePorts = `$true; SmarthostCredential = 'relay' }"
        { Start-MailServer -Name badfile -ConfigurationPath $bad -ErrorAction Stop } | Should -Throw '*holds no secrets*'
        Get-MailServer -Name badfile -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'rejects a -RelayNetwork that is not an address or CIDR network, clearly' -ForEach @(
        @{ Value = '192.0.2.0/33' }, @{ Value = '300.1.2.3' }, @{ Value = 'example.com' }, @{ Value = '10.0.0.0/x' }, @{ Value = 'fd00::/129' }, @{ Value = '10.1' }
    ) {
        $thrown = { Start-MailServer -Name relaynet -InMemory -FreePorts -RelayNetwork $Value -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerRelayNetworkInvalid*' -PassThru
        $thrown.Exception.Message | Should -BeLike "*-RelayNetwork '$Value'*"
        Get-MailServer -Name relaynet -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'rejects a bad -Smarthost, -DnsServer, -Postmaster and out-of-range values' {
        { Start-MailServer -Name bad -InMemory -FreePorts -Smarthost 'host:70000' -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerSmarthostInvalid*'
        { Start-MailServer -Name bad -InMemory -FreePorts -Smarthost '[::1' -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerSmarthostInvalid*'
        { Start-MailServer -Name bad -InMemory -FreePorts -DnsServer 'dns.example' -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerDnsServerInvalid*'
        { Start-MailServer -Name bad -InMemory -FreePorts -Postmaster 'nobody' -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerPostmasterInvalid*'
        { Start-MailServer -Name bad -InMemory -FreePorts -DeliveryPort 0 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { Start-MailServer -Name bad -InMemory -FreePorts -RetrySchedule 00:00:00 -ErrorAction Stop } | Should -Throw '*RetrySchedule*'
        { Start-MailServer -Name bad -InMemory -FreePorts -MaxQueueLifetime 00:00:00 -ErrorAction Stop } | Should -Throw '*MaxQueueLifetime*'
    }

    It 'accepts the bracketed IPv6 and plain host forms' {
        $server = Start-MailServer -Name forms -InMemory -FreePorts -Smarthost '[::1]:2525' -DnsServer '[::1]:53' -WarningAction SilentlyContinue
        $server.Options.Delivery.Smarthost | Should -Be '[::1]:2525'
    }

    It 'warns at start when no mailbox takes postmaster mail, and not once one does' {
        Start-MailServer -Name nopm -InMemory -FreePorts -WarningVariable warned -WarningAction SilentlyContinue | Out-Null
        "$warned" | Should -BeLike '*postmaster*refused*'
        Start-MailServer -Name namedpm -InMemory -FreePorts -Postmaster boss@example.com -WarningVariable named -WarningAction SilentlyContinue | Out-Null
        "$named" | Should -BeLike '*boss@example.com*New-MailAccount*'
        $store = New-TestFolder 'postmaster-store'
        $server = Start-MailServer -Name haspm -Path $store -FreePorts -Domain example.com -WarningAction SilentlyContinue
        New-MailAccount -Server haspm -Address admin@example.com -Password $password | Out-Null
        Stop-MailServer -Name haspm
        Start-MailServer -Name haspm -Path $store -FreePorts -Domain example.com -WarningVariable none -WarningAction SilentlyContinue | Out-Null
        $none | Should -BeNullOrEmpty
    }
}

Describe 'Queue cmdlets on a <_> server' -ForEach 'InMemory', 'Path' {
    BeforeAll {
        $script:closed = Get-ClosedPort
        $extra = @{ RelayNetwork = '127.0.0.1'; Smarthost = "127.0.0.1:$closed"; RetrySchedule = [timespan] '01:00:00'; WarningAction = 'SilentlyContinue' }
        $script:server = if ($_ -eq 'Path') { Start-TestServer -Name "queue-$_" -Path (New-TestFolder "queue-store") -Domain office.example -Extra $extra }
        else { Start-TestServer -Name "queue-$_" -Domain office.example -Extra $extra }
        New-MailAccount -Server $server.Name -Address ann@office.example -Password $password | Out-Null
        $port = $server.Port('smtp')
        $script:first = Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $port -Secure None -From ann@office.example -To bob@remote.example, carol@remote.example -Subject 'queued one' -Body 'one' -PassThru
        $script:second = Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $port -Secure None -From ann@office.example -To dave@remote.example -Subject 'queued two' -Body 'two' -PassThru
        Wait-QueueIdle $server
        $script:idFirst = (Get-MailQueueMessage -Server $server.Name -Recipient bob@remote.example).Id
        $script:idSecond = (Get-MailQueueMessage -Server $server.Name -Recipient dave@remote.example).Id
    }
    AfterAll { Get-MailServer | Stop-MailServer }

    It 'Get-MailQueue shows one row for the smarthost with messages, recipients, next attempt and last error' {
        $rows = @(Get-MailQueue -Server $server.Name)
        $rows.Count | Should -Be 1
        $rows[0].Destination | Should -BeLike "*127.0.0.1:$closed*"
        $rows[0].Messages | Should -Be 2
        $rows[0].Recipients | Should -Be 3
        $rows[0].NextAttempt | Should -BeGreaterThan ([DateTimeOffset]::Now.AddMinutes(50))
        $rows[0].LastError | Should -Match '^4\d\d '
        @(Get-MailQueue -Destination '127.0.0.1:*').Count | Should -Be 1
        Get-MailQueue -Destination 'nowhere.*' | Should -BeNullOrEmpty
        (Get-MailQueue | Out-String -Width 120) | Should -Match "127\.0\.0\.1:$closed\s+2\s+3"
    }

    It 'Get-MailQueueMessage lists the deferred messages with each recipient''s state' {
        $idFirst | Should -Not -BeNullOrEmpty
        $idSecond | Should -Not -BeNullOrEmpty
        $deferred = @(Get-MailQueueMessage -Status Deferred)
        $deferred.Id | Sort-Object | Should -Be (@($idFirst, $idSecond) | Sort-Object)
        $message = Get-MailQueueMessage -Id $idFirst
        $message.Sender | Should -Be 'ann@office.example'
        $message.MessageId | Should -Be $first.MessageId.Trim('<', '>')
        $message.Server | Should -Be $server.Name
        $message.Recipients.Address | Sort-Object | Should -Be @('bob@remote.example', 'carol@remote.example')
        foreach ($r in $message.Recipients) {
            $r.Status | Should -Be 'Deferred'
            $r.Attempts | Should -Be 1
            $r.LastReply | Should -Match '^4\d\d '
            $r.NextAttempt | Should -BeGreaterThan ([DateTimeOffset]::Now.AddMinutes(50))
        }
        @(Get-MailQueueMessage -Recipient 'CAROL@*').Id | Should -Be $idFirst
        @(Get-MailQueueMessage -Sender 'ann@*').Count | Should -Be 2
        Get-MailQueueMessage -Sender 'nobody@*' | Should -BeNullOrEmpty
        Get-MailQueueMessage -Status Delivered, Failed | Should -BeNullOrEmpty
        $view = Get-MailQueueMessage -Id $idFirst | Out-String -Width 120
        $view | Should -Match "$idFirst\s+ann@office\.example\s+Deferred\s+2\s+1"
        ($message.Recipients | Out-String -Width 120) | Should -Match 'carol@remote\.example\s+Deferred\s+1'
    }

    It 'a missing id is a MailQueueMessageNotFound error and the others still act' {
        Get-MailQueueMessage -Id NOSUCHID -ErrorVariable missing -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'MailQueueMessageNotFound*'
        Suspend-MailQueueMessage -Id NOSUCHID, $idSecond -ErrorVariable notFound -ErrorAction SilentlyContinue
        $notFound.Count | Should -Be 1
        $notFound[0].FullyQualifiedErrorId | Should -BeLike 'MailQueueMessageNotFound*'
        $notFound[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        (Get-MailQueueMessage -Id $idSecond).Suspended | Should -BeTrue
        Resume-MailQueueMessage -Id $idSecond
        Wait-QueueIdle $server
        { Remove-MailQueueMessage -Id NOSUCHID -ErrorAction Stop } | Should -Throw -ErrorId 'MailQueueMessageNotFound*'
    }

    It 'Suspend- and Resume-MailQueueMessage obey -WhatIf and take an id in any case, as Get-MailQueueMessage does' {
        Suspend-MailQueueMessage -Id $idFirst.ToLowerInvariant() -WhatIf
        (Get-MailQueueMessage -Id $idFirst).Suspended | Should -BeFalse
        Suspend-MailQueueMessage -Id $idFirst.ToLowerInvariant()
        (Get-MailQueueMessage -Id $idFirst).Suspended | Should -BeTrue
        Get-MailQueueMessage -Id $idFirst | Resume-MailQueueMessage -WhatIf
        (Get-MailQueueMessage -Id $idFirst).Suspended | Should -BeTrue
        Resume-MailQueueMessage -Id $idFirst.ToLowerInvariant()
        Wait-QueueIdle $server
        (Get-MailQueueMessage -Id $idFirst).Suspended | Should -BeFalse
    }

    It 'Get-MailQueue takes -Server by property name from each piped object' {
        @([pscustomobject]@{ Server = $server.Name } | Get-MailQueue).Count | Should -Be 1
    }

    It 'Suspend-MailQueueMessage holds a piped message and Resume-MailQueueMessage retries it now' {
        Get-MailQueueMessage -Id $idFirst | Suspend-MailQueueMessage
        (Get-MailQueueMessage -Id $idFirst).Suspended | Should -BeTrue
        @(Get-MailQueueMessage -Status Suspended).Id | Should -Be $idFirst
        (Get-MailQueue).Suspended | Should -Be 1
        $attempts = (Get-MailQueueMessage -Id $idFirst).Recipients[0].Attempts
        Get-MailQueueMessage -Status Suspended | Resume-MailQueueMessage
        Wait-QueueIdle $server
        $message = Get-MailQueueMessage -Id $idFirst
        $message.Suspended | Should -BeFalse
        # Resumed means due now: the closed smarthost refused once more, a new attempt and a new deferral.
        $message.Recipients[0].Attempts | Should -Be ($attempts + 1)
        $message.Recipients[0].Status | Should -Be 'Deferred'
        $trace = @(Get-MailMessageTrace -QueueId $idFirst)
        $trace.Status | Should -Contain ([MailAdmin.Delivery.MessageTraceStatus]::Suspended)
        $trace.Status | Should -Contain ([MailAdmin.Delivery.MessageTraceStatus]::Resumed)
    }

    It 'Remove-MailQueueMessage -WhatIf keeps the message, and without it removes it silently' {
        Get-MailQueueMessage -Id $idSecond | Remove-MailQueueMessage -WhatIf
        Get-MailQueueMessage -Id $idSecond | Should -Not -BeNullOrEmpty
        Get-MailQueueMessage -Id $idSecond | Remove-MailQueueMessage
        Get-MailQueueMessage -Id $idSecond -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Get-MailQueue).Messages | Should -Be 1
        @(Get-MailMessageTrace -QueueId $idSecond -Status Removed).Recipient | Should -Be 'dave@remote.example'
        Get-MailMessageTrace -QueueId $idSecond -Status Bounced | Should -BeNullOrEmpty
        Get-MailServerMessage -Server $server.Name -Account ann@office.example | Should -BeNullOrEmpty
    }

    It 'Remove-MailQueueMessage -Bounce sends the sender a failure notice' {
        Remove-MailQueueMessage -Id $idFirst -Bounce
        Get-MailQueueMessage | Should -BeNullOrEmpty
        Get-MailQueue | Should -BeNullOrEmpty
        $notice = @(Get-MailServerMessage -Server $server.Name -Account ann@office.example -Wait -Timeout 10)
        $notice.Count | Should -Be 1
        $text = [Text.Encoding]::UTF8.GetString($notice[0].GetBytes())
        $text | Should -Match 'multipart/report'
        $text | Should -Match 'report-type="?delivery-status'
        $text | Should -Match '(?m)^Final-Recipient: rfc822; ?bob@remote\.example'
        $text | Should -Match '(?m)^Final-Recipient: rfc822; ?carol@remote\.example'
        $text | Should -Match '(?m)^Action: failed'
        @(Get-MailMessageTrace -QueueId $idFirst -Status Bounced).Count | Should -BeGreaterOrEqual 1
    }
}
