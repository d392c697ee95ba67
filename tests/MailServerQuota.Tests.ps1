# Quotas seen from real clients: a full mailbox is refused at RCPT for that recipient only; a
# message that overfills one recipient after DATA still reaches the others, once, with 250; IMAP
# APPEND and COPY over quota answer NO [OVERQUOTA] and store nothing; a server-wide default quota
# applies to accounts without their own.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:server = Start-TestServer -Domain office.test -Extra @{ AllowInsecureAuth = $true; DefaultQuota = 64KB }
    $script:smtp = $server.Port('smtp')
    $script:imap = $server.Port('imap')
    New-MailAccount -Server $server -Address ann@office.test -Password (ConvertTo-TestSecureString 'Ann-Pass-1') -Quota 10MB | Out-Null
    New-MailAccount -Server $server -Address tiny@office.test -Password (ConvertTo-TestSecureString 'Tiny-Pass-1') -Quota 2KB | Out-Null
    New-MailAccount -Server $server -Address dflt@office.test -Password (ConvertTo-TestSecureString 'Dflt-Pass-1') | Out-Null

    function script:Get-Count([string] $Account) { @($server.Store.ListMessages($Account, 'INBOX')).Count }
    function script:Clear-Inbox([string] $Account) {
        $uids = @($server.Store.ListMessages($Account, 'INBOX') | ForEach-Object Uid)
        if ($uids.Count) { $null = $server.Store.DeleteMessagesAsync($Account, 'INBOX', [uint32[]] $uids).GetAwaiter().GetResult() }
    }
}

AfterAll {
    if ($script:server) { Stop-MailServer -Name $server.Name }
}

Describe 'SMTP quota per recipient' -Skip:(-not (Find-Program python3)) {
    BeforeEach {
        Clear-Inbox ann@office.test
        Clear-Inbox tiny@office.test
    }

    It 'refuses a full mailbox at RCPT with 452 4.2.2 and delivers to the others once' {
        # Fill tiny's 2 KB.
        $null = $server.Store.DeliverAsync('tiny@office.test', 'INBOX', [byte[]]::new(2000), [DateTimeOffset]::UtcNow).GetAwaiter().GetResult()
        $out = Invoke-Python @'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
msg = "From: x@remote.test\r\nTo: ann@office.test, tiny@office.test\r\nSubject: quota-rcpt\r\n\r\nhello\r\n"
refused = s.sendmail("x@remote.test", ["ann@office.test", "tiny@office.test"], msg)
print(refused["tiny@office.test"][0], refused["tiny@office.test"][1].decode())
print(len(refused))
s.quit()
'@ -Arguments $smtp
        $out[0] | Should -Match '^452 4\.2\.2 Mailbox of tiny@office\.test is full'
        $out[1] | Should -Be '1'
        Get-Count ann@office.test | Should -Be 1
        Get-Count tiny@office.test | Should -Be 1 -Because 'only the filler'
    }

    It 'refuses at RCPT when the declared SIZE does not fit' {
        $out = Invoke-Python @'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.ehlo()
print(s.mail("x@remote.test", ["SIZE=5000"])[0])
print(s.rcpt("tiny@office.test")[0])
print(s.rcpt("ann@office.test")[0])
s.quit()
'@ -Arguments $smtp
        $out | Should -Be @('250', '452', '250')
    }

    It 'answers 250 when one recipient overflows only after DATA, and delivers to the others once' {
        # tiny has room at RCPT (1,000 of 2,048 bytes used), but not for this 3 KB message; no SIZE given.
        $null = $server.Store.DeliverAsync('tiny@office.test', 'INBOX', [byte[]]::new(1000), [DateTimeOffset]::UtcNow).GetAwaiter().GetResult()
        $out = Invoke-Python @'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.ehlo()
s.mail("x@remote.test")
print(s.rcpt("ann@office.test")[0], s.rcpt("tiny@office.test")[0])
body = "x" * 70 + "\r\n"
code, text = s.data("From: x@remote.test\r\nSubject: quota-data\r\n\r\n" + body * 45)
print(code, text.decode())
s.quit()
'@ -Arguments $smtp
        $out[0] | Should -Be '250 250'
        $out[1] | Should -Match '^250 2\.0\.0 OK: queued as \S+; not delivered to tiny@office\.test \(552 5\.2\.2\)'
        Get-Count ann@office.test | Should -Be 1
        Get-Count tiny@office.test | Should -Be 1 -Because 'only the filler'
    }

    It 'fails the transaction when no recipient could take it' {
        $null = $server.Store.DeliverAsync('tiny@office.test', 'INBOX', [byte[]]::new(1000), [DateTimeOffset]::UtcNow).GetAwaiter().GetResult()
        $out = Invoke-Python @'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.ehlo()
s.mail("x@remote.test")
s.rcpt("tiny@office.test")
code, text = s.data("Subject: quota-none\r\n\r\n" + ("y" * 70 + "\r\n") * 45)
print(code, text.decode())
s.quit()
'@ -Arguments $smtp
        $out | Should -Match '^552 5\.2\.2 Mailbox of tiny@office\.test is full'
        Get-Count tiny@office.test | Should -Be 1
    }
}

