# Test-MailServer against our server, Postfix, Dovecot, bad certificates, a closed port and a
# port that never greets: each must give the right status and stage.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    $script:lab = Start-ClientLab
    $script:trusted = $lab.MailServer.Certificate
    function Get-Check($Result, [string] $Name) { $Result.Checks | Where-Object Name -eq $Name | Select-Object -First 1 }
}

AfterAll { Stop-ClientLab $lab }

Describe 'Our server' {
    It 'SMTP passes every check when its certificate is trusted' {
        $r = Test-MailServer 127.0.0.1 -Protocol Smtp -Port $lab.SmtpPort -TrustedCertificate $trusted -TestRelay -Recipient $lab.Address
        $r.Stage | Should -BeNullOrEmpty
        (Get-Check $r 'Open relay').Status | Should -Be 'Pass'
        (Get-Check $r "Recipient $($lab.Address)").Status | Should -Be 'Pass'
        (Get-Check $r 'STARTTLS').Status | Should -Be 'Pass'
        $r.TlsProtocol | Should -Match 'Tls1[23]'
        $r.Capabilities | Should -Contain 'PIPELINING'   # the list after TLS, which no longer offers STARTTLS
        $r.Banner | Should -Match 'MailAdmin'
        $r.Latency | Should -BeOfType [timespan]
        # Plaintext AUTH before TLS (the lab allows it) is a Warning, not a failure.
        $r.Status | Should -Be 'Warning'
        (Get-Check $r 'Plaintext login before TLS').Status | Should -Be 'Warning'
    }

    It 'without trusting the self-signed certificate the chain fails at stage tls' {
        $r = Test-MailServer 127.0.0.1 -Protocol Smtp -Port $lab.SmtpPort
        $r.Status | Should -Be 'Fail'
        $r.Stage | Should -Be 'tls'
        (Get-Check $r 'Certificate chain').Status | Should -Be 'Fail'
        $r.Certificate.ChainErrors | Should -Contain 'UntrustedRoot'
    }

    It 'a refused recipient fails at stage rcpt, and nothing is delivered' {
        $before = @(Get-MailServerMessage -Server $lab.Name -ErrorAction SilentlyContinue).Count
        $r = Test-MailServer 127.0.0.1 -Port $lab.SmtpPort -TrustedCertificate $trusted -Recipient nobody@example.com, $lab.Address
        $r.Stage | Should -Be 'rcpt'
        (Get-Check $r 'Recipient nobody@example.com').Detail | Should -Match '550'
        (Get-Check $r "Recipient $($lab.Address)").Status | Should -Be 'Pass'
        @(Get-MailServerMessage -Server $lab.Name -ErrorAction SilentlyContinue).Count | Should -Be $before
    }

    It '<_> logs in after STARTTLS, and the transcript hides the password' -ForEach 'Imap', 'Pop3', 'Submission' {
        $port = @{ Imap = $lab.ImapPort; Pop3 = $lab.Pop3Port; Submission = $lab.SubmissionPort }[$_]
        $r = Test-MailServer localhost -Protocol $_ -Port $port -Credential $lab.Credential -TrustedCertificate $trusted
        $r.Stage | Should -BeNullOrEmpty
        (Get-Check $r 'Login').Status | Should -Be 'Pass'
        $text = $r.Transcript -join "`n"
        $text | Should -Match '\*{8}'
        $text | Should -Not -Match ([regex]::Escape($LabPassword))
        $plain = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("`0$($lab.Address)`0$LabPassword"))
        $text | Should -Not -Match ([regex]::Escape($plain))
    }

    It 'a wrong password fails at stage auth' {
        $wrong = [pscredential]::new($lab.Address, (ConvertTo-TestSecureString 'wrong-password'))
        $r = Test-MailServer localhost -Protocol Imap -Port $lab.ImapPort -Credential $wrong -TrustedCertificate $trusted
        $r.Status | Should -Be 'Fail'
        $r.Stage | Should -Be 'auth'
    }

    It '-Quiet returns one boolean per target and protocol' {
        $answers = @(Test-MailServer 127.0.0.1, localhost -Port $lab.SmtpPort -TrustedCertificate $trusted -Quiet)
        $answers.Count | Should -Be 2
        $answers | ForEach-Object { $_ | Should -BeOfType [bool]; $_ | Should -BeTrue }
        Test-MailServer 127.0.0.1 -Port $lab.SmtpPort -Quiet | Should -BeFalse
    }

    It 'a certificate expiring sooner than -CertificateWarningDays is a Warning' {
        $r = Test-MailServer 127.0.0.1 -Port $lab.SmtpPort -TrustedCertificate $trusted -CertificateWarningDays 2000
        (Get-Check $r 'Certificate expiry').Status | Should -Be 'Warning'
    }
}

