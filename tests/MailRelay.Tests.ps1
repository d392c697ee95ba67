# Outbound mail end to end, with real peers only: two MailAdmin servers on loopback (a.test on
# 127.0.0.2 and b.test on 127.0.0.3, same SMTP port, found through MX records served by a dnsmasq
# on loopback) exchange mail both ways; a Postfix that relays only after SMTP AUTH (Dovecot SASL)
# is the smarthost of a third server and relays into B; and the faults: a destination that is
# down, 4xx for one recipient and 250 for another, 5xx and null MX (failure notices parsed with
# MimeKit), and kill -9 of a sending server with a full queue (in its own process).
# Skipped, with the reason, when postfix, dovecot or dnsmasq is missing.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'DnsTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')

    $script:skipReason = $null
    if (-not (Find-Program postfix) -and -not (Test-Path /usr/sbin/postfix)) { $script:skipReason = 'postfix is not installed' }
    elseif (-not (Find-Program dovecot) -and -not (Test-Path /usr/sbin/dovecot)) { $script:skipReason = 'dovecot is not installed (the SASL backend of the Postfix smarthost)' }
    elseif ($IsWindows) { $script:skipReason = 'needs Postfix, dnsmasq and kill -9 (Linux)' }
    if ($skipReason) { return }

    $script:folder = New-TestFolder 'mail-relay'
    $script:password = 'Relay-Passw0rd'
    $script:secret = ConvertTo-TestSecureString $password
    function script:New-Credential([string] $User, [string] $Text = $password) { [pscredential]::new($User, (ConvertTo-TestSecureString $Text)) }

    # One port free on every address that serves mail here: MX records carry no port, so every
    # server listens on the same one and -DeliveryPort tells the senders which.
    function script:Get-SharedPort {
        foreach ($attempt in 1..50) {
            $port = Get-Random -Minimum 26100 -Maximum 26999
            $listeners = @()
            try {
                foreach ($ip in '127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5') {
                    $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Parse($ip), $port); $l.Start(); $listeners += $l
                }
                return $port
            }
            catch { }
            finally { $listeners | ForEach-Object { $_.Stop() } }
        }
        throw 'No shared free port.'
    }
    $script:port = Get-SharedPort

    $script:dns = Start-DnsPeer -Records @(
        '--mx-host=a.test,mx.a.test,10'
        '--host-record=mx.a.test,127.0.0.2'
        '--mx-host=b.test,mx.b.test,10'
        '--host-record=mx.b.test,127.0.0.3'
        # Two MX: the preferred one is an address where nothing listens (connection refused).
        '--mx-host=two.test,mx1.two.test,10'
        '--host-record=mx1.two.test,127.0.0.4'
        '--mx-host=two.test,mx2.two.test,20'
        '--host-record=mx2.two.test,127.0.0.3'
        # c.test: the destination that comes and goes.
        '--mx-host=c.test,mx.c.test,10'
        '--host-record=mx.c.test,127.0.0.5'
        # RFC 7505 null MX: "0 ." - this domain accepts no mail.
        '--mx-host=nullmx.test,.,0'
    )
    if (-not $dns) { $script:skipReason = $DnsSkipReason; return }

    # Servers start before their accounts: their postmaster warning says nothing these tests need.
    $script:outbound = @{ DnsServer = $dns.Server; DeliveryPort = $port; SmtpPort = $port; FreePorts = $true; AllowInsecureAuth = $true; WarningAction = 'SilentlyContinue' }
    # A keeps a long retry schedule so that a deferral stays put until the test resumes it.
    $script:A = Start-MailServer -Name relayA -InMemory -Domain a.test -IPAddress 127.0.0.2 -RetrySchedule '00:10:00' -Postmaster alice@a.test @outbound
    $script:B = Start-MailServer -Name relayB -InMemory -Domain b.test, two.test -IPAddress 127.0.0.3 -RetrySchedule '00:00:01' @outbound
    New-MailAccount -Server $A -Address alice@a.test -Password $secret | Out-Null
    New-MailAccount -Server $B -Address bob@b.test -Password $secret | Out-Null
    New-MailAccount -Server $B -Address carol@b.test -Password $secret -Quota 2KB | Out-Null
    New-MailAccount -Server $B -Address tom@two.test -Password $secret | Out-Null

    # C lives on disk, so that it can stop and start again with its mailboxes.
    $script:cStore = Join-Path $folder 'c-store'
    New-MailAccount -Path $cStore -Address dave@c.test -Password $secret | Out-Null
    function script:Start-C { Start-MailServer -Name relayC -Path $cStore -Domain c.test -IPAddress 127.0.0.5 -MaxConnectionsPerAddress 1000 @outbound }
    function script:Stop-C { if (Get-MailServer -Name relayC -ErrorAction SilentlyContinue) { Stop-MailServer -Name relayC } }

    # The Postfix smarthost: relays only for relay@smarthost.test after AUTH, into B.
    $script:pfDir = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-relay-postfix-$PID"
    $script:pfPort = Get-SharedPort
    $script:pfUser = 'relay@smarthost.test'
    $pfOut = & bash (Join-Path $PSScriptRoot 'tools/postfix-instance.sh') start $pfDir $pfPort "127.0.0.3:$port" $pfUser $password 2>&1
    $script:postfixReady = $LASTEXITCODE -eq 0
    if (-not $postfixReady) { $script:skipReason = "the Postfix smarthost did not start: $pfOut"; return }

    # MimeKit from the module's deps (a copy in the script's load context) to parse the notices.
    $null = Get-MailKitSmtpClient

    function script:Send-Submission([string] $Server, [int] $Port, [string] $From, [string[]] $To, [string] $Subject, [string] $Body = 'relay body', [hashtable] $Extra = @{}) {
        Send-SmtpMessage -SmtpServer $Server -Port $Port -Secure None -Credential (New-Credential $From) -From $From -To $To -Subject $Subject -Body $Body -RetryCount 0 -Timeout 20 -ErrorAction Stop -WarningAction SilentlyContinue @Extra
    }

    function script:Wait-Until([scriptblock] $Condition, [double] $Seconds = 20, [string] $Because = 'the condition') {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            if (& $Condition) { return }
            Start-Sleep -Milliseconds 100
        }
        throw "Timed out after $Seconds s waiting for $Because."
    }

    # The queue's own view of one recipient of the message with this subject (the engine API).
    function script:Get-QueuedRecipient($Server, [string] $Subject, [string] $Address) {
        $Server.Queue.GetMessages() | Where-Object Subject -eq $Subject | ForEach-Object Recipients | Where-Object Address -eq $Address | Select-Object -First 1
    }

    function script:Get-Inbox($Server, [string] $Account, [string] $Subject) {
        @(Get-MailServerMessage -Server $Server -Account $Account | Where-Object Subject -eq $Subject)
    }

    # The failure notice in a local sender's mailbox, parsed by MimeKit (not by our code).
    function script:Get-Notice($Server, [string] $Account, [string] $OriginalSubject) {
        $found = $null
        Wait-Until -Seconds 20 -Because "a notice for '$OriginalSubject' in $Account" {
            foreach ($m in Get-MailServerMessage -Server $Server -Account $Account) {
                $mime = [MimeKit.MimeMessage]::Load([IO.MemoryStream]::new($m.GetBytes()))
                if ($mime.Body -is [MimeKit.MultipartReport] -and ($mime.Body | Where-Object { $_ -is [MimeKit.MessagePart] -or $_ -is [MimeKit.TextRfc822Headers] } |
                            ForEach-Object { $_.Message.Subject } | Where-Object { $_ -eq $OriginalSubject })) {
                    $script:foundNotice = $mime; return $true
                }
            }
            $false
        }
        $found = $script:foundNotice
        $found
    }

    # The per-recipient fields of a message/delivery-status part: one hashtable per recipient group.
    function script:Get-DeliveryStatus($Mime) {
        $report = $Mime.Body
        $report.ReportType | Should -Be 'delivery-status'
        $status = @($report | Where-Object { $_ -is [MimeKit.MessageDeliveryStatus] })
        $status.Count | Should -Be 1 -Because 'a multipart/report has one message/delivery-status part'
        $groups = $status[0].StatusGroups
        $groups.Count | Should -BeGreaterOrEqual 2 -Because 'per-message fields, then one group per recipient'
        foreach ($i in 1..($groups.Count - 1)) {
            $h = @{}
            foreach ($header in $groups[$i]) { $h[$header.Field] = $header.Value.Trim() }
            $h
        }
    }
}

