# Send-SmtpMessage against our own server, a scripted SMTP server (retries) and Postfix (interop).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    $script:lab = Start-ClientLab
    $script:bob = 'bob@example.com'
    $script:carol = 'carol@example.com'
    foreach ($address in $bob, $carol) {
        New-MailAccount -Server $lab.Name -Address $address -Password (ConvertTo-TestSecureString $LabPassword) | Out-Null
    }
    # The lab's plain SMTP port, no TLS: Send-MailMessage's way, so that the parameters stay its own.
    $script:plain = @{ SmtpServer = $lab.Host; Port = $lab.SmtpPort; Secure = 'None' }

    function Get-Delivered([string] $Account, [string] $Subject) {
        @(Get-MailServerMessage -Server $lab.Name -Account $Account -Subject $Subject -Wait -Timeout 15)
    }
    function Get-SmtpStatistics { (Get-MailServer -Name $lab.Name).Statistics.Smtp }
    function New-Subject { "test $([guid]::NewGuid().ToString('n').Substring(0, 10))" }
    function ConvertTo-Crlf([string] $Text) { ($Text -replace "`r?`n", "`r`n") }

    # tests/tools/fake_smtp.py with its rules; its log holds a JSON line per connection and per message.
    function Start-ScriptedSmtp([string[]] $Rules) {
        $base = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-fake-smtp-$PID-$(Get-Random)"
        $start = [Diagnostics.ProcessStartInfo]::new('python3')
        foreach ($a in @((Join-Path $PSScriptRoot 'tools/fake_smtp.py'), "$base.port", "$base.log") + $Rules) { $start.ArgumentList.Add($a) }
        $start.RedirectStandardInput = $true
        $process = [Diagnostics.Process]::Start($start)
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while (-not (Test-Path "$base.port") -or -not (Get-Content "$base.port")) {
            if ([DateTime]::UtcNow -gt $deadline) { $process.Kill(); throw 'fake_smtp.py did not start' }
            Start-Sleep -Milliseconds 50
        }
        [pscustomobject]@{ Process = $process; Port = [int] (Get-Content "$base.port"); Log = "$base.log" }
    }
    function Read-ScriptedLog($Fake) {
        if (-not (Test-Path $Fake.Log)) { return @() }
        @(Get-Content $Fake.Log | ForEach-Object { $_ | ConvertFrom-Json })
    }
    function Stop-ScriptedSmtp($Fake) {
        if (-not $Fake) { return }
        if (-not $Fake.Process.HasExited) { $Fake.Process.Kill(); $Fake.Process.WaitForExit(5000) | Out-Null }
        Remove-Item -LiteralPath $Fake.Log, ($Fake.Log -replace '\.log$', '.port') -ErrorAction SilentlyContinue
    }
}

AfterAll {
    Stop-ClientLab $lab
}

