# Fault rules (Add-/Get-/Remove-MailServerRule, Start-MailServer -Rule) met by real clients:
# Python smtplib, MailKit, Send-SmtpMessage with its retries, and an application-like script.
# Each test checks what the client saw (codes, texts, a closed connection, time waited) and what
# the server stored.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')

    # Runs smtplib commands given as a Python expression list and prints one line per step:
    # the reply (code and text), or the exception's class name when the client failed.
    $script:smtpSteps = @'
import smtplib, sys, time
port = int(sys.argv[1])
steps = sys.argv[2:]
c = None
for step in steps:
    t = time.time()
    try:
        if step == 'connect':
            c = smtplib.SMTP(timeout=10)
            r = c.connect('127.0.0.1', port)
        elif step == 'ehlo': r = c.ehlo('client.test')
        elif step.startswith('mail '): r = c.mail(step[5:])
        elif step.startswith('rcpt '): r = c.rcpt(step[5:])
        elif step.startswith('data '): r = c.data(('Subject: ' + step[5:] + '\r\n\r\nHello\r\n').encode())
        elif step == 'rset': r = c.rset()
        elif step == 'quit': r = c.quit()
        print('%d %s|%.2f' % (r[0], r[1].decode().replace('\n', ' '), time.time() - t))
    except smtplib.SMTPConnectError as e:
        print('%d %s|%.2f' % (e.smtp_code, e.smtp_error.decode(), time.time() - t))
        break
    except (smtplib.SMTPServerDisconnected, ConnectionError) as e:
        print('%s|%.2f' % (type(e).__name__, time.time() - t))
        break
'@
    function Invoke-SmtpSteps([int] $Port, [string[]] $Steps) {
        @(Invoke-Python $smtpSteps (@("$Port") + $Steps)) | ForEach-Object {
            $reply, $seconds = $_ -split '\|'
            [pscustomobject]@{ Reply = $reply; Seconds = [double] $seconds }
        }
    }
    function Get-Stored([string] $Server) { @(Get-MailServerMessage -Server $Server) }
}

