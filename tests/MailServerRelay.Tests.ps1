# Accepting mail for elsewhere (issue 12 §1): relay only after AUTH, postmaster always, loops refused.
# Real clients (swaks, Python smtplib) against a real server; no RCPT here ends in a queued remote delivery.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:server = Start-TestServer -Name relay -Domain example.com
    $script:smtp = $server.Port('smtp')
    $script:submission = $server.Port('submission')
    New-MailAccount -Server relay -Address ann@example.com -Password (ConvertTo-TestSecureString 'Ann-Passw0rd') | Out-Null
    # The trace's query type, from the engine's own load context.
    $script:traceQuery = $server.Trace.GetType().Assembly.GetType('MailAdmin.Delivery.MessageTraceQuery')
}

AfterAll {
    Stop-MailServer -Name relay
}

Describe 'Relay rules' {
    It 'still refuses another domain on port 25 without AUTH' -Skip:(-not (Find-Program swaks)) {
        $out = swaks --server "127.0.0.1:$smtp" --from 'ann@example.com' --to 'victim@elsewhere.test' --quit-after RCPT 2>&1
        ($out -join "`n") | Should -Match '<\*\* +554 5\.7\.1'
    }

    It 'accepts another domain after AUTH, on the submission port and on port 25' -Skip:(-not (Find-Program python3)) {
        $script = @'
import smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
for port in sys.argv[1:]:
    with smtplib.SMTP("127.0.0.1", int(port), timeout=10) as s:
        s.starttls(context=ctx)
        s.login("ann@example.com", "Ann-Passw0rd")
        s.mail("ann@example.com")
        code, text = s.rcpt("friend@elsewhere.test")
        print(port, code, text.decode())
        s.rset()
'@
        $lines = Invoke-Python $script @("$submission", "$smtp")
        $lines.Count | Should -Be 2
        $lines | ForEach-Object { $_ | Should -Match '^\d+ 250 2\.1\.5' }
    }
}

Describe 'postmaster' {
    It 'takes postmaster in any case into the first account created' -Skip:(-not (Find-Program swaks)) {
        $server.PostmasterAccount | Should -Be 'ann@example.com'
        New-MailAccount -Server relay -Address zoe@example.com -Password (ConvertTo-TestSecureString 'Zoe-Passw0rd') | Out-Null
        foreach ($to in 'PostMaster', 'POSTMASTER@example.com') {
            $out = swaks --server "127.0.0.1:$smtp" --from 'someone@remote.test' --to $to --header "Subject: to $to" 2>&1
            ($out -join "`n") | Should -Match '<- +250 2\.0\.0'
        }
        $got = @(Get-MailServerMessage -Server relay -Account ann@example.com -Wait -Timeout 10 | Where-Object Subject -like 'to *')
        $got.Count | Should -Be 2
        @(Get-MailServerMessage -Server relay -Account zoe@example.com).Count | Should -Be 0
    }
}

Describe 'Loop protection' {
    It 'delivers 50 Received lines counting ours and bounces 51' -Skip:(-not (Find-Program python3)) {
        $script = @'
import smtplib, sys
port = int(sys.argv[1])
for n, subject in ((49, "hops-50"), (50, "hops-51")):
    received = "".join("Received: from h%d.test by h%d.test; Mon, 1 Jan 2024 10:00:00 +0000\r\n" % (i, i + 1) for i in range(n))
    body = received + "Subject: " + subject + "\r\nFrom: a@remote.test\r\n\r\nround and round\r\n"
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.sendmail("a@remote.test", ["ann@example.com"], body.encode())
        print(subject, "accepted")
'@
        $lines = Invoke-Python $script @("$smtp")
        $lines | Should -Be @('hops-50 accepted', 'hops-51 accepted')
        $got = @(Get-MailServerMessage -Server relay -Account ann@example.com -Wait -Timeout 10 | Where-Object Subject -like 'hops-*')
        @($got.Subject) | Should -Be @('hops-50')
        $failed = @($server.Trace.Query([Activator]::CreateInstance($traceQuery)) | Where-Object { $_.Status -eq 'Failed' -and $_.Detail -eq 'routing loop' })
        $failed.Count | Should -Be 1
        $failed[0].Recipient | Should -Be 'ann@example.com'
        $failed[0].Reply | Should -Match '^554 5\.4\.6'
    }
}

Describe 'Start-MailServer -RelayNetwork' {
    BeforeDiscovery {
        $parameters = (Get-Command Start-MailServer).Parameters
        $script:outbound = $parameters.ContainsKey('RelayNetwork') -and $parameters.ContainsKey('Smarthost')
    }

    BeforeAll {
        $parameters = (Get-Command Start-MailServer).Parameters
        if ($parameters.ContainsKey('RelayNetwork') -and $parameters.ContainsKey('Smarthost')) {
            # A smarthost nobody listens on (loopback port 9): what is queued stays queued, and no traffic leaves the host.
            $script:lan = Start-TestServer -Name relay-lan -Extra @{ RelayNetwork = '10.0.0.0/8', '127.0.0.0/8'; Smarthost = '127.0.0.1:9' }
        }
    }

    AfterAll {
        Get-MailServer -Name relay-lan -ErrorAction SilentlyContinue | Stop-MailServer
    }

    It 'relays for a client in the network without AUTH, into the queue' -Skip:(-not $outbound -or -not (Find-Program swaks)) {
        $out = swaks --server "127.0.0.1:$($lan.Port('smtp'))" --from 'app@lan.test' --to 'ops@elsewhere.test' --header 'Subject: from the lan' 2>&1
        ($out -join "`n") | Should -Match '<- +250 2\.0\.0'
        $queued = @($lan.Queue.GetMessages())
        $queued.Count | Should -Be 1
        $queued[0].Recipients[0].Address | Should -Be 'ops@elsewhere.test'
        $queued[0].ClientTrusted | Should -BeTrue
        $queued[0].Subject | Should -Be 'from the lan'
    }

    It 'refuses a mistyped network at start' -Skip:(-not $outbound) {
        { Start-MailServer -Name relay-bad -InMemory -FreePorts -RelayNetwork '10.0.0.0/33' -ErrorAction Stop } | Should -Throw
        Get-MailServer -Name relay-bad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