AfterAll {
    foreach ($name in 'relayA', 'relayB', 'relayC', 'relayS', 'relayT', 'relayW') {
        if (Get-MailServer -Name $name -ErrorAction SilentlyContinue) { Stop-MailServer -Name $name }
    }
    if ($script:postfixReady) { & bash (Join-Path $PSScriptRoot 'tools/postfix-instance.sh') stop $pfDir }
    if ($script:dns) { Stop-DnsPeer $dns }
    if ($script:killed -and -not $script:killed.HasExited) { $script:killed.Kill() }
}

Describe 'Outbound mail between two servers found by MX' {
    BeforeEach { if ($skipReason) { Set-ItResult -Skipped -Because $skipReason } }

    It 'delivers a submission from a.test to b.test, and Get-MailMessageTrace shows each step' {
        $subject = "a-to-b $(New-Guid)"
        Send-Submission 127.0.0.2 $A.Port('submission') alice@a.test bob@b.test $subject
        $m = Get-MailServerMessage -Server $B -Account bob@b.test -Subject $subject -Wait -Timeout 20
        @($m).Count | Should -Be 1
        [Text.Encoding]::UTF8.GetString($m.GetBytes()) | Should -Match 'relay body'

        Wait-Until -Because 'the Delivered trace event' { Get-MailMessageTrace -Server relayA -Recipient bob@b.test -Status Delivered | Where-Object Subject -eq $subject }
        $trace = @(Get-MailMessageTrace -Server relayA -Recipient bob@b.test | Where-Object Subject -eq $subject)
        $steps = $trace.Status | ForEach-Object { "$_" }
        foreach ($step in 'Received', 'Queued', 'Attempted', 'Delivered') { $steps | Should -Contain $step }
        $steps | Should -Not -Contain 'Failed'
        # Newest first, like Get-MessageTraceV2.
        $times = $trace.Timestamp
        for ($i = 1; $i -lt $times.Count; $i++) { $times[$i - 1] | Should -BeGreaterOrEqual $times[$i] }
        "$($trace[0].Status)" | Should -Be 'Delivered'
        ($trace | Where-Object { "$($_.Status)" -eq 'Delivered' }).RemoteHost | Should -Match 'mx\.b\.test|127\.0\.0\.3'
        # The queue lets go of a finished message.
        Wait-Until -Seconds 5 -Because 'the queue to drop the delivered message' { -not ($A.Queue.GetMessages() | Where-Object Subject -eq $subject) }
    }

    It 'delivers from b.test back to a.test' {
        $subject = "b-to-a $(New-Guid)"
        Send-Submission 127.0.0.3 $B.Port('submission') bob@b.test alice@a.test $subject
        $m = Get-MailServerMessage -Server $A -Account alice@a.test -Subject $subject -Wait -Timeout 20
        @($m).Count | Should -Be 1
        # Two hops over SMTP: B's submission (ESMTPA), then A's SMTP port (ESMTP, opportunistic STARTTLS: ESMTPS).
        $received = @([regex]::Matches([Text.Encoding]::UTF8.GetString($m.GetBytes()), '(?m)^Received: [^\r\n]*\r?\n\s+by [^\r\n]*') | ForEach-Object Value)
        $received.Count | Should -Be 2
        $received[0] | Should -Match 'with ESMTPS? '
        $received[1] | Should -Match 'with ESMTPS?A '
    }

    It 'tries the next MX when the preferred one refuses connections' {
        $subject = "two-mx $(New-Guid)"
        Send-Submission 127.0.0.2 $A.Port('submission') alice@a.test tom@two.test $subject
        $m = Get-MailServerMessage -Server $B -Account tom@two.test -Subject $subject -Wait -Timeout 20
        @($m).Count | Should -Be 1
    }

    It 'passes NOTIFY=SUCCESS on to B (RFC 3461), whose success notice comes back to the sender on A' {
        $subject = "dsn success $(New-Guid)"
        Send-Submission 127.0.0.2 $A.Port('submission') alice@a.test bob@b.test $subject -Extra @{ DeliveryNotificationOption = 'OnSuccess' }
        $null = Get-MailServerMessage -Server $B -Account bob@b.test -Subject $subject -Wait -Timeout 20
        $notice = Get-Notice $A alice@a.test $subject
        $groups = @(Get-DeliveryStatus $notice)
        $groups.Count | Should -Be 1
        $groups[0]['Final-Recipient'] | Should -Match '^rfc822;\s*bob@b\.test$'
        # B stored it (delivered); A alone would only be able to say "relayed" to a next hop without DSN.
        $groups[0]['Action'] | Should -Be 'delivered'
        $groups[0]['Status'] | Should -Match '^2\.\d+\.\d+$'
        # Exactly one notice: A does not add its own "relayed" one when B took the request on.
        Start-Sleep -Seconds 1
        @(Get-MailServerMessage -Server $A -Account alice@a.test | Where-Object { [Text.Encoding]::UTF8.GetString($_.GetBytes()) -match [regex]::Escape($subject) }).Count | Should -Be 1
    }

    It 'is no open relay: port 25 without AUTH refuses a remote recipient' {
        $out = Invoke-Python @'
import smtplib, sys
s = smtplib.SMTP("127.0.0.2", int(sys.argv[1]), timeout=10)
s.ehlo("outsider.test")
s.mail("someone@outsider.test")
code, text = s.rcpt("bob@b.test")
print(code)
s.quit()
'@ -Arguments $port
        [int] @($out)[-1] | Should -BeIn 550, 554
    }
}