Describe 'Bad certificates' {
    It '<Case> certificate: Fail at stage tls' -ForEach @(
        @{ Case = 'expired'; Names = @('localhost'); From = -400; To = -30; Check = 'Certificate expiry'; Pattern = 'expired' }
        @{ Case = 'wrong-name'; Names = @('mail.other.test'); From = -1; To = 300; Check = 'Certificate name'; Pattern = 'does not name' }
    ) {
        $certificate = [MailAdmin.Hosting.TlsCertificates]::CreateSelfSigned([string[]] $Names, [datetime]::UtcNow.AddDays($From), [datetime]::UtcNow.AddDays($To))
        $server = Start-TestServer -Name "cert-$Case-$(Get-Random)" -Extra @{ Certificate = $certificate }
        try {
            $r = Test-MailServer localhost -Port $server.Port('smtp') -TrustedCertificate $certificate
            $r.Status | Should -Be 'Fail'
            $r.Stage | Should -Be 'tls'
            $check = Get-Check $r $Check
            $check.Status | Should -Be 'Fail'
            $check.Detail | Should -Match $Pattern
        }
        finally { Stop-MailServer -Name $server.Name }
    }
}

Describe 'Unreachable and silent servers' {
    It 'a closed port fails at stage connect' {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
        $closed = $listener.LocalEndpoint.Port; $listener.Stop()
        $r = Test-MailServer 127.0.0.1 -Port $closed -Timeout 5
        $r.Status | Should -Be 'Fail'
        $r.Stage | Should -Be 'connect'
        $r.Latency | Should -BeNullOrEmpty
    }

    It 'a port that accepts but never greets fails at stage banner after the timeout' {
        $fake = Start-FakeServer -Mode silent
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $r = Test-MailServer 127.0.0.1 -Port $fake.Port -Timeout 2
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            $r.Status | Should -Be 'Fail'
            $r.Stage | Should -Be 'banner'
            $r.Latency | Should -Not -BeNullOrEmpty
        }
        finally { Stop-FakeServer $fake }
    }

    It 'results come in the order of the targets, not the order they finish' {
        $fake = Start-FakeServer -Mode silent
        try {
            # The silent 127.0.0.1 finishes after its 2 s timeout; nothing listens on 127.0.0.2, refused at once.
            $results = @(Test-MailServer 127.0.0.1, 127.0.0.2 -Port $fake.Port -Timeout 2)
            $results.Target | Should -Be @('127.0.0.1', '127.0.0.2')
            $results.Stage | Should -Be @('banner', 'connect')
            $quiet = @(Test-MailServer 127.0.0.2, 127.0.0.1 -Port $lab.SmtpPort -TrustedCertificate $trusted -Timeout 5 -Quiet)
            $quiet | Should -Be @($false, $true)
        }
        finally { Stop-FakeServer $fake }
    }

    It 'targets are checked concurrently: 8 silent targets take about one timeout, not eight' {
        $fake = Start-FakeServer -Mode silent
        try {
            $targets = 1..8 | ForEach-Object { "127.0.0.1" }   # the fake listens on 127.0.0.1 only
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $results = @($targets | Test-MailServer -Port $fake.Port -Timeout 3 -ThrottleLimit 8)
            $elapsed = $watch.Elapsed.TotalSeconds
            $results.Count | Should -Be 8
            $results | ForEach-Object { $_.Stage | Should -Be 'banner' }
            $elapsed | Should -BeLessThan 12   # sequential would take at least 24 s
        }
        finally { Stop-FakeServer $fake }
    }
}