Describe 'Fault rules met by real SMTP clients' {
    BeforeAll {
        $server = Start-TestServer -Name rules -CatchAll
        $port = $server.Port('smtp')
    }
    AfterAll { Stop-MailServer -Name rules }
    AfterEach {
        Remove-MailServerRule -Server rules -All
        Clear-MailServerMessage -Server rules
    }

    It '-Reply at Rcpt refuses the matching recipient only, with the exact code and text (smtplib)' {
        $rule = Add-MailServerRule -Server rules -Stage Rcpt -Recipient '*@slow.test' -Reply '451 4.7.1 Try again later' -Name slow
        $rule.Id | Should -BeGreaterThan 0
        $rule.Effect | Should -Be '451 4.7.1 Try again later'
        $steps = Invoke-SmtpSteps $port 'connect', 'ehlo', 'mail app@example.com', 'rcpt user@SLOW.test', 'rcpt user@fast.test', 'data Hi', 'quit'
        $steps[3].Reply | Should -Be '451 4.7.1 Try again later'
        $steps[4].Reply | Should -Match '^250 2\.1\.5'
        $steps[5].Reply | Should -Match '^250 2\.0\.0 OK: queued'
        $stored = Get-Stored rules
        $stored | Should -HaveCount 1
        Get-MailServerMessage -Server rules -To 'user@fast.test' | Should -HaveCount 1
        Get-MailServerMessage -Server rules -To '*@slow.test' | Should -HaveCount 0
        (Get-MailServerRule -Server rules -Name slow).Hits | Should -Be 1
    }

    It 'MailKit sees a -Reply rule''s 550 as a refused recipient, and nothing is stored' {
        Add-MailServerRule -Server rules -Stage Rcpt -Recipient 'gone@*' -Reply '550 5.1.1 No such user here' | Out-Null
        $client = Get-MailKitSmtpClient
        try {
            $client.Connect('127.0.0.1', $port, [MailKit.Security.SecureSocketOptions]::None)
            $message = [MimeKit.MimeMessage]::new()
            $message.From.Add([MimeKit.MailboxAddress]::Parse('app@example.com'))
            $message.To.Add([MimeKit.MailboxAddress]::Parse('gone@example.com'))
            $message.Subject = 'Hello'
            $message.Body = [MimeKit.TextPart]::new('plain') -as [MimeKit.TextPart]
            $message.Body.Text = 'Hello'
            $caught = $null
            try { $client.Send($message) } catch { $caught = $_.Exception.InnerException ?? $_.Exception }
            $caught | Should -BeOfType [MailKit.Net.Smtp.SmtpCommandException]
            [int] $caught.StatusCode | Should -Be 550
            $caught.ErrorCode | Should -Be 'RecipientNotAccepted'
            $caught.Message | Should -Be '5.1.1 No such user here'
            $client.Disconnect($true)
        }
        finally { $client.Dispose() }
        Get-Stored rules | Should -HaveCount 0
    }

    It '-RateLimit per sender lets 3 a window through, then 451; Send-SmtpMessage -RetryCount gets in once the window moved on' {
        Add-MailServerRule -Server rules -Stage Mail -Sender 'limited@app.test' -RateLimit 3 -Window 00:00:02 -Per Sender -Name limit | Out-Null
        $send = @{ Server = '127.0.0.1'; Port = $port; Secure = 'None'; From = 'limited@app.test'; To = 'user@example.com' }
        1..3 | ForEach-Object { Send-SmtpMessage @send -Subject "ok $_" -RetryCount 0 }
        Send-SmtpMessage @send -Subject 'refused' -RetryCount 0 -ErrorAction SilentlyContinue -ErrorVariable refused
        $refused | Should -HaveCount 1
        $refused[0].Exception.ReplyCode | Should -Be 451
        $refused[0].Exception.Message | Should -BeLike '*Rate limit exceeded (3 per 00:00:02)*'
        # Another sender is not limited.
        Send-SmtpMessage @send -From 'other@app.test' -Subject 'other' -RetryCount 0
        $result = Send-SmtpMessage @send -Subject 'retried' -RetryCount 4 -RetryDelay 0.5 -PassThru
        $result.Attempts | Should -BeGreaterThan 1
        $result.Elapsed.TotalSeconds | Should -BeGreaterThan 0.4
        $subjects = (Get-Stored rules).Subject | Sort-Object
        $subjects | Should -Be @('ok 1', 'ok 2', 'ok 3', 'other', 'retried')
        (Get-MailServerRule -Server rules -Name limit).Hits | Should -BeGreaterOrEqual 2
    }

    It 'Send-SmtpMessage -RetryCount gets through once a 451 rule is removed during its retries' {
        $rule = Add-MailServerRule -Server rules -Stage Rcpt -Reply '451 4.3.2 Maintenance'
        $rules = $server.Rules
        # The rule goes away while the client waits for its retry, as an admin would lift it.
        $lifter = Start-ThreadJob { Start-Sleep -Milliseconds 700; $null = ($using:rules).Remove($using:rule) }
        try {
            $result = Send-SmtpMessage -Server 127.0.0.1 -Port $port -Secure None -From 'app@example.com' -To 'user@example.com' -Subject 'after maintenance' -RetryCount 4 -RetryDelay 0.5 -PassThru
        }
        finally { $lifter | Wait-Job | Remove-Job }
        $result.Attempts | Should -BeGreaterThan 1
        $result.Accepted | Should -Be 'user@example.com'
        $rule.Hits | Should -Be ($result.Attempts - 1)
        (Get-Stored rules).Subject | Should -Be 'after maintenance'
    }

    It 'a rule added while a session is open applies to its next command' {
        # Made first and taken off again, so that the thread below only has to put it back.
        $rule = Add-MailServerRule -Server rules -Stage Rcpt -Reply '452 4.3.1 Out of room for now'
        Remove-MailServerRule -InputObject $rule
        $rules = $server.Rules
        $adder = Start-ThreadJob { Start-Sleep -Milliseconds 500; $null = ($using:rules).Add($using:rule) }
        try {
            $script = @'
import smtplib, sys, time
c = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)
c.ehlo()
c.mail('app@example.com')
print(c.rcpt('before@example.com')[0])
time.sleep(1.5)
r = c.rcpt('after@example.com')
print(r[0], r[1].decode())
c.quit()
'@
            $out = Invoke-Python $script @("$port")
        }
        finally { $adder | Wait-Job | Remove-Job }
        $out[0] | Should -Be '250'
        $out[1] | Should -Be '452 4.3.1 Out of room for now'
        $rule.Hits | Should -Be 1
    }

    It '-Delay holds the reply for the given time, then the step goes on as normal' {
        Add-MailServerRule -Server rules -Stage Helo -Delay 00:00:00.6 | Out-Null
        Add-MailServerRule -Server rules -Stage EndOfData -Delay 00:00:00.4 -MaxDelay 00:00:00.5 | Out-Null
        $steps = Invoke-SmtpSteps $port 'connect', 'ehlo', 'mail app@example.com', 'rcpt user@example.com', 'data Slow', 'quit'
        $steps[0].Reply | Should -Match '^220 '
        $steps[0].Seconds | Should -BeLessThan 0.5
        $steps[1].Reply | Should -Match '^250 '
        $steps[1].Seconds | Should -BeGreaterOrEqual 0.55
        $steps[2].Seconds | Should -BeLessThan 0.5
        $steps[4].Reply | Should -Match '^250 2\.0\.0 OK: queued'
        $steps[4].Seconds | Should -BeGreaterOrEqual 0.35
        (Get-Stored rules).Subject | Should -Be 'Slow'
    }

    It '-Disconnect at EndOfData drops the connection after the content, without a reply, and stores nothing' {
        Add-MailServerRule -Server rules -Stage EndOfData -Sender 'crash@*' -Disconnect | Out-Null
        $steps = Invoke-SmtpSteps $port 'connect', 'ehlo', 'mail crash@example.com', 'rcpt user@example.com', 'data Lost'
        $steps[2].Reply | Should -Match '^250 '
        $steps[4].Reply | Should -Be 'SMTPServerDisconnected'
        Get-Stored rules | Should -HaveCount 0
        # Another sender is unaffected.
        $steps = Invoke-SmtpSteps $port 'connect', 'ehlo', 'mail fine@example.com', 'rcpt user@example.com', 'data Kept', 'quit'
        $steps[4].Reply | Should -Match '^250 '
        (Get-Stored rules).Subject | Should -Be 'Kept'
    }

    It '-Disconnect at Data drops the connection at the DATA command; at Connect before the greeting' {
        Add-MailServerRule -Server rules -Stage Data -Disconnect | Out-Null
        $steps = Invoke-SmtpSteps $port 'connect', 'ehlo', 'mail app@example.com', 'rcpt user@example.com', 'data Never'
        $steps[4].Reply | Should -Be 'SMTPServerDisconnected'
        Remove-MailServerRule -Server rules -All
        Add-MailServerRule -Server rules -Stage Connect -Disconnect | Out-Null
        $steps = Invoke-SmtpSteps $port 'connect'
        $steps[0].Reply | Should -Be 'SMTPServerDisconnected'
        Get-Stored rules | Should -HaveCount 0
    }

    It 'Connect rules match the client address: a 554 greeting, and 421 past a connection rate' {
        Add-MailServerRule -Server rules -Stage Connect -ClientAddress '192.0.2.0/24' -Reply '554 5.7.1 Not from there' | Out-Null
        (Invoke-SmtpSteps $port 'connect', 'quit')[0].Reply | Should -Match '^220 '
        Remove-MailServerRule -Server rules -All
        Add-MailServerRule -Server rules -Stage Connect -ClientAddress '127.0.0.0/8' -Reply '554 5.7.1 Not from there' | Out-Null
        (Invoke-SmtpSteps $port 'connect')[0].Reply | Should -Be '554 5.7.1 Not from there'
        Remove-MailServerRule -Server rules -All
        Add-MailServerRule -Server rules -Stage Connect -RateLimit 2 -Window 00:01:00 -Reply '421 4.7.0 Too many connections from you' | Out-Null
        $first = Invoke-SmtpSteps $port 'connect', 'quit'
        $second = Invoke-SmtpSteps $port 'connect', 'quit'
        $third = Invoke-SmtpSteps $port 'connect', 'ehlo'
        $first[0].Reply, $second[0].Reply | Should -Match '^220 '
        $third[0].Reply | Should -Be '421 4.7.0 Too many connections from you'
    }

    It '-Probability with -Seed fails the same recipients on every run' {
        $steps = @('connect', 'ehlo', 'mail app@example.com') + @(1..30 | ForEach-Object { "rcpt u$_@example.com" }) + 'quit'
        $runs = foreach ($run in 1..2) {
            $rule = Add-MailServerRule -Server rules -Stage Rcpt -Reply '451 4.3.0 Chaos' -Probability 0.3 -Seed 42
            $pattern = -join ((Invoke-SmtpSteps $port $steps)[3..32] | ForEach-Object { if ($_.Reply -like '451 4.3.0 Chaos') { 'x' } else { '.' } })
            $rule.Hits | Should -Be ($pattern.ToCharArray() -eq 'x').Count
            Remove-MailServerRule -Server rules -All
            $pattern
        }
        $runs[0] | Should -Be $runs[1]
        ($runs[0].ToCharArray() -eq 'x').Count | Should -BeGreaterThan 2
        ($runs[0].ToCharArray() -eq '.').Count | Should -BeGreaterThan 10
    }

    It 'an application-like script that retries on 4xx gets all its mail through a rate limit' {
        Add-MailServerRule -Server rules -Stage Mail -RateLimit 2 -Window 00:00:02 -Name burst | Out-Null
        # What many applications do: one connection per notification, a few retries with a pause on 4xx, and a log line per attempt.
        $app = @'
import smtplib, sys, time
port = int(sys.argv[1])
for n in range(1, 5):
    for attempt in range(1, 11):
        try:
            with smtplib.SMTP('127.0.0.1', port, timeout=10) as s:
                s.sendmail('orders@shop.test', ['customer%d@example.com' % n], 'Subject: Order %d\r\n\r\nThanks\r\n' % n)
            print('order %d sent (attempt %d)' % (n, attempt))
            break
        except smtplib.SMTPSenderRefused as e:
            print('order %d deferred: %d %s' % (n, e.smtp_code, e.smtp_error.decode()))
            time.sleep(0.4)
'@
        $log = Invoke-Python $app @("$port")
        ($log -like 'order * sent*') | Should -HaveCount 4
        $deferred = @($log -like 'order * deferred*')
        $deferred.Count | Should -BeGreaterThan 0
        $deferred | ForEach-Object { $_ | Should -BeLike '*: 451 4.7.1 Rate limit exceeded (2 per 00:00:02), try again later' }
        (Get-Stored rules).Subject | Sort-Object | Should -Be @('Order 1', 'Order 2', 'Order 3', 'Order 4')
        (Get-MailServerRule -Server rules -Name burst).Hits | Should -Be $deferred.Count
    }

    It 'a rule at Auth refuses a good login of a matching user' {
        $name = 'auth-' + [guid]::NewGuid().ToString('n').Substring(0, 6)
        $authServer = Start-TestServer -Name $name -Extra @{ AllowInsecureAuth = $true }
        try {
            New-MailAccount -Server $name -Address ann@example.com -Password (ConvertTo-TestSecureString 'Example-Passw0rd') | Out-Null
            New-MailAccount -Server $name -Address bob@example.com -Password (ConvertTo-TestSecureString 'Example-Passw0rd') | Out-Null
            Add-MailServerRule -Server $name -Stage Auth -User 'ann@*' -Reply '454 4.7.0 Temporary authentication failure' | Out-Null
            $login = @'
import smtplib, sys
for user in ('ann@example.com', 'bob@example.com'):
    s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)
    try:
        code, text = s.login(user, 'Example-Passw0rd')
        print(user, code)
    except smtplib.SMTPAuthenticationError as e:
        print(user, e.smtp_code, e.smtp_error.decode())
    s.quit()
'@
            $out = Invoke-Python $login @("$($authServer.Port('smtp'))")
            $out[0] | Should -Be 'ann@example.com 454 4.7.0 Temporary authentication failure'
            $out[1] | Should -Be 'bob@example.com 235'
        }
        finally { Stop-MailServer -Name $name }
    }
}

