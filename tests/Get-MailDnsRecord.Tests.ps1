# Get-MailDnsRecord against a real DNS server (dnsmasq on loopback) serving zones defined here.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'DnsTestHelpers.ps1')
    $heavyIncludes = 1..3 | ForEach-Object { "--txt-record=i$_.heavy.test,v=spf1 a mx ptr exists:x.heavy.test -all" }
    $script:dns = Start-DnsPeer -Records (@(
            # MX listed worst first: the report must sort by preference.
            '--mx-host=example.test,mx2.example.test,20'
            '--mx-host=example.test,mx1.example.test,10'
            # host-record makes A and the matching PTR: mx1 is forward-confirmed.
            '--host-record=mx1.example.test,127.0.0.11'
            # mx2's address points back at another name: not forward-confirmed.
            '--address=/mx2.example.test/127.0.0.12'
            '--ptr-record=12.0.0.127.in-addr.arpa,elsewhere.example.test'
            # One SPF record sent as two character-strings, which are joined (RFC 7208 §3.3).
            '--txt-record=example.test,"v=spf1 mx include:_spf.example.test"," -all"'
            '--txt-record=example.test,google-site-verification=abc'
            '--txt-record=_spf.example.test,v=spf1 ip4:192.0.2.0/24 a:x.example.test include:_spf2.example.test ~all'
            '--txt-record=_spf2.example.test,v=spf1 ip6:2001:db8::/32 ?all'
            '--txt-record=_dmarc.example.test,"v=DMARC1; p=quarantine; sp=reject; pct=50; rua=mailto:agg@example.test,mailto:big@example.test!10m; ruf=mailto:fail@example.test"'
            '--txt-record=sel1._domainkey.example.test,v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC'
            '--txt-record=_mta-sts.example.test,v=STSv1; id=20260101T000000'
            '--txt-record=_smtp._tls.example.test,v=TLSRPTv1; rua=mailto:tls@example.test'
            '--txt-record=default._bimi.example.test,v=BIMI1; l=https://example.test/logo.svg'
            # heavy.test: 3 includes of 4 lookups each = 15, over the limit of 10.
            '--host-record=heavy.test,127.0.0.20'
            '--txt-record=heavy.test,v=spf1 include:i1.heavy.test include:i2.heavy.test include:i3.heavy.test -all'
            '--txt-record=_dmarc.heavy.test,v=DMARC1; p=none; rua=mailto:d@heavy.test'
            # bad.test: two SPF records, an SPF syntax error in a DMARC-less domain.
            '--mx-host=bad.test,mx1.example.test,10'
            '--txt-record=bad.test,v=spf1 -all'
            '--txt-record=bad.test,v=spf1 +all'
        ) + $heavyIncludes)
}

AfterAll { Stop-DnsPeer $dns }