Describe 'Postfix and Dovecot' {
    BeforeAll {
        $script:dovecot = Start-DovecotPeer
        $script:dovecotReason = $PeerSkipReason
        $script:postfix = Start-PostfixPeer -RelayPort $lab.SmtpPort
        $script:postfixReason = $PeerSkipReason
    }
    AfterAll {
        Stop-DovecotPeer $dovecot
        Stop-PostfixPeer $postfix
    }
    It 'Postfix without TLS: a Warning, no failing stage, its EHLO keywords' {
        if (-not $postfix) { Set-ItResult -Skipped -Because $postfixReason; return }
        $r = Test-MailServer 127.0.0.1 -Port $postfix.Port -Recipient ann@example.com
        $r.Status | Should -Be 'Warning'
        $r.Stage | Should -BeNullOrEmpty
        (Get-Check $r 'TLS').Detail | Should -Match 'STARTTLS'
        $r.Capabilities | Should -Contain 'PIPELINING'
        $r.Banner | Should -Match 'Postfix|ESMTP'
    }
    It 'Dovecot <_> logs in; plaintext without TLS is a Warning' -ForEach 'Imap', 'Pop3' {
        if (-not $dovecot) { Set-ItResult -Skipped -Because $dovecotReason; return }
        $port = if ($_ -eq 'Imap') { $dovecot.ImapPort } else { $dovecot.Pop3Port }
        $r = Test-MailServer 127.0.0.1 -Protocol $_ -Port $port -Credential $dovecot.Credential
        $r.Stage | Should -BeNullOrEmpty
        $r.Status | Should -Be 'Warning'
        (Get-Check $r 'Login').Status | Should -Be 'Pass'
        (Get-Check $r 'Plaintext login before TLS').Status | Should -Be 'Warning'
    }
}

Describe 'Test-MailServer -Domain' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'DnsTestHelpers.ps1')
        $script:dns = Start-DnsPeer -Records @(
            '--mx-host=example.test,mx2.example.test,20'
            '--mx-host=example.test,mx1.example.test,10'
            '--host-record=mx1.example.test,127.0.0.1'
            '--host-record=mx2.example.test,127.0.0.1'
            '--host-record=nomx.test,127.0.0.1'
            # RFC 7505 null MX (MX 0 .), beside an address that must not be tried either.
            '--dns-rr=nullmx.test,15,000000'
            '--host-record=nullmx.test,127.0.0.1'
        )
        $script:dnsReason = $DnsSkipReason
    }
    AfterAll { if ($dns) { Stop-DnsPeer $dns } }

    It 'tests each MX host of the domain, in preference order, at the address DNS gives' {
        if (-not $dns) { Set-ItResult -Skipped -Because $dnsReason; return }
        $results = @(Test-MailServer -Domain example.test -DnsServer $dns.Server -Port $lab.SmtpPort -TrustedCertificate $trusted -ThrottleLimit 1)
        # One at a time (-ThrottleLimit 1), so they come out in preference order.
        $results.Target -join ',' | Should -Be 'mx1.example.test,mx2.example.test'
        foreach ($r in $results) {
            $r.Checks[0].Detail | Should -Match '127\.0\.0\.1'
            # The lab certificate names neither MX host: the name check must say so.
            ($r.Checks | Where-Object Name -eq 'Certificate name').Status | Should -Be 'Fail'
            $r.Stage | Should -Be 'tls'
        }
    }
    It 'a domain without MX is its own mail host' {
        if (-not $dns) { Set-ItResult -Skipped -Because $dnsReason; return }
        $r = Test-MailServer -Domain nomx.test -DnsServer $dns.Server -Port $lab.SmtpPort -TrustedCertificate $trusted
        $r.Target | Should -Be 'nomx.test'
        ($r.Checks | Where-Object Name -eq 'Connect').Status | Should -Be 'Pass'
    }
    It 'a null-MX domain is a MailDomainAcceptsNoMail error and nothing is probed, while the other domains go on' {
        if (-not $dns) { Set-ItResult -Skipped -Because $dnsReason; return }
        $results = @(Test-MailServer -Domain nullmx.test, nomx.test -DnsServer $dns.Server -Port $lab.SmtpPort -TrustedCertificate $trusted -ErrorVariable problems -ErrorAction SilentlyContinue)
        $results.Target | Should -Be @('nomx.test')
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MailDomainAcceptsNoMail,*'
        $problems[0].TargetObject | Should -Be 'nullmx.test'
        $problems[0].Exception.Message | Should -Match 'null MX'
    }
    It 'a domain that does not exist is a MailDomainUnresolved error' {
        if (-not $dns) { Set-ItResult -Skipped -Because $dnsReason; return }
        { Test-MailServer -Domain missing.test -DnsServer $dns.Server -ErrorAction Stop } | Should -Throw -ErrorId 'MailDomainUnresolved,*'
    }
}