Describe 'Delivery through a Postfix smarthost that requires AUTH' {
    BeforeEach { if ($skipReason) { Set-ItResult -Skipped -Because $skipReason } }

    It 'relays through Postfix with -SmarthostSecure <Secure> into B' -ForEach @(
        @{ Name = 'relayS'; Secure = 'None'; Tls = $false }
        @{ Name = 'relayT'; Secure = 'StartTls'; Tls = $true }
    ) {
        $extra = @{ SmarthostSecure = $Secure }
        if ($Tls) { $extra.SmarthostSkipCertificateCheck = $true }
        $s = Start-MailServer -Name $Name -InMemory -Domain "$($Name.ToLower()).test" -IPAddress 127.0.0.1 -FreePorts -AllowInsecureAuth `
            -Smarthost "127.0.0.1:$pfPort" -SmarthostCredential (New-Credential $pfUser) -RetrySchedule '00:10:00' -WarningAction SilentlyContinue @extra
        try {
            New-MailAccount -Server $s -Address "sam@$($Name.ToLower()).test" -Password $secret | Out-Null
            $subject = "via smarthost $Secure $(New-Guid)"
            Send-Submission 127.0.0.1 $s.Port('submission') "sam@$($Name.ToLower()).test" bob@b.test $subject
            $m = Get-MailServerMessage -Server $B -Account bob@b.test -Subject $subject -Wait -Timeout 30
            $raw = [Text.Encoding]::UTF8.GetString($m.GetBytes())
            # Postfix's own Received line: the message went through the real MTA.
            $raw | Should -Match '(?m)^Received: from .*\s+by postfix\.test \(Postfix\)'
            # Postfix's protocol name: ESMTPSA over TLS with AUTH, ESMTPA with AUTH only (RFC 3848).
            $raw | Should -Match $(if ($Tls) { 'by postfix\.test \(Postfix\) with ESMTPSA ' } else { 'by postfix\.test \(Postfix\) with ESMTPA ' })
            # Postfix accepted it as the authenticated user (it refuses unauthenticated relay).
            Get-Content (Join-Path $pfDir 'maillog') -Raw | Should -Match ([regex]::Escape("sasl_username=$pfUser"))
        }
        finally { Stop-MailServer -Name $Name }
    }

    It 'has a smarthost that refuses relay without AUTH (so the deliveries above did authenticate)' {
        $out = Invoke-Python @'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.ehlo("client.test")
print("AUTH" in s.esmtp_features.get("auth", "") or "auth" in s.esmtp_features)
s.mail("someone@client.test")
print(s.rcpt("bob@b.test")[0])
s.quit()
'@ -Arguments $pfPort
        @($out)[0] | Should -Be 'True'
        [int] @($out)[-1] | Should -Be 554
    }

    It 'does not deliver with a wrong smarthost password (Postfix answers 535) and says so in the queue' {
        $s = Start-MailServer -Name relayW -InMemory -Domain w.test -IPAddress 127.0.0.1 -FreePorts -AllowInsecureAuth `
            -Smarthost "127.0.0.1:$pfPort" -SmarthostCredential (New-Credential $pfUser 'wrong-password') -SmarthostSecure None -RetrySchedule '00:10:00' -WarningAction SilentlyContinue
        try {
            New-MailAccount -Server $s -Address sam@w.test -Password $secret | Out-Null
            $subject = "wrong auth $(New-Guid)"
            Send-Submission 127.0.0.1 $s.Port('submission') sam@w.test bob@b.test $subject
            Wait-Until -Because 'an attempt with the wrong password' { (Get-QueuedRecipient $s $subject bob@b.test).Attempts -ge 1 }
            $r = Get-QueuedRecipient $s $subject bob@b.test
            "$($r.Status)" | Should -BeIn 'Deferred', 'Failed'
            $r.LastReply | Should -Match '535|5\.7\.8'
            Get-Inbox $B bob@b.test $subject | Should -BeNullOrEmpty
        }
        finally { Stop-MailServer -Name relayW }
    }
}

