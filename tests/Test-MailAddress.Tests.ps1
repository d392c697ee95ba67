# Test-MailAddress: syntax, the domain's mail hosts (dnsmasq on loopback), RCPT TO at our server.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'DnsTestHelpers.ps1')
    $script:lab = Start-ClientLab
    $script:dns = Start-DnsPeer -Records @(
        '--mx-host=mail.test,mx.mail.test,10'
        '--host-record=mx.mail.test,127.0.0.1'
        '--host-record=amx.test,127.0.0.2'
        # RFC 7505 null MX (MX 0 .): no mail, even though the name has an address.
        '--dns-rr=nullmx.test,15,000000'
        '--host-record=nullmx.test,127.0.0.1'
    )
}

AfterAll {
    Stop-DnsPeer $dns
    Stop-ClientLab $lab
}

Describe 'Test-MailAddress syntax (-SkipDns)' {
    It 'recognises a display name: <_>' -ForEach 'Jörg Müller <jorg@example.com>', '"Müller, Jörg" <jorg@example.com>' {
        $r = Test-MailAddress $_ -SkipDns
        $r.IsValid | Should -BeTrue
        $r.Address | Should -Be 'jorg@example.com'
        $r.DisplayName | Should -Match 'Jörg'
    }
    It 'names the wrong character of a domain instead of a raw .NET IDN message' {
        $r = Test-MailAddress 'user@exa_mple.com' -SkipDns
        $r.IsValid | Should -BeFalse
        "$($r.Findings)" | Should -Match "'_' is not allowed"
        "$($r.Findings)" | Should -Not -Match 'IDN name|Parameter'
    }

    It 'accepts <_>' -ForEach @(
        'ann@example.com'
        '"john..doe"@example.com'
        '"with space and \" quote"@example.com'
        'user+tag@sub.example.com'
        'user@[192.0.2.1]'
        'user@[IPv6:2001:db8::1]'
        'user@bücher.example'
        'δοκιμή@παράδειγμα.δοκιμή'
    ) {
        $r = Test-MailAddress $_ -SkipDns
        $r.IsValid | Should -BeTrue
        $r.Findings[0].Check | Should -Be 'Syntax'
        $r.Findings.Status | Should -Not -Contain 'Fail'
    }

    It 'rejects <_>' -ForEach @(
        'john..doe@example.com'
        '.ann@example.com'
        'no-at-sign'
        'a@b@example.com'
        'ann@'
        'ann@exa_mple.com'
        'user@[300.1.1.1]'
        'user@[2001:db8::1]'
        '"unclosed@example.com'
    ) {
        $r = Test-MailAddress $_ -SkipDns
        $r.IsValid | Should -BeFalse
        $r.Findings[0].Status | Should -Be 'Fail'
    }

    It 'marks a UTF-8 local part as needing SMTPUTF8, and converts IDN domains to punycode' {
        $r = Test-MailAddress 'δοκιμή@bücher.example' -SkipDns
        $r.Syntax.RequiresSmtpUtf8 | Should -BeTrue
        $r.Syntax.AsciiDomain | Should -Be 'xn--bcher-kva.example'
    }

    It 'takes addresses from the pipeline, by value and by property name' {
        ('a@example.com', 'b@example.com' | Test-MailAddress -SkipDns | ForEach-Object Address) | Should -Be @('a@example.com', 'b@example.com')
        ([pscustomobject]@{ Address = 'c@example.com' } | Test-MailAddress -SkipDns).IsValid | Should -BeTrue
    }
}

Describe 'Test-MailAddress DNS checks against dnsmasq' {
    BeforeEach {
        if (-not $dns) { Set-ItResult -Skipped -Because $DnsSkipReason }
    }

    It 'passes a domain with an MX and names its mail hosts' {
        $r = Test-MailAddress ann@mail.test -DnsServer $dns.Server
        $r.IsValid | Should -BeTrue
        $r.MailHosts | Should -Be @('mx.mail.test')
    }

    It 'falls back to the A record when there is no MX' {
        $r = Test-MailAddress ann@amx.test -DnsServer $dns.Server
        $r.IsValid | Should -BeTrue
        ($r.Findings | Where-Object Check -eq 'Domain').Detail | Should -Match 'no MX.*127\.0\.0\.2'
    }

    It 'fails a null-MX domain and, with -Probe, asks no host' {
        $r = Test-MailAddress ann@nullmx.test -DnsServer $dns.Server -Probe -Port $lab.SmtpPort -Timeout 5
        $r.IsValid | Should -BeFalse
        $r.MailHosts | Should -BeNullOrEmpty
        $r.Probe | Should -BeNullOrEmpty
        ($r.Findings | Where-Object Check -eq 'Domain').Detail | Should -Match 'null MX \(RFC 7505\)'
        ($r.Findings | Where-Object Check -eq 'Probe').Detail | Should -Match 'not asked'
    }

    It 'fails a domain that does not exist' {
        $r = Test-MailAddress ann@nowhere.test -DnsServer $dns.Server
        $r.IsValid | Should -BeFalse
        ($r.Findings | Where-Object Check -eq 'Domain').Detail | Should -Match 'NXDOMAIN'
    }
}

Describe 'Test-MailAddress -Probe against our server' {
    It 'a known recipient is accepted (250) and nothing is delivered' {
        $r = Test-MailAddress ann@example.com -SkipDns -Probe -Server $lab.Host -Port $lab.SmtpPort -Timeout 5
        $r.IsValid | Should -BeTrue
        $r.Probe.Code | Should -Be 250
        $r.Probe.Accepted | Should -BeTrue
        @(Get-MailServerMessage -Server $lab.Name).Count | Should -Be 0
    }

    It 'an unknown recipient is refused (550) and the address is not valid' {
        $r = Test-MailAddress nobody@example.com -SkipDns -Probe -Server $lab.Host -Port $lab.SmtpPort -From postmaster@example.org -Timeout 5
        $r.IsValid | Should -BeFalse
        $r.Probe.Code | Should -Be 550
        ($r.Findings | Where-Object Check -eq 'Probe').Status | Should -Be 'Fail'
    }

    It 'probes the MX that DNS names' {
        if (-not $dns) { Set-ItResult -Skipped -Because $DnsSkipReason; return }
        # mx.mail.test is 127.0.0.1; the lab listens on a free port instead of 25.
        $r = Test-MailAddress ann@mail.test -DnsServer $dns.Server -Probe -Port $lab.SmtpPort -Timeout 5
        $r.Probe.Server | Should -Be 'mx.mail.test'
        # The connection reached the lab (resolved through dnsmasq), which relays nothing for mail.test.
        $r.Probe.Stage | Should -Be 'RCPT'
        $r.Probe.Code | Should -BeGreaterOrEqual 550
    }

    It 'a server that does not answer is a Warning, not a verdict' {
        $fake = Start-FakeServer -Mode silent
        try {
            $r = Test-MailAddress ann@example.com -SkipDns -Probe -Server 127.0.0.1 -Port $fake.Port -Timeout 1
            $r.IsValid | Should -BeTrue
            ($r.Findings | Where-Object Check -eq 'Probe').Status | Should -Be 'Warning'
            $r.Probe.Reply | Should -Match 'no reply within 1 s'
        }
        finally { Stop-FakeServer $fake }
    }
}