Describe 'Test-MailServer -RoundTrip' {
    It 'sends a probe, finds it over <_>, reports the latency and deletes the probe' -ForEach 'Imap', 'Pop3' {
        $read = if ($_ -eq 'Imap') { @{ ImapServer = '127.0.0.1'; MailboxPort = $lab.ImapPort } } else { @{ Pop3Server = '127.0.0.1'; MailboxPort = $lab.Pop3Port } }
        $r = Test-MailServer 127.0.0.1 -Port $lab.SmtpPort -TrustedCertificate $trusted -RoundTrip -MailboxCredential $lab.Credential -RoundTripTimeout 20 @read
        $check = $r.Checks | Where-Object Name -eq 'Round trip'
        $check.Status | Should -Be 'Pass'
        $check.Detail | Should -Match 'deleted'
        $r.RoundTripLatency | Should -BeOfType [timespan]
        $r.RoundTripLatency.TotalSeconds | Should -BeLessThan 20
        $r.Stage | Should -BeNullOrEmpty
        # The probe is gone from the mailbox.
        @(Get-MailServerMessage -Server $lab.Name -ErrorAction SilentlyContinue | Where-Object Subject -eq 'MailAdmin round-trip probe').Count | Should -Be 0
    }
    It 'a probe the server refuses fails at stage data' {
        $r = Test-MailServer 127.0.0.1 -Port $lab.SmtpPort -TrustedCertificate $trusted -RoundTrip -ImapServer 127.0.0.1 -MailboxPort $lab.ImapPort -MailboxCredential $lab.Credential -To nobody@example.com -RoundTripTimeout 5
        $r.Stage | Should -Be 'data'
        ($r.Checks | Where-Object Name -eq 'Round trip').Detail | Should -Match 'could not be sent'
    }
    It 'a probe that never arrives fails at stage roundtrip' {
        # Sent to ann, looked for in another account's mailbox.
        New-MailAccount -Server $lab.Name -Address bob@example.com -Password (ConvertTo-TestSecureString $LabPassword) | Out-Null
        $bob = [pscredential]::new('bob@example.com', (ConvertTo-TestSecureString $LabPassword))
        $r = Test-MailServer 127.0.0.1 -Port $lab.SmtpPort -TrustedCertificate $trusted -RoundTrip -ImapServer 127.0.0.1 -MailboxPort $lab.ImapPort -MailboxCredential $bob -To $lab.Address -RoundTripTimeout 3
        $r.Stage | Should -Be 'roundtrip'
        Get-MailServerMessage -Server $lab.Name | Where-Object Subject -eq 'MailAdmin round-trip probe' | ForEach-Object { $_ } | Should -Not -BeNullOrEmpty
    }
    It 'needs a mailbox to read' {
        { Test-MailServer 127.0.0.1 -Port $lab.SmtpPort -RoundTrip -ErrorAction Stop } | Should -Throw -ErrorId 'RoundTripMailboxMissing,*'
    }
}