Describe 'Faults' {
    BeforeEach { if ($skipReason) { Set-ItResult -Skipped -Because $skipReason } }

    It 'defers while the destination refuses connections and delivers once it is back (Resume-MailQueueMessage)' {
        Stop-C
        $subject = "c-down $(New-Guid)"
        Send-Submission 127.0.0.2 $A.Port('submission') alice@a.test dave@c.test $subject
        Wait-Until -Because 'a deferral for dave@c.test' { "$((Get-QueuedRecipient $A $subject dave@c.test).Status)" -eq 'Deferred' }

        $q = @(Get-MailQueueMessage -Server relayA -Recipient dave@c.test | Where-Object Subject -eq $subject)
        $q.Count | Should -Be 1
        $rcpt = $q[0].Recipients | Where-Object Address -eq dave@c.test
        "$($rcpt.Status)" | Should -Be 'Deferred'
        $rcpt.Attempts | Should -BeGreaterOrEqual 1
        $rcpt.LastReply | Should -Not -BeNullOrEmpty
        $rcpt.NextAttempt | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(5))
        $row = Get-MailQueue -Server relayA | Where-Object Destination -eq 'c.test'
        $row.Recipients | Should -BeGreaterOrEqual 1
        $row.LastError | Should -Not -BeNullOrEmpty

        $null = Start-C
        $q | Resume-MailQueueMessage
        $m = Get-MailServerMessage -Server relayC -Account dave@c.test -Subject $subject -Wait -Timeout 20
        @($m).Count | Should -Be 1
        Wait-Until -Seconds 5 -Because 'the Delivered state' { -not (Get-QueuedRecipient $A $subject dave@c.test) -or "$((Get-QueuedRecipient $A $subject dave@c.test).Status)" -eq 'Delivered' }
        Get-MailMessageTrace -Server relayA -Recipient dave@c.test | Where-Object Subject -eq $subject | ForEach-Object { "$($_.Status)" } | Should -Contain 'Deferred'
    }

    It 'delivers to the recipient answered 250 and defers the one answered 452 (full mailbox), once each' {
        # Fill carol's 2 KB (2,000 of 2,048 bytes): B answers 452 4.2.2 at RCPT for her only.
        $filler = [Text.Encoding]::ASCII.GetBytes("Subject: filler`r`n`r`n" + ('x' * 1978))
        $null = $B.Store.DeliverAsync('carol@b.test', 'INBOX', $filler, [DateTimeOffset]::UtcNow).GetAwaiter().GetResult()
        $subject = "partial $(New-Guid)"
        Send-Submission 127.0.0.2 $A.Port('submission') alice@a.test bob@b.test, carol@b.test $subject
        $null = Get-MailServerMessage -Server $B -Account bob@b.test -Subject $subject -Wait -Timeout 20
        Wait-Until -Because "carol's deferral" { "$((Get-QueuedRecipient $A $subject carol@b.test).Status)" -eq 'Deferred' }
        $carol = Get-QueuedRecipient $A $subject carol@b.test
        $carol.LastReply | Should -Match '^452 4\.2\.2'
        "$((Get-QueuedRecipient $A $subject bob@b.test).Status)" | Should -Be 'Delivered'
        Get-Inbox $B carol@b.test $subject | Should -BeNullOrEmpty

        # Room again, retry now: carol gets it, bob does not get it a second time.
        Set-MailAccount -Server $B -Address carol@b.test -Quota 10MB
        Get-MailQueueMessage -Server relayA -Recipient carol@b.test | Where-Object Subject -eq $subject | Resume-MailQueueMessage
        $null = Get-MailServerMessage -Server $B -Account carol@b.test -Subject $subject -Wait -Timeout 20
        Start-Sleep -Milliseconds 500
        (Get-Inbox $B bob@b.test $subject).Count | Should -Be 1
        (Get-Inbox $B carol@b.test $subject).Count | Should -Be 1
    }

    It 'sends the local sender a failure notice (RFC 3464) for a 550 5.1.1' {
        $subject = "unknown user $(New-Guid)"
        Send-Submission 127.0.0.2 $A.Port('submission') alice@a.test nobody@b.test $subject
        $notice = Get-Notice $A alice@a.test $subject
        $notice.From.Mailboxes[0].Address | Should -Not -Be 'alice@a.test'
        $groups = @(Get-DeliveryStatus $notice)
        $groups.Count | Should -Be 1
        $groups[0]['Final-Recipient'] | Should -Match '^rfc822;\s*nobody@b\.test$'
        $groups[0]['Action'] | Should -Be 'failed'
        $groups[0]['Status'] | Should -Be '5.1.1'
        $groups[0]['Diagnostic-Code'] | Should -Match '^smtp;\s*550[ -]5\.1\.1'
        Get-MailMessageTrace -Server relayA -Recipient nobody@b.test | Where-Object Subject -eq $subject | ForEach-Object { "$($_.Status)" } | Should -Contain 'Failed'
    }

    It 'fails a null-MX domain at once with a 5.1.10 notice' {
        $subject = "null mx $(New-Guid)"
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Send-Submission 127.0.0.2 $A.Port('submission') alice@a.test someone@nullmx.test $subject
        $notice = Get-Notice $A alice@a.test $subject
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 15 -Because 'a null MX is a permanent failure, not a deferral'
        $groups = @(Get-DeliveryStatus $notice)
        $groups[0]['Final-Recipient'] | Should -Match '^rfc822;\s*someone@nullmx\.test$'
        $groups[0]['Action'] | Should -Be 'failed'
        $groups[0]['Status'] | Should -Be '5.1.10'
    }
}