Describe 'Send-SmtpMessage with the parameters of Send-MailMessage' {
    It 'sends HTML with attachments, priority, Cc and Bcc; Bcc gets it but is not in the headers' {
        $folder = New-TestFolder 'attachments'
        $csv = Join-Path $folder 'report.csv'; Set-Content -Path $csv -Value 'host,free', 'srv1,5%'
        $bin = Join-Path $folder 'blob.bin'; [IO.File]::WriteAllBytes($bin, [byte[]](0..255))
        $subject = New-Subject
        Send-SmtpMessage @plain -From 'Alerts <alerts@remote.test>' -To $lab.Address -Cc $bob -Bcc $carol `
            -Subject $subject -Body '<p>Volume <b>D:</b> is full.</p>' -BodyAsHtml -Attachments $csv, $bin -Priority High

        foreach ($account in $lab.Address, $bob, $carol) {
            $got = Get-Delivered $account $subject
            $got.Count | Should -Be 1 -Because "$account is a recipient"
            $mime = $got[0].MimeMessage
            $mime.HtmlBody | Should -Match '<b>D:</b>'
            $got[0].AttachmentCount | Should -Be 2
            $mime.Headers['X-Priority'] | Should -Match '^1'
            $mime.Headers['Importance'] | Should -Be 'high'
            $mime.Headers.Contains('Bcc') | Should -BeFalse
            $got[0].Cc | Should -Be $bob
            $blob = @($mime.Attachments | Where-Object FileName -eq 'blob.bin')[0]
            $stream = [IO.MemoryStream]::new(); $blob.Content.DecodeTo($stream)
            [Convert]::ToBase64String($stream.ToArray()) | Should -Be ([Convert]::ToBase64String([byte[]](0..255)))
        }
        # Not even a trace of the blind recipient in what the others got.
        [Text.Encoding]::UTF8.GetString((Get-Delivered $bob $subject)[0].GetBytes()) | Should -Not -Match 'carol'
    }

    It 'takes To, Subject, Body and SmtpServer by position, as Send-MailMessage does' {
        $subject = New-Subject
        Send-SmtpMessage $lab.Address $subject 'positional body' $lab.Host -From 'app@remote.test' -Port $lab.SmtpPort -Secure None
        $got = Get-Delivered $lab.Address $subject
        $got[0].MimeMessage.TextBody | Should -Match 'positional body'
    }

    It 'to a server started in this session: STARTTLS with its certificate trusted, no -Secure None needed' {
        $subject = New-Subject
        Send-SmtpMessage -SmtpServer $lab.Host -Port $lab.SmtpPort -From 'app@remote.test' -To $lab.Address -Subject $subject -Body 'over TLS' -ErrorAction Stop
        $got = Get-Delivered $lab.Address $subject
        $got.Count | Should -Be 1
        $got[0].MimeMessage.Headers['Received'] | Should -Match 'TLS|ESMTPS'
    }

    It '-Encoding names the body charset; the default is UTF-8' {
        $latin = New-Subject; $utf = New-Subject
        Send-SmtpMessage @plain -From 'app@remote.test' -To $lab.Address -Subject $latin -Body 'Café' -Encoding 'iso-8859-1'
        Send-SmtpMessage @plain -From 'app@remote.test' -To $lab.Address -Subject $utf -Body 'Grüße'
        $latinBody = (Get-Delivered $lab.Address $latin)[0].MimeMessage.TextBody
        (Get-Delivered $lab.Address $latin)[0].MimeMessage.Body.ContentType.Charset | Should -Be 'iso-8859-1'
        $latinBody | Should -Match 'Café'
        (Get-Delivered $lab.Address $utf)[0].MimeMessage.Body.ContentType.Charset | Should -Be 'utf-8'
        (Get-Delivered $lab.Address $utf)[0].MimeMessage.TextBody | Should -Match 'Grüße'
    }

    It 'takes System.Net.Mail enum values for -Priority and -DeliveryNotificationOption' {
        $subject = New-Subject
        $verbose = Send-SmtpMessage @plain -From 'app@remote.test' -To $lab.Address -Subject $subject -Body 'x' `
            -Priority ([System.Net.Mail.MailPriority]::Low) -DeliveryNotificationOption OnSuccess, OnFailure -Verbose 4>&1 |
            ForEach-Object Message
        ($verbose -match '^C: RCPT TO:.*NOTIFY=SUCCESS,FAILURE') | Should -Not -BeNullOrEmpty
        (Get-Delivered $lab.Address $subject)[0].MimeMessage.Headers['X-Priority'] | Should -Match '^5'
    }

    It '-DeliveryNotificationOption Never cannot be combined' {
        { Send-SmtpMessage @plain -From 'a@remote.test' -To $lab.Address -Subject x -DeliveryNotificationOption Never, OnFailure -ErrorAction Stop } |
            Should -Throw -ErrorId 'SmtpInvalidDeliveryNotification,*'
    }

    It 'attaches files piped to it, all to one message' {
        $folder = New-TestFolder 'piped-attachments'
        'one' | Set-Content (Join-Path $folder 'a.txt'); 'two' | Set-Content (Join-Path $folder 'b.txt')
        $subject = New-Subject
        Get-ChildItem $folder -Filter *.txt | Send-SmtpMessage @plain -From 'app@remote.test' -To $lab.Address -Subject $subject -Body 'logs'
        $got = Get-Delivered $lab.Address $subject
        $got.Count | Should -Be 1
        @($got[0].MimeMessage.Attachments.FileName | Sort-Object) | Should -Be @('a.txt', 'b.txt')
    }

    It '-UseSsl upgrades with STARTTLS' {
        $subject = New-Subject
        $verbose = Send-SmtpMessage -SmtpServer $lab.Host -Port $lab.SmtpPort -UseSsl -SkipCertificateCheck -From 'app@remote.test' -To $lab.Address `
            -Subject $subject -Verbose -WarningAction SilentlyContinue 4>&1 | ForEach-Object Message
        $verbose | Should -Contain 'C: STARTTLS'
        (Get-Delivered $lab.Address $subject)[0].MimeMessage.Headers['Received'] | Should -Match 'ESMTPS'
    }

    It '-UseSsl and -Secure None contradict each other' {
        { Send-SmtpMessage -SmtpServer $lab.Host -Port $lab.SmtpPort -UseSsl -Secure None -From a@remote.test -To $lab.Address -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConflictingSecurityParameters,*'
    }

    It 'falls back to $PSEmailServer when no server is named' {
        $subject = New-Subject
        $PSEmailServer = $lab.Host
        Send-SmtpMessage -Port $lab.SmtpPort -Secure None -From 'app@remote.test' -To $lab.Address -Subject $subject
        (Get-Delivered $lab.Address $subject).Count | Should -Be 1
    }
}

Describe 'Send-SmtpMessage with module messages from the pipeline' {
    It 'sends three messages over one connection (one EHLO)' {
        $subjects = 1..3 | ForEach-Object { New-Subject }
        $messages = $subjects | ForEach-Object { New-MailMessage -From 'app@remote.test' -To $lab.Address -Subject $_ -Body 'pipelined' }
        $before = Get-SmtpStatistics | Select-Object Connections, Messages
        $output = $messages | Send-SmtpMessage -Server $lab.Host -Port $lab.SmtpPort -Secure None -PassThru -Verbose 4>&1
        $verbose = @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $results = @($output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        @($verbose -match '^C: EHLO ').Count | Should -Be 1
        @($verbose -match '^C: MAIL FROM:').Count | Should -Be 3
        $after = Get-SmtpStatistics
        $after.Connections - $before.Connections | Should -Be 1
        $after.Messages - $before.Messages | Should -Be 3
        $results.Count | Should -Be 3
        $results.MessageId | Should -Be $messages.MessageId
        foreach ($subject in $subjects) { (Get-Delivered $lab.Address $subject).Count | Should -Be 1 }
    }

    It 'takes several messages by name (-Message) too' {
        $subjects = 1..2 | ForEach-Object { New-Subject }
        $messages = $subjects | ForEach-Object { New-MailMessage -From 'app@remote.test' -To $lab.Address -Subject $_ }
        $results = Send-SmtpMessage -Message $messages -Server $lab.Host -Port $lab.SmtpPort -Secure None -PassThru
        $results.Count | Should -Be 2
        foreach ($subject in $subjects) { (Get-Delivered $lab.Address $subject).Count | Should -Be 1 }
    }

    It 'sends an imported message byte for byte, without its Bcc header' {
        $subject = New-Subject
        # Odd but valid formatting that a re-serialising client would change: folded and oddly spaced headers, a Bcc in the middle.
        $text = ConvertTo-Crlf @"
Received: from old.relay.test by mx.old.test; Mon, 1 Jan 2024 10:00:00 +0000
From:   "Ann Example"   <ann@remote.test>
To: $($lab.Address),
    $bob
Bcc: $carol
Subject: $subject
Date: Mon, 1 Jan 2024 10:00:00 +0000
Message-ID: <kept.$([guid]::NewGuid().ToString('n'))@remote.test>
X-Odd:    spaced    value
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

preamble text
--b1
Content-Type: text/plain; charset=us-ascii

.a line that starts with a dot
and trailing spaces   
--b1
Content-Type: application/octet-stream; name=x.bin
Content-Transfer-Encoding: base64

AAECAwQF
--b1--
epilogue

"@
        $path = Join-Path (New-TestFolder 'bytes') 'odd.eml'
        [IO.File]::WriteAllText($path, $text)
        Import-MailMessage $path | Send-SmtpMessage -Server $lab.Host -Port $lab.SmtpPort -Secure None

        $expected = ($text -replace "(?m)^Bcc: .*\r\n", '')
        foreach ($account in $lab.Address, $bob, $carol) {
            $delivered = [Text.Encoding]::UTF8.GetString((Get-Delivered $account $subject)[0].GetBytes())
            # The server puts its trace headers on top; below them come our bytes, unchanged.
            $delivered.EndsWith($expected) | Should -BeTrue -Because "the copy for $account must carry the message as it was"
        }
    }

    It '-To and -From replace the envelope, not the headers' {
        $subject = New-Subject
        $message = New-MailMessage -From 'Ann <ann@remote.test>' -To $lab.Address -Subject $subject -Body 'redirected'
        $result = $message | Send-SmtpMessage -Server $lab.Host -Port $lab.SmtpPort -Secure None -To $bob -From 'bounces@remote.test' -PassThru
        $result.Accepted | Should -Be @($bob)
        $result.Sender | Should -Be 'bounces@remote.test'
        $got = Get-Delivered $bob $subject
        $got[0].To | Should -Be $lab.Address
        $got[0].MimeMessage.Headers['Return-Path'] | Should -Be '<bounces@remote.test>'
        @(Get-MailServerMessage -Server $lab.Name -Account $lab.Address -Subject $subject).Count | Should -Be 0
    }

    It 'a message without recipients is SmtpEnvelopeInvalid, and the next one is still sent' {
        $subject = New-Subject
        $empty = New-MailMessage -From 'app@remote.test' -Subject 'nobody to send to'
        $good = New-MailMessage -From 'app@remote.test' -To $lab.Address -Subject $subject
        $empty, $good | Send-SmtpMessage -Server $lab.Host -Port $lab.SmtpPort -Secure None -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SmtpEnvelopeInvalid,*'
        (Get-Delivered $lab.Address $subject).Count | Should -Be 1
    }

    It 'uses the session Connect-SmtpServer opened, and leaves it open' {
        $session = Connect-SmtpServer -Server $lab.Host -Port $lab.SubmissionPort -Secure None -Credential $lab.Credential
        try {
            $subject = New-Subject
            New-MailMessage -From $lab.Address -To $bob -Subject $subject | Send-SmtpMessage
            (Get-Delivered $bob $subject).Count | Should -Be 1
            $session.IsConnected | Should -BeTrue
        }
        finally { Disconnect-SmtpServer -Session $session }
    }
}

Describe 'Send-SmtpMessage: refusals and errors' {
    It 'a refused recipient is SmtpRecipientRefused with the reply code; the others still get the message' {
        $subject = New-Subject
        $result = Send-SmtpMessage @plain -From 'app@remote.test' -To $lab.Address, 'nobody@example.com', $bob -Subject $subject -Body 'x' `
            -PassThru -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SmtpRecipientRefused,*'
        $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $errors[0].Exception.ReplyCode | Should -Be 550
        $errors[0].TargetObject.Address | Should -Be 'nobody@example.com'
        $errors[0].TargetObject.ReplyCode | Should -Be 550
        $errors[0].TargetObject.Reply | Should -Match '5\.1\.1'
        $result.Accepted | Should -Be @($lab.Address, $bob)
        $result.Refused[0].Address | Should -Be 'nobody@example.com'
        $result.Refused.Count | Should -Be 1
        (Get-Delivered $lab.Address $subject).Count | Should -Be 1
        (Get-Delivered $bob $subject).Count | Should -Be 1
    }

    It 'when every recipient is refused, nothing is sent and no result is written' {
        $before = (Get-SmtpStatistics).Messages
        $result = Send-SmtpMessage @plain -From 'app@remote.test' -To 'nobody@example.com', 'none@example.com' -Subject (New-Subject) `
            -PassThru -ErrorVariable errors -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $errors.Count | Should -Be 2
        $errors | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'SmtpRecipientRefused,*' }
        $errors[1].Exception.Message | Should -Match 'not sent'
        (Get-SmtpStatistics).Messages | Should -Be $before
    }

    It 'a refused recipient stops the pipeline under -ErrorAction Stop' {
        { Send-SmtpMessage @plain -From 'app@remote.test' -To 'nobody@example.com' -Subject x -ErrorAction Stop } |
            Should -Throw -ErrorId 'SmtpRecipientRefused,*'
    }

    It 'a missing attachment is MailAttachmentNotFound, and nothing is sent' {
        $before = Get-SmtpStatistics | Select-Object Connections, Messages
        Send-SmtpMessage @plain -From 'app@remote.test' -To $lab.Address -Subject x -Attachments (Join-Path (New-TestFolder 'missing') 'nothing.txt') `
            -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'MailAttachmentNotFound,*'
        (Get-SmtpStatistics).Connections | Should -Be $before.Connections
    }

    It 'a message too big is SmtpCommandFailed 552, not retried' {
        $small = Start-TestServer -Name "small-$(Get-Random)" -CatchAll -Extra @{ MaxMessageSize = 2048 }
        try {
            $verbose = Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $small.Port('smtp') -Secure None -From a@remote.test -To b@example.com `
                -Subject big -Body ('x' * 10000) -RetryDelay 0 -ErrorVariable errors -ErrorAction SilentlyContinue -Verbose 4>&1 | ForEach-Object Message
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'SmtpCommandFailed,*'
            $errors[0].Exception.ReplyCode | Should -Be 552
            @($verbose -match '^C: MAIL FROM').Count | Should -Be 1
        }
        finally { Stop-MailServer -Name $small.Name }
    }

    It 'a wrong password on the submission port is SmtpAuthenticationFailed' {
        $wrong = [pscredential]::new($lab.Address, (ConvertTo-TestSecureString 'not-the-password'))
        $err = $null
        try { Send-SmtpMessage -SmtpServer $lab.Host -Port $lab.SubmissionPort -Secure None -Credential $wrong -From $lab.Address -To $bob -Subject x -ErrorAction Stop }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpAuthenticationFailed,*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
    }

    It 'the right password on the submission port sends' {
        $subject = New-Subject
        Send-SmtpMessage -SmtpServer $lab.Host -Port $lab.SubmissionPort -Secure None -Credential $lab.Credential -From $lab.Address -To $bob -Subject $subject
        (Get-Delivered $bob $subject).Count | Should -Be 1
    }

    It 'submission without a login is refused: SmtpAuthenticationFailed' {
        { Send-SmtpMessage -SmtpServer $lab.Host -Port $lab.SubmissionPort -Secure None -From $lab.Address -To $bob -Subject x -RetryCount 0 -ErrorAction Stop } |
            Should -Throw -ErrorId 'SmtpAuthenticationFailed,*'
    }

    It '-WhatIf sends nothing and does not connect' {
        $before = Get-SmtpStatistics | Select-Object Connections, Messages
        $subject = New-Subject
        $messages = 1..2 | ForEach-Object { New-MailMessage -From 'app@remote.test' -To $lab.Address -Subject $subject }
        $messages | Send-SmtpMessage -Server $lab.Host -Port $lab.SmtpPort -Secure None -WhatIf
        Send-SmtpMessage @plain -From 'app@remote.test' -To $lab.Address -Subject $subject -WhatIf
        $after = Get-SmtpStatistics
        $after.Connections | Should -Be $before.Connections
        $after.Messages | Should -Be $before.Messages
    }

    It '-PassThru: message id, accepted and refused, the server reply, elapsed time' {
        $message = New-MailMessage -From 'app@remote.test' -To $lab.Address, 'nobody@example.com' -Subject (New-Subject)
        $result = $message | Send-SmtpMessage -Server $lab.Host -Port $lab.SmtpPort -Secure None -PassThru -ErrorAction SilentlyContinue
        $result | Should -BeOfType 'MailAdmin.Client.SmtpSendResult'
        $result.MessageId | Should -Be $message.MessageId
        $result.Accepted | Should -Be @($lab.Address)
        $result.Refused[0].Address | Should -Be 'nobody@example.com'
        $result.Refused[0].ReplyCode | Should -Be 550
        $result.Reply | Should -Match 'queued as'
        $result.Elapsed | Should -BeGreaterThan ([TimeSpan]::Zero)
        $result.Attempts | Should -Be 1
        $result.Server | Should -Be "$($lab.Host):$($lab.SmtpPort)"
        ($result | Format-Table | Out-String -Width 200) | Should -Match 'nobody@example.com \(550\)'
    }
}

Describe 'Send-SmtpMessage retries transient failures (scripted server)' {
    BeforeAll {
        $script:fakes = [Collections.Generic.List[object]]::new()
        # Send-SmtpMessage's parameters for a scripted server, with some replaced or added.
        function Get-FakeParameters($Fake, [hashtable] $Extra = @{}) {
            $parameters = @{ SmtpServer = '127.0.0.1'; Port = $Fake.Port; Secure = 'None'; From = 'app@remote.test'; To = 'ann@example.com'; Subject = 'retry'; Body = 'x'; RetryDelay = 0.1; PassThru = $true }
            foreach ($key in $Extra.Keys) { $parameters[$key] = $Extra[$key] }
            $parameters
        }
        function Send-ToFake($Fake, [hashtable] $Extra = @{}) {
            $parameters = Get-FakeParameters $Fake $Extra
            Send-SmtpMessage @parameters
        }
        function New-Fake([string[]] $Rules) { $f = Start-ScriptedSmtp $Rules; $fakes.Add($f); $f }
    }
    AfterAll { foreach ($f in $fakes) { Stop-ScriptedSmtp $f } }

    It '451 to MAIL once: sent on the second attempt, over the same connection' {
        $fake = New-Fake 'mail:451:1'
        $result = Send-ToFake $fake
        $result.Attempts | Should -Be 2
        $result.Accepted | Should -Be 'ann@example.com'
        $log = Read-ScriptedLog $fake
        @($log | Where-Object { $_.PSObject.Properties['to'] }).Count | Should -Be 1
        @($log | Where-Object { -not $_.PSObject.Properties['to'] }).Count | Should -Be 1
    }

    It '451 after the data once: sent again' {
        $fake = New-Fake 'data:451:1'
        $result = Send-ToFake $fake
        $result.Attempts | Should -Be 2
        $result.Reply | Should -Match 'queued as'
        @(Read-ScriptedLog $fake | Where-Object { $_.PSObject.Properties['to'] }).Count | Should -Be 1
    }

    It 'a recipient answered 451 is retried alone; the other got the message once' {
        $fake = New-Fake 'rcpt=bob@example.com:451:1'
        $result = Send-ToFake $fake @{ To = 'ann@example.com', 'bob@example.com' }
        $result.Attempts | Should -Be 2
        $result.Accepted | Should -Be @('ann@example.com', 'bob@example.com')
        $result.Refused | Should -BeNullOrEmpty
        $messages = @(Read-ScriptedLog $fake | Where-Object { $_.PSObject.Properties['to'] })
        $messages.Count | Should -Be 2
        $messages[0].to | Should -Be @('ann@example.com')
        $messages[1].to | Should -Be @('bob@example.com')
    }

    It 'a recipient still answered 4xx after the retries is SmtpRecipientRefused with that code' {
        $fake = New-Fake 'rcpt=bob@example.com:450:10'
        $parameters = Get-FakeParameters $fake @{ To = 'ann@example.com', 'bob@example.com'; RetryCount = 1 }
        $result = Send-SmtpMessage @parameters -ErrorVariable errors -ErrorAction SilentlyContinue
        $result.Attempts | Should -Be 2
        $result.Accepted | Should -Be @('ann@example.com')
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SmtpRecipientRefused,*'
        $errors[0].Exception.ReplyCode | Should -Be 450
    }

    It 'a 421 that closes the connection: connects again and sends' {
        $fake = New-Fake 'mail:421:1:close'
        $result = Send-ToFake $fake
        $result.Attempts | Should -Be 2
        $log = Read-ScriptedLog $fake
        @($log | Where-Object { -not $_.PSObject.Properties['to'] }).Count | Should -Be 2
        @($log | Where-Object { $_.PSObject.Properties['to'] }).Count | Should -Be 1
    }

    It 'a server that drops the connection mid-command: connects again and sends' {
        $fake = New-Fake 'data:0:1'
        $result = Send-ToFake $fake
        $result.Attempts | Should -Be 2
        @(Read-ScriptedLog $fake | Where-Object { -not $_.PSObject.Properties['to'] }).Count | Should -Be 2
    }

    It 'a server that keeps dropping the connection: SmtpConnectionLost after the retries' {
        $fake = New-Fake 'mail:0:10'
        $parameters = Get-FakeParameters $fake @{ RetryCount = 1 }
        $result = Send-SmtpMessage @parameters -ErrorVariable errors -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SmtpConnectionLost,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        @(Read-ScriptedLog $fake | Where-Object { -not $_.PSObject.Properties['to'] }).Count | Should -Be 2
    }

    It 'a 421 greeting: connects again' {
        $fake = New-Fake 'greet:421:1'
        $result = Send-ToFake $fake
        $result.Accepted | Should -Be 'ann@example.com'
        @(Read-ScriptedLog $fake | Where-Object { -not $_.PSObject.Properties['to'] }).Count | Should -Be 2
    }

    It 'gives up after -RetryCount: SmtpCommandFailed with the 4xx code' {
        $fake = New-Fake 'mail:451:10'
        $parameters = Get-FakeParameters $fake @{ RetryCount = 2 }
        $result = Send-SmtpMessage @parameters -ErrorVariable errors -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SmtpCommandFailed,*'
        $errors[0].Exception.ReplyCode | Should -Be 451
        @(Read-ScriptedLog $fake | Where-Object { $_.PSObject.Properties['to'] }).Count | Should -Be 0
    }

    It '-RetryCount 0 does not retry' {
        $fake = New-Fake 'mail:451:1'
        Send-ToFake $fake @{ RetryCount = 0; ErrorAction = 'SilentlyContinue' } | Should -BeNullOrEmpty
    }

    It 'a 5xx is final: no retry' {
        $fake = New-Fake 'rcpt=bob@example.com:550:1'
        $parameters = Get-FakeParameters $fake @{ To = 'bob@example.com' }
        $result = Send-SmtpMessage @parameters -ErrorVariable errors -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $errors[0].Exception.ReplyCode | Should -Be 550
        # A retry would have found bob accepted (the rule fires once).
        @(Read-ScriptedLog $fake | Where-Object { $_.PSObject.Properties['to'] }).Count | Should -Be 0
    }

    It 'asks for DSN NOTIFY when the server offers it' {
        $fake = New-Fake @()
        $null = Send-ToFake $fake @{ DeliveryNotificationOption = 'OnFailure, Delay' }
        $message = @(Read-ScriptedLog $fake | Where-Object { $_.PSObject.Properties['to'] })[0]
        $message.rcpt_lines[0] | Should -Match 'NOTIFY=FAILURE,DELAY'
        $message.data | Should -Not -Match '(?m)^Bcc:'
    }
}

Describe 'Send-SmtpMessage through Postfix' {
    BeforeAll {
        $script:postfix = Start-PostfixPeer -RelayPort $lab.SmtpPort
        $script:postfixReason = $PeerSkipReason
    }
    AfterAll { Stop-PostfixPeer $postfix }

    It 'a composed message with an attachment and a Bcc arrives intact, relayed by Postfix' {
        if (-not $postfix) { Set-ItResult -Skipped -Because $postfixReason; return }
        $folder = New-TestFolder 'postfix'
        $bin = Join-Path $folder 'data.bin'; [IO.File]::WriteAllBytes($bin, [byte[]](1..200 + 0..255))
        $subject = "Grüße $(New-Subject)"
        $result = Send-SmtpMessage -SmtpServer $postfix.Host -Port $postfix.Port -Secure None -From 'Jörg <jorg@remote.test>' -To $lab.Address -Bcc $bob `
            -Subject $subject -Body 'Ünïcödé body' -Attachments $bin -PassThru
        $result.Reply | Should -Match 'queued as'
        foreach ($account in $lab.Address, $bob) {
            $got = @(Get-MailServerMessage -Server $lab.Name -Account $account -Subject $subject -Wait -Timeout 60)
            $got.Count | Should -Be 1
            $got[0].MessageId | Should -Be $result.MessageId
            $got[0].MimeMessage.TextBody | Should -Match 'Ünïcödé body'
            $got[0].MimeMessage.Headers.Contains('Bcc') | Should -BeFalse
            $part = @($got[0].MimeMessage.Attachments)[0]
            $stream = [IO.MemoryStream]::new(); $part.Content.DecodeTo($stream)
            [Convert]::ToBase64String($stream.ToArray()) | Should -Be ([Convert]::ToBase64String([IO.File]::ReadAllBytes($bin)))
        }
    }

    It 'a pipeline of messages goes through Postfix over one connection, bodies unchanged' {
        if (-not $postfix) { Set-ItResult -Skipped -Because $postfixReason; return }
        $messages = 1..3 | ForEach-Object { New-MailMessage -From 'app@remote.test' -To $lab.Address -Subject (New-Subject) -Body "body $_" }
        $verbose = $messages | Send-SmtpMessage -Server $postfix.Host -Port $postfix.Port -Secure None -Verbose 4>&1 | ForEach-Object Message
        @($verbose -match '^C: EHLO ').Count | Should -Be 1
        foreach ($message in $messages) {
            $got = @(Get-MailServerMessage -Server $lab.Name -Account $lab.Address -Subject $message.Subject -Wait -Timeout 60)
            $got.Count | Should -Be 1
            $original = [Text.Encoding]::UTF8.GetString($message.GetBytes()) -replace "`r?`n", "`r`n"
            $body = $original.Substring($original.IndexOf("`r`n`r`n"))
            [Text.Encoding]::UTF8.GetString($got[0].GetBytes()).EndsWith($body) | Should -BeTrue
        }
    }
}

Describe 'Send-SmtpMessage -Sign -Encrypt (S/MIME through the same code as Protect-MailMessage)' {
    BeforeAll {
        $script:annCert = [MailAdmin.Hosting.TlsCertificates]::CreateSelfSigned('ann@example.com')
        $script:bobCert = [MailAdmin.Hosting.TlsCertificates]::CreateSelfSigned($bob)
    }
    It 'delivers a signed and encrypted message that the recipient decrypts and verifies' {
        $subject = New-Subject
        Send-SmtpMessage @plain -From ann@example.com -To $bob -Subject $subject -Body 'for your eyes only' `
            -Sign -Certificate $annCert -Encrypt -RecipientCertificate $bobCert
        $delivered = Get-Delivered $bob $subject
        $delivered.Count | Should -Be 1
        $raw = [Text.Encoding]::ASCII.GetString($delivered[0].GetBytes())
        $raw | Should -Match 'application/pkcs7-mime'
        $raw | Should -Not -Match 'for your eyes only'
        $opened = $delivered[0] | Unprotect-MailMessage -Certificate $bobCert -TrustedCertificate $annCert
        $opened.WasEncrypted | Should -BeTrue
        $opened.Signatures[0].IsValid | Should -BeTrue
        $opened.Message.MimeMessage.TextBody | Should -Match 'for your eyes only'
    }
    It '-Sign without -Certificate is SmimeCertificateMissing, and nothing is sent' {
        { Send-SmtpMessage @plain -From ann@example.com -To $bob -Subject (New-Subject) -Body x -Sign -ErrorAction Stop } |
            Should -Throw -ErrorId 'SmimeCertificateMissing,*'
    }
}
