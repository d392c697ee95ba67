BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')

    # Opens raw connections (from an optional source address) and prints each one's first line, or 'closed'.
    $script:openConnections = @'
import socket, sys, time
port, count, source = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
held = []
for i in range(count):
    s = socket.create_connection(('127.0.0.1', port), timeout=10, source_address=(source, 0))
    held.append(s)
    line = s.makefile('rb').readline().decode().strip()
    print(line or 'closed')
    time.sleep(0.05)
'@
}

Describe 'Start-MailServer limits' {
    AfterEach {
        Get-MailServer | Stop-MailServer
    }

    It 'has documented defaults, given to every protocol' {
        $server = Start-TestServer -Name defaults
        $server.Options.MaxConnections | Should -Be 500
        $server.Options.MaxConnectionsPerAddress | Should -Be 50
        $server.Options.MaxConnectionsPerAccount | Should -Be 20
        $server.Options.MaxRecipients | Should -Be 100
        $server.Options.IdleTimeout | Should -BeNullOrEmpty
    }

    It '-MaxConnections counts every protocol together and refuses one more with each protocol''s words' {
        $server = Start-TestServer -Name maxconn -Extra @{ MaxConnections = 2 }
        $script = $openConnections + @'

extra = socket.create_connection(('127.0.0.1', int(sys.argv[4])), timeout=10)
print(extra.makefile('rb').readline().decode().strip() or 'closed')
'@
        $out = Invoke-Python $script @("$($server.Port('smtp'))", '3', '127.0.0.1', "$($server.Port('imap'))")
        $out[0] | Should -Match '^220 '
        $out[1] | Should -Match '^220 '
        $out[2] | Should -Match '^421 4\.7\.0'
        $out[3] | Should -Match '^\* BYE \[UNAVAILABLE\]'
        $server.Statistics.Smtp.RejectedConnections | Should -Be 1
        $server.Statistics.Imap.RejectedConnections | Should -Be 1
    }

    It '-MaxConnectionsPerAddress refuses one address and not another' {
        $server = Start-TestServer -Name peraddress -Extra @{ MaxConnectionsPerAddress = 2 }
        $script = $openConnections + @'

other = socket.create_connection(('127.0.0.1', port), timeout=10, source_address=('127.0.0.2', 0))
print(other.makefile('rb').readline().decode().strip() or 'closed')
'@
        $out = Invoke-Python $script @("$($server.Port('smtp'))", '3', '127.0.0.1')
        $out[0..1] | ForEach-Object { $_ | Should -Match '^220 ' }
        $out[2] | Should -Match '^421 4\.7\.0'
        $out[3] | Should -Match '^220 '
    }

    It '-MaxConnectionsPerAccount refuses an IMAP login over the limit, counting the account''s POP3 session' {
        $server = Start-TestServer -Name peraccount -Extra @{ MaxConnectionsPerAccount = 2; AllowInsecureAuth = $true }
        New-MailAccount -Server peraccount -Address ann@example.com -Password (ConvertTo-TestSecureString 'Ann-Passw0rd') | Out-Null
        $script = @'
import imaplib, poplib, sys
imap, pop = int(sys.argv[1]), int(sys.argv[2])
def login():
    c = imaplib.IMAP4('127.0.0.1', imap)
    try:
        c.login('ann@example.com', 'Ann-Passw0rd'); return c, 'ok'
    except imaplib.IMAP4.error as e:
        return c, 'refused ' + str(e)
a, r1 = login(); print(r1)
p = poplib.POP3('127.0.0.1', pop); p.user('ann@example.com'); p.pass_('Ann-Passw0rd'); print('pop3 ok')
b, r2 = login(); print(r2)
p.quit()
import time; time.sleep(0.5)
c, r3 = login(); print(r3)
'@
        $out = Invoke-Python $script @("$($server.Port('imap'))", "$($server.Port('pop3'))")
        $out[0] | Should -Be 'ok'
        $out[1] | Should -Be 'pop3 ok'
        $out[2] | Should -Match '^refused .*\[LIMIT\]'
        $out[3] | Should -Be 'ok'
    }

    It '-IdleTimeout closes an idle session of each protocol' {
        $server = Start-TestServer -Name idle -Extra @{ IdleTimeout = 2 }
        $script = @'
import socket, sys, time
for port in sys.argv[1:]:
    s = socket.create_connection(('127.0.0.1', int(port)), timeout=20)
    f = s.makefile('rb')
    f.readline()
    start = time.monotonic()
    last = f.readline().decode().strip()
    rest = f.read()
    print('%.1f %s' % (time.monotonic() - start, last))
'@
        $out = Invoke-Python $script @("$($server.Port('smtp'))", "$($server.Port('imap'))", "$($server.Port('pop3'))")
        $out.Count | Should -Be 3
        foreach ($line in $out) {
            $seconds = [double]($line -split ' ')[0]
            $seconds | Should -BeGreaterOrEqual 1.5
            $seconds | Should -BeLessThan 8
        }
        $out[0] | Should -Match ' 421 4\.4\.2'
        $out[1] | Should -Match ' \* BYE'
        $out[2] | Should -Match ' -ERR'
        $server.Statistics.Smtp.TimedOut | Should -Be 1
    }

    It '-MaxRecipients refuses the recipients over the limit with 452, not the message' {
        $server = Start-TestServer -Name rcpt -CatchAll -Extra @{ MaxRecipients = 2 }
        $script = @'
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20) as s:
    refused = s.sendmail('x@remote.test', ['a@example.com', 'b@example.com', 'c@example.com'], 'Subject: many\r\n\r\nbody\r\n')
    for rcpt, (code, text) in refused.items(): print(rcpt, code)
'@
        $out = Invoke-Python $script @("$($server.Port('smtp'))")
        $out | Should -Be @('c@example.com 452')
        $server.Statistics.Smtp.Messages | Should -Be 1
    }

    It 'refuses an out-of-range value as a parameter error' -TestCases @(
        @{ Parameter = 'MaxConnections'; Value = 0 }
        @{ Parameter = 'MaxConnectionsPerAddress'; Value = 0 }
        @{ Parameter = 'MaxConnectionsPerAccount'; Value = 0 }
        @{ Parameter = 'IdleTimeout'; Value = 0 }
        @{ Parameter = 'IdleTimeout'; Value = 86401 }
        @{ Parameter = 'MaxRecipients'; Value = 0 }
    ) {
        $parameters = @{ Name = 'range'; InMemory = $true; FreePorts = $true; $Parameter = $Value; ErrorAction = 'Stop' }
        { Start-MailServer @parameters } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        Get-MailServer -Name range -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'takes the limits from -ConfigurationPath, range-checked as on the command line' {
        $folder = New-TestFolder 'limits-config'
        $good = Join-Path $folder 'good.psd1'
        Set-Content -Path $good -Value "@{ Name = 'fromfile'; InMemory = `$true; FreePorts = `$true; MaxConnections = 7; MaxConnectionsPerAddress = 3; MaxConnectionsPerAccount = 4; IdleTimeout = 90; MaxRecipients = 9 }"
        $server = Start-MailServer -ConfigurationPath $good
        $server.Options.MaxConnections | Should -Be 7
        $server.Options.MaxConnectionsPerAddress | Should -Be 3
        $server.Options.MaxConnectionsPerAccount | Should -Be 4
        $server.Options.IdleTimeout | Should -Be ([timespan]::FromSeconds(90))
        $server.Options.MaxRecipients | Should -Be 9
        Stop-MailServer -Name fromfile

        $bad = Join-Path $folder 'bad.psd1'
        Set-Content -Path $bad -Value "@{ Name = 'badfile'; InMemory = `$true; FreePorts = `$true; MaxConnections = 0 }"
        { Start-MailServer -ConfigurationPath $bad -ErrorAction Stop } | Should -Throw '*MaxConnections*out of range*'
        Get-MailServer -Name badfile -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Stop-MailServer under load' {
    It 'returns within a bound while clients are mid-command and in DATA' {
        $server = Start-TestServer -Name loaded -CatchAll
        $port = $server.Port('smtp')
        # 20 clients: half stopped inside DATA, half in the middle of a command line; none finishes.
        $script = @'
import socket, sys, time
port, held = int(sys.argv[1]), []
for i in range(20):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    f = s.makefile('rb')
    f.readline()
    if i % 2 == 0:
        for cmd in (b'EHLO c', b'MAIL FROM:<x@remote.test>', b'RCPT TO:<a@example.com>', b'DATA'):
            s.sendall(cmd + b'\r\n')
            while True:
                line = f.readline()
                if line[3:4] != b'-': break
        s.sendall(b'Subject: unfinished\r\n\r\nbody\r\n')
    else:
        s.sendall(b'MAIL FROM:<half')
    held.append(s)
print('ready', flush=True)
time.sleep(60)
'@
        $file = Join-Path (New-TestFolder 'stopload') 'load.py'
        Set-Content -Path $file -Value $script
        $python = Start-Process -FilePath python3 -ArgumentList $file, "$port" -PassThru -NoNewWindow -RedirectStandardOutput (Join-Path $TestDrive 'load.out')
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ($server.Statistics.Smtp.ActiveSessions -lt 20 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Start-Sleep -Milliseconds 500
            $server.Statistics.Smtp.ActiveSessions | Should -Be 20
            $watch = [Diagnostics.Stopwatch]::StartNew()
            Stop-MailServer -Name loaded
            $watch.Stop()
            $server.Status | Should -Be 'Stopped'
            # 5 s of grace, then the busy sessions are aborted.
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            $server.Statistics.Smtp.ActiveSessions | Should -Be 0
            $server.Statistics.Smtp.Messages | Should -Be 0
        }
        finally {
            if (-not $python.HasExited) { $python.Kill() }
            Get-MailServer | Stop-MailServer
        }
    }
}