Describe 'kill -9 of the sending server with a full queue' {
    BeforeEach { if ($skipReason) { Set-ItResult -Skipped -Because $skipReason } }

    It 'delivers every queued message after the restart (duplicates counted)' {
        Stop-C
        $kStore = Join-Path $folder 'k-store'
        $count = 60
        # The sender in its own process, so that it can be killed outright (SIGKILL). One connection
        # per destination: delivery is serial, so the kill lands while it is under way.
        function Start-K {
            $k = Start-ServerProcess "-Name relayK -Path '$kStore' -Domain k.test -IPAddress 127.0.0.1 -FreePorts -Disable Imap, Imaps, Pop3, Pop3s, Submission -RelayNetwork 127.0.0.0/8 -DnsServer '$($dns.Server)' -DeliveryPort $port -RetrySchedule '00:00:01' -MaxConnectionsPerDestination 1"
            $script:killed = $k.Process
            $k
        }

        $k = Start-K
        $out = Invoke-Python @'
import smtplib, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
s = smtplib.SMTP("127.0.0.1", port, timeout=30)
for i in range(count):
    msg = "From: app@k.test\r\nTo: dave@c.test\r\nSubject: crash %d\r\nMessage-ID: <crash-%d@k.test>\r\n\r\n%s\r\n" % (i, i, "x" * 2000)
    s.sendmail("app@k.test", ["dave@c.test"], msg)
s.quit()
print("sent", count)
'@ -Arguments $k.Port, $count
        @($out)[-1] | Should -Be "sent $count"
        # Every message is tried at least once against the dead destination, then C comes up.
        Start-Sleep -Seconds 2
        $c = Start-C
        $before = $c.Statistics.Smtp.Messages
        Wait-Until -Seconds 20 -Because 'the first redelivery to reach C' { $c.Statistics.Smtp.Messages -gt $before }
        $k.Process.Kill()   # SIGKILL
        $k.Process.WaitForExit(10000) | Should -BeTrue
        $atKill = $c.Statistics.Smtp.Messages - $before

        $null = Start-K
        Wait-Until -Seconds 60 -Because "all $count messages at C" {
            (@(Get-MailServerMessage -Server relayC -Account dave@c.test | Where-Object Subject -like 'crash *').Subject | Sort-Object -Unique).Count -ge $count
        }
        Start-Sleep -Seconds 1
        $arrived = @(Get-MailServerMessage -Server relayC -Account dave@c.test | Where-Object Subject -like 'crash *')
        $distinct = @($arrived.Subject | Sort-Object -Unique)
        $duplicates = $arrived.Count - $distinct.Count
        Write-Host "kill -9: $count queued, $atKill at the destination when killed, $($arrived.Count) arrived in all, $duplicates duplicate(s)"
        $distinct.Count | Should -Be $count -Because 'nothing queued is lost'
        # At most one more delivery per message (the ones in flight at the kill).
        $arrived | Group-Object Subject | Where-Object Count -gt 2 | Should -BeNullOrEmpty
        $script:killed.Kill(); $script:killed.WaitForExit(10000) | Out-Null
    }
}