Describe 'Managing rules' {
    BeforeAll { $server = Start-TestServer -Name manage -CatchAll }
    AfterAll { Stop-MailServer -Name manage }
    AfterEach { Remove-MailServerRule -Server manage -All }

    It 'lists rules in order with Id, Condition, Effect and Hits, and removes them by name, id and pipeline' {
        $a = Add-MailServerRule -Server manage -Stage Mail -Sender '*@spam.test' -Reply '550 5.7.1 Not from you' -Name block-spam
        $b = Add-MailServerRule -Server manage -Stage Helo -Delay 00:00:01 -Name tarpit
        $c = Add-MailServerRule -Server manage -Stage Rcpt -RateLimit 5 -Window 00:10:00 -Per Sender -ClientAddress 10.0.0.0/8
        (Get-MailServerRule -Server manage).Id | Should -Be @($a.Id, $b.Id, $c.Id)
        $a.Condition | Should -Be 'from *@spam.test'
        $c.Condition | Should -Be 'client 10.0.0.0/8'
        $c.Effect | Should -Be '5 per 00:10:00 per sender, then 451'
        $a.Server | Should -Be 'manage'
        (Get-MailServerRule -Server manage -Name 'block*').Name | Should -Be 'block-spam'
        (Get-MailServerRule -Id $b.Id).Name | Should -Be 'tarpit'
        ($a | Format-Table | Out-String) | Should -Match 'Hits'
        Get-MailServerRule -Server manage -Name tarpit | Remove-MailServerRule
        Remove-MailServerRule -Server manage -Id $c.Id
        Remove-MailServerRule -Server manage -Name block-spam -WhatIf
        (Get-MailServerRule -Server manage).Name | Should -Be 'block-spam'
        Remove-MailServerRule -Server manage -Name block-spam
        Get-MailServerRule -Server manage | Should -HaveCount 0
        Remove-MailServerRule -Server manage -Name nothing -ErrorAction SilentlyContinue -ErrorVariable missing
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'MailServerRuleNotFound,*'
    }

    It 'refuses a rule that cannot work, saying why' -ForEach @(
        @{ Arguments = @{ Stage = 'Helo'; Sender = 'a@b.test'; Disconnect = $true }; Why = '*Mail stage*' }
        @{ Arguments = @{ Stage = 'Rcpt'; Reply = '250 OK' }; Why = '*not an SMTP failure reply*' }
        @{ Arguments = @{ Stage = 'Mail'; Reply = '451 5.7.1 Mixed' }; Why = '*same class*' }
        @{ Arguments = @{ Stage = 'Mail'; ClientAddress = '10.0.0.0/40'; Disconnect = $true }; Why = '*10.0.0.0/40*' }
        @{ Arguments = @{ Stage = 'Helo'; Delay = [timespan]'00:00:02'; MaxDelay = [timespan]'00:00:01' }; Why = '*MaxDelay*' }
    ) {
        { Add-MailServerRule -Server manage @Arguments -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerRuleInvalid,*' -ExpectedMessage $Why
        Get-MailServerRule -Server manage | Should -HaveCount 0
    }

    It 'a name is unique per server' {
        Add-MailServerRule -Server manage -Stage Mail -Disconnect -Name once | Out-Null
        { Add-MailServerRule -Server manage -Stage Rcpt -Disconnect -Name ONCE -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerRuleInvalid,*'
    }
}

Describe 'Rules from Start-MailServer' {
    AfterEach { Get-MailServer | Where-Object Name -like 'ruled*' | Stop-MailServer }

    It '-ConfigurationPath takes a Rule key whose hashtables use Add-MailServerRule''s names' {
        $folder = New-TestFolder
        $config = Join-Path $folder 'lab.psd1'
        Set-Content -Path $config -Value @'
@{
    CatchAll = $true
    Rule = @(
        @{ Stage = 'Rcpt'; Recipient = '*@slow.test'; Reply = '451 4.7.1 Try again later'; Name = 'slow' }
        @{ Stage = 'Mail'; Sender = 'limited@*'; RateLimit = 1; Window = 60; Per = 'Sender' }
        @{ Stage = 'Helo'; Delay = '00:00:00.2' }
    )
}
'@
        $server = Start-MailServer -Name ruled -InMemory -FreePorts -ConfigurationPath $config -WarningAction SilentlyContinue
        $rules = Get-MailServerRule -Server ruled
        $rules | Should -HaveCount 3
        $rules[1].Window | Should -Be ([timespan]::FromMinutes(1))
        $rules[2].Delay | Should -Be ([timespan]::FromMilliseconds(200))
        $steps = Invoke-SmtpSteps $server.Port('smtp') 'connect', 'ehlo', 'mail limited@app.test', 'rcpt a@slow.test', 'rset', 'mail limited@app.test', 'quit'
        $steps[1].Seconds | Should -BeGreaterOrEqual 0.15
        $steps[3].Reply | Should -Be '451 4.7.1 Try again later'
        $steps[5].Reply | Should -Be '451 4.7.1 Rate limit exceeded (1 per 00:01:00), try again later'
    }

    It 'an invalid -Rule stops the start with MailServerRuleInvalid' {
        { Start-MailServer -Name ruled-bad -InMemory -FreePorts -Rule @{ Stage = 'Rcpt' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'MailServerRuleInvalid,*' -ExpectedMessage '*-Rule 1: A rule needs one action*'
        { Start-MailServer -Name ruled-bad -InMemory -FreePorts -Rule @{ Stage = 'Rcpt'; Reply = '451 x'; Colour = 'red' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'MailServerRuleInvalid,*' -ExpectedMessage "*'Colour' is not a rule setting*"
        Get-MailServer -Name ruled-bad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
