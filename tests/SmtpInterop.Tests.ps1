# Real SMTP clients that nobody here wrote send to our server, and their mail arrives intact.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:server = Start-TestServer -Name interop -Domain example.com
    New-MailAccount -Server interop -Address ann@example.com -Password (ConvertTo-TestSecureString 'Ann-Passw0rd') | Out-Null
    $script:smtp = $server.Port('smtp')
    $script:submission = $server.Port('submission')
    $script:smtps = $server.Port('smtps')
}

AfterAll {
    Stop-MailServer -Name interop
}

Describe 'SMTP interoperability' {
    BeforeEach {
        Clear-MailServerMessage -Server interop -Confirm:$false
    }

    It 'accepts mail from Python smtplib with STARTTLS and AUTH on the submission port' -Skip:(-not (Find-Program python3)) {
        $script = @'
import smtplib, ssl, sys
from email.message import EmailMessage
port = int(sys.argv[1])
msg = EmailMessage()
msg["From"] = "ann@example.com"
msg["To"] = "ann@example.com"
msg["Subject"] = "smtplib Grüße"
msg.set_content("Hello from smtplib\n.leading dot line\nÜnïcödé\n")
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
    s.ehlo()
    s.starttls(context=context)
    s.ehlo()
    s.login("ann@example.com", "Ann-Passw0rd")
    refused = s.send_message(msg)
    print("refused", len(refused))
'@
        Invoke-Python $script @("$submission") | Should -Contain 'refused 0'
        $m = Get-MailServerMessage -Server interop -Account ann@example.com -Wait -Timeout 10
        $m.Subject | Should -Be 'smtplib Grüße'
        $m.MimeMessage.TextBody | Should -Match '(?m)^\.leading dot line'
        $m.MimeMessage.TextBody | Should -Match 'Ünïcödé'
        $received = (Get-MailHeader -Message $m -Name Received | Select-Object -First 1).Value
        $received | Should -Match 'with ESMTPSA'
    }

    It 'refuses AUTH without TLS on submission, as smtplib reports' -Skip:(-not (Find-Program python3)) {
        $script = @'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20) as s:
    s.ehlo()
    try:
        s.login("ann@example.com", "Ann-Passw0rd")
        print("logged in")
    except smtplib.SMTPNotSupportedError:
        print("AUTH not offered")
    except smtplib.SMTPException as e:
        print("refused", e)
'@
        $out = Invoke-Python $script @("$submission")
        $out | Should -Not -Contain 'logged in'
    }

    It 'accepts mail from swaks, with pipelining, on the SMTP port' -Skip:(-not (Find-Program swaks)) {
        $out = swaks --server "127.0.0.1:$smtp" --from 'sender@remote.test' --to 'ann@example.com' --header 'Subject: swaks test' --body 'swaks body' --pipeline 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        (Get-MailServerMessage -Server interop -Subject 'swaks test' -Wait -Timeout 10).MimeMessage.TextBody | Should -Match 'swaks body'
    }

    It 'accepts mail from swaks over implicit TLS (SMTPS) with AUTH' -Skip:(-not (Find-Program swaks)) {
        $out = swaks --server "127.0.0.1:$smtps" --tls-on-connect --auth PLAIN --auth-user 'ann@example.com' --auth-password 'Ann-Passw0rd' --from 'ann@example.com' --to 'ann@example.com' --header 'Subject: smtps test' 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $m = Get-MailServerMessage -Server interop -Subject 'smtps test' -Wait -Timeout 10
        (Get-MailHeader -Message $m -Name Received | Select-Object -First 1).Value | Should -Match 'ESMTPSA'
    }

    It 'accepts mail from curl' -Skip:(-not (Find-Program curl)) {
        $folder = New-TestFolder 'curl'
        $file = Join-Path $folder 'mail.txt'
        [IO.File]::WriteAllText($file, "From: curl@remote.test`r`nTo: ann@example.com`r`nSubject: curl test`r`n`r`ncurl body`r`n")
        $out = curl --silent --show-error --url "smtp://127.0.0.1:$smtp" --mail-from 'curl@remote.test' --mail-rcpt 'ann@example.com' --upload-file $file 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        (Get-MailServerMessage -Server interop -Subject 'curl test' -Wait -Timeout 10).MimeMessage.TextBody.Trim() | Should -Be 'curl body'
    }

    It 'accepts mail from MailKit with STARTTLS, AUTH and BDAT/8BITMIME as it chooses' {
        $client = Get-MailKitSmtpClient
        try {
            $client.ServerCertificateValidationCallback = { $true }
            $client.Connect('127.0.0.1', $submission, [MailKit.Security.SecureSocketOptions]::StartTls)
            $client.Authenticate('ann@example.com', 'Ann-Passw0rd')
            $message = New-MailMessage -From 'ann@example.com' -To 'ann@example.com' -Subject 'MailKit test' -Body ('x' * 5000)
            # Bytes cross over: on PowerShell 7 .MimeMessage is our MimeKit copy, in the module's own load context.
            $null = $client.Send([MimeKit.MimeMessage]::Load([IO.MemoryStream]::new($message.GetBytes())))
            $client.Disconnect($true)
        }
        finally { $client.Dispose() }
        $got = Get-MailServerMessage -Server interop -Subject 'MailKit test' -Wait -Timeout 10
        $got.MimeMessage.TextBody.Trim() | Should -Be ('x' * 5000)
    }

    It 'refuses relay to another domain without AUTH' -Skip:(-not (Find-Program swaks)) {
        $out = swaks --server "127.0.0.1:$smtp" --from 'a@remote.test' --to 'victim@elsewhere.test' --quit-after RCPT 2>&1
        ($out -join "`n") | Should -Match '<\*\* +55[04] 5\.7\.1'
    }

    It 'answers 550 5.1.1 for an unknown local user' -Skip:(-not (Find-Program swaks)) {
        $out = swaks --server "127.0.0.1:$smtp" --from 'a@remote.test' --to 'nobody@example.com' --quit-after RCPT 2>&1
        ($out -join "`n") | Should -Match '<\*\* +550 5\.1\.1'
    }
}