Describe 'Get-MailDnsRecord against dnsmasq' {
    BeforeEach {
        if (-not $dns) { Set-ItResult -Skipped -Because $DnsSkipReason }
    }

    It 'reports MX by preference with addresses and forward-confirmed reverse DNS' {
        $r = Get-MailDnsRecord -Domain example.test -DnsServer $dns.Server
        $r.Domain | Should -Be 'example.test'
        $r.Mx.Host | Should -Be @('mx1.example.test', 'mx2.example.test')
        $r.Mx.Preference | Should -Be @(10, 20)
        $r.Mx[0].Addresses[0].Address.ToString() | Should -Be '127.0.0.11'
        $r.Mx[0].Addresses[0].Ptr | Should -Be @('mx1.example.test')
        $r.Mx[0].Addresses[0].ForwardConfirmed | Should -BeTrue
        $r.Mx[1].Addresses[0].Ptr | Should -Be @('elsewhere.example.test')
        $r.Mx[1].Addresses[0].ForwardConfirmed | Should -BeFalse
        $ptr = @($r.Findings | Where-Object Check -eq 'PTR')
        $ptr.Count | Should -Be 1
        $ptr[0].Status | Should -Be 'Warning'
        $ptr[0].Detail | Should -Match '127\.0\.0\.12.*does not resolve back'
    }

    It 'parses SPF (joined strings), counts lookups through includes, and passes it' {
        $r = Get-MailDnsRecord example.test -DnsServer $dns.Server
        $r.Spf.Record | Should -Be 'v=spf1 mx include:_spf.example.test -all'
        $r.Spf.Mechanisms.Name | Should -Be @('mx', 'include', 'all')
        $r.Spf.Mechanisms[2].Result | Should -Be 'Fail'
        # mx + include here, a + include in _spf, none in _spf2.
        $r.Spf.LookupCount | Should -Be 4
        $r.Spf.Status | Should -Be 'Pass'
    }

    It 'parses DMARC with rua and ruf, and warns about pct below 100' {
        $d = (Get-MailDnsRecord example.test -DnsServer $dns.Server).Dmarc
        $d.Policy | Should -Be 'quarantine'
        $d.SubdomainPolicy | Should -Be 'reject'
        $d.Pct | Should -Be 50
        $d.Rua | Should -Be @('mailto:agg@example.test', 'mailto:big@example.test')
        $d.Ruf | Should -Be @('mailto:fail@example.test')
        $f = (Get-MailDnsRecord example.test -DnsServer $dns.Server).Findings | Where-Object Check -eq 'DMARC'
        $f.Status | Should -Be 'Warning'
        $f.Detail | Should -Match 'pct=50'
    }

    It 'finds DKIM keys for -Selector and fails a missing one' {
        $r = Get-MailDnsRecord example.test -Selector sel1, gone -DnsServer $dns.Server
        $r.Dkim.Selector | Should -Be @('sel1')
        $r.Dkim[0].KeyType | Should -Be 'rsa'
        $dkim = @($r.Findings | Where-Object Check -eq 'DKIM')
        ($dkim | Where-Object Status -eq 'Pass').Detail | Should -Match 'sel1'
        ($dkim | Where-Object Status -eq 'Fail').Detail | Should -Match 'gone\._domainkey\.example\.test'
    }

    It 'reads MTA-STS, TLS-RPT and BIMI' {
        $r = Get-MailDnsRecord example.test -DnsServer $dns.Server
        $r.MtaSts.Tags['id'] | Should -Be '20260101T000000'
        $r.TlsRpt.Tags['rua'] | Should -Be 'mailto:tls@example.test'
        $r.Bimi.Tags['l'] | Should -Be 'https://example.test/logo.svg'
        @($r.Findings | Where-Object { $_.Check -in 'MTA-STS', 'TLS-RPT', 'BIMI' -and $_.Status -eq 'Pass' }).Count | Should -Be 3
    }

    It 'takes domains from the pipeline, by value and by property name' {
        $reports = 'example.test', 'heavy.test' | Get-MailDnsRecord -DnsServer $dns.Server
        $reports.Domain | Should -Be @('example.test', 'heavy.test')
        ([pscustomobject]@{ Domain = 'bad.test' } | Get-MailDnsRecord -DnsServer $dns.Server).Domain | Should -Be 'bad.test'
    }

    It 'warns when SPF needs more than 10 lookups, and about p=none and a missing MX' {
        $r = Get-MailDnsRecord heavy.test -DnsServer $dns.Server
        $r.Spf.LookupCount | Should -Be 15
        $r.Spf.Status | Should -Be 'Warning'
        ($r.Findings | Where-Object Check -eq 'SPF').Detail | Should -Match '15 DNS lookups'
        ($r.Findings | Where-Object Check -eq 'DMARC').Detail | Should -Match 'p=none'
        ($r.Findings | Where-Object Check -eq 'MX').Detail | Should -Match 'no MX record.*127\.0\.0\.20'
    }

    It 'fails several SPF records and +all, and warns about a missing DMARC record' {
        $r = Get-MailDnsRecord bad.test -DnsServer $dns.Server
        $r.Status | Should -Be 'Fail'
        $spf = @($r.Findings | Where-Object Check -eq 'SPF')
        $spf.Detail | Should -Contain '2 SPF records: receivers return permerror (RFC 7208 §4.5)'
        ($r.Findings | Where-Object Check -eq 'DMARC').Status | Should -Be 'Warning'
    }

    It 'reports a domain that does not exist as a Fail finding, not an error' {
        $r = Get-MailDnsRecord nowhere.test -DnsServer $dns.Server -ErrorVariable errors
        $errors | Should -BeNullOrEmpty
        $r.Findings.Count | Should -Be 1
        $r.Findings[0].Status | Should -Be 'Fail'
        $r.Findings[0].Detail | Should -Match 'NXDOMAIN'
    }

    It 'shows one table line per domain' {
        $text = 'example.test', 'bad.test' | Get-MailDnsRecord -DnsServer $dns.Server | Out-String -Width 200
        $text | Should -Match 'example\.test\s+mx1\.example\.test \(2\)\s+Pass\s+quarantine\s+Warning'
        $text | Should -Match 'bad\.test\s+.*Fail'
    }
}

Describe 'Get-MailDnsRecord without a DNS server' {
    It 'turns no answer into one Fail finding, quickly and without an error' {
        # A loopback port where nothing listens: the query is refused at once.
        $listener = [Net.Sockets.UdpClient]::new(0)
        $port = $listener.Client.LocalEndPoint.Port
        $listener.Dispose()
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = Get-MailDnsRecord example.test -DnsServer "127.0.0.1:$port" -Timeout 1 -ErrorVariable errors
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $errors | Should -BeNullOrEmpty
        $r.Status | Should -Be 'Fail'
        $r.Findings[0].Check | Should -Be 'DNS'
        $r.Findings[0].Detail | Should -Match "DNS lookup failed: no answer from 127\.0\.0\.1:$port"
    }

    It 'rejects a -DnsServer it cannot read: DnsServerInvalid' {
        { Get-MailDnsRecord example.test -DnsServer '127.0.0.1:99999' -ErrorAction Stop } | Should -Throw -ErrorId 'DnsServerInvalid,*'
    }
}