Describe 'IMAP over quota' -Skip:(-not (Find-Program python3)) {
    It 'answers NO [OVERQUOTA] to APPEND and to COPY, which copies nothing, under the default quota' {
        Clear-Inbox dflt@office.test
        $out = Invoke-Python @'
import imaplib, sys
c = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=10)
c.login("dflt@office.test", "Dflt-Pass-1")
print(c.getquotaroot("INBOX")[1][1][0].decode())
msg = b"Subject: q\r\n\r\n" + (b"z" * 78 + b"\r\n") * 300   # 24 KB, default quota 64 KB
print(c.append("INBOX", None, None, msg)[0])
print(c.append("INBOX", None, None, msg)[0])
typ, data = c.append("INBOX", None, None, msg)
print(typ, data[0].decode())
c.select("INBOX")
typ, data = c.uid("COPY", "1:*", "INBOX")
print(typ, data[0].decode())
print(c.select("INBOX")[1][0].decode())
c.logout()
'@ -Arguments $imap
        $out[0] | Should -Match 'STORAGE 0 64\)'
        $out[1] | Should -Be 'OK'
        $out[2] | Should -Be 'OK'
        $out[3] | Should -Match '^NO \[OVERQUOTA\]'
        $out[4] | Should -Match '^NO \[OVERQUOTA\]'
        $out[5] | Should -Be '2' -Because 'the refused COPY copied nothing'
    }
}

Describe 'Default quota setting' {
    It 'is 1 GB unless set, comes from the .psd1, and refuses a negative value' {
        $plain = Start-MailServer -Name "dq-$([guid]::NewGuid().ToString('n').Substring(0, 6))" -InMemory -FreePorts
        try { $plain.Store.DefaultQuota | Should -Be 1GB } finally { Stop-MailServer -Name $plain.Name }

        $folder = New-TestFolder 'quota-config'
        $config = Join-Path $folder 'server.psd1'
        Set-Content $config "@{ Name = 'dqfile'; InMemory = `$true; FreePorts = `$true; DefaultQuota = 4096 }"
        $fromFile = Start-MailServer -ConfigurationPath $config
        try {
            $fromFile.Store.DefaultQuota | Should -Be 4096
            New-MailAccount -Server $fromFile -Address own@example.com -Password (ConvertTo-TestSecureString 'Own-Pass-1') -Quota 8192 | Out-Null
            New-MailAccount -Server $fromFile -Address none@example.com -Password (ConvertTo-TestSecureString 'None-Pass-1') | Out-Null
            $fromFile.Store.GetQuota('own@example.com') | Should -Be 8192
            $fromFile.Store.GetQuota('none@example.com') | Should -Be 4096
        }
        finally { Stop-MailServer -Name dqfile }

        $unlimited = Start-MailServer -Name "dq0-$([guid]::NewGuid().ToString('n').Substring(0, 6))" -InMemory -FreePorts -DefaultQuota 0
        try { $unlimited.Store.DefaultQuota | Should -BeNullOrEmpty } finally { Stop-MailServer -Name $unlimited.Name }

        { Start-MailServer -Name negative -InMemory -FreePorts -DefaultQuota -1 -ErrorAction Stop } | Should -Throw -ExceptionType ([System.Management.Automation.ParameterBindingException])
    }
}