Describe 'Postfix relaying into our server' {
    BeforeAll {
        $script:postfixReady = $false
        $script:reason = ''
        if (-not (Find-Program postfix)) { $script:reason = 'postfix is not installed' }
        elseif ((id -u) -ne '0') { $script:reason = 'a Postfix instance needs root' }
        else {
            $script:pfDir = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-postfix-$PID"
            $script:pfPort = Get-Random -Minimum 20000 -Maximum 30000
            & bash (Join-Path $PSScriptRoot 'tools/postfix-instance.sh') start $pfDir $pfPort $smtp 2>&1 | Write-Host
            $script:postfixReady = $LASTEXITCODE -eq 0
            if (-not $postfixReady) { $script:reason = 'the Postfix instance did not start' }
        }
    }

    AfterAll {
        if ($postfixReady) { & bash (Join-Path $PSScriptRoot 'tools/postfix-instance.sh') stop $pfDir }
    }

    It 'delivers what Postfix relays to us' {
        if (-not $postfixReady) { Set-ItResult -Skipped -Because $reason; return }
        $out = swaks --server "127.0.0.1:$pfPort" --from 'origin@remote.test' --to 'ann@example.com' --header 'Subject: via postfix' --body 'relayed body' 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $m = Get-MailServerMessage -Server interop -Subject 'via postfix' -Wait -Timeout 30
        $m.MimeMessage.TextBody.Trim() | Should -Be 'relayed body'
        $hops = Get-MailRoute -Message $m
        $hops.Count | Should -BeGreaterOrEqual 2
        $hops[-2].ByHost | Should -Be 'postfix.test'
    }
}
