BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
}

Describe 'Start-MailServer, Get-MailServer, Stop-MailServer' {
    AfterEach {
        Get-MailServer | Stop-MailServer
    }

    It 'starts on free ports, reports them, and stops' {
        $server = Start-MailServer -Name ports -InMemory -FreePorts -SmtpsPort 0
        $server.Status | Should -Be 'Running'
        foreach ($protocol in 'smtp', 'submission', 'smtps', 'pop3', 'pop3s') { $server.Endpoints.Protocol | Should -Contain $protocol }
        @($server.Endpoints.Port | Select-Object -Unique).Count | Should -Be $server.Endpoints.Count
        $server.Endpoints | ForEach-Object { $_.Port | Should -BeGreaterThan 0; $_.Address | Should -Be '127.0.0.1' }
        $client = [Net.Sockets.TcpClient]::new('127.0.0.1', $server.Port('smtp'))
        $reader = [IO.StreamReader]::new($client.GetStream())
        $reader.ReadLine() | Should -Match '^220 '
        $client.Dispose()
        (Get-MailServer -Name ports).Name | Should -Be 'ports'
        Stop-MailServer -Name ports
        $server.Status | Should -Be 'Stopped'
        Get-MailServer -Name ports -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        { [Net.Sockets.TcpClient]::new('127.0.0.1', $server.Port('smtp')) } | Should -Throw
    }

    It 'leaves protocols off with -Disable' {
        $server = Start-MailServer -Name partial -InMemory -FreePorts -Disable Submission, Pop3, Pop3s, Imap, Imaps
        @($server.Endpoints.Protocol) | Should -Be @('smtp')
        $server.Statistics.Pop3 | Should -BeNullOrEmpty
    }

    It 'refuses a second server with the same name' {
        Start-MailServer -Name twice -InMemory -FreePorts | Out-Null
        { Start-MailServer -Name twice -InMemory -FreePorts -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerExists*'
    }

    It 'reports a port in use as a clear start failure' {
        $first = Start-MailServer -Name first -InMemory -FreePorts
        { Start-MailServer -Name second -InMemory -SmtpPort $first.Port('smtp') -SubmissionPort 0 -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerStartFailed*'
        Get-MailServer -Name second -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'keeps a Maildir store on disk that survives a restart' {
        $path = New-TestFolder 'maildir'
        $server = Start-TestServer -Name disk -Path $path
        New-MailAccount -Server disk -Address ann@example.com -Password (ConvertTo-TestSecureString 'Ann-Passw0rd') | Out-Null
        Send-MailMessage -SmtpServer 127.0.0.1 -Port $server.Port('smtp') -From 'x@remote.test' -To 'ann@example.com' -Subject 'stored' -Body 'on disk' -WarningAction SilentlyContinue
        $first = Get-MailServerMessage -Server disk -Wait -Timeout 10
        Stop-MailServer -Name disk
        # Maildir layout that mutt and Dovecot read: new/ holds the delivered file.
        $files = @(Get-ChildItem -Recurse -File (Join-Path $path '*') | Where-Object { $_.Directory.Name -eq 'new' })
        $files.Count | Should -Be 1
        (Get-Content -Raw $files[0].FullName) | Should -Match 'Subject: stored'
        Join-Path $path 'mailadmin-tls.pfx' | Should -Exist
        Start-TestServer -Name disk -Path $path | Out-Null
        $again = Get-MailServerMessage -Server disk -Account ann@example.com
        $again.Subject | Should -Be 'stored'
        $again.Origin.Uid | Should -Be $first.Origin.Uid
    }

    It 'adds Return-Path, Received and Delivered-To to what it stores' {
        $server = Start-TestServer -Name headers -CatchAll
        Send-MailMessage -SmtpServer 127.0.0.1 -Port $server.Port('smtp') -From 'sender@remote.test' -To 'someone@anywhere.test' -Subject 'trace' -WarningAction SilentlyContinue
        $m = Get-MailServerMessage -Server headers -To 'someone@anywhere.test' -Wait -Timeout 10
        $names = (Get-MailHeader -Message $m).Name
        $names[0..2] | Should -Be @('Delivered-To', 'Return-Path', 'Received')
        (Get-MailHeader -Message $m -Name Return-Path).Value | Should -Be '<sender@remote.test>'
        $hop = Get-MailRoute -Message $m | Select-Object -Last 1
        $hop.With | Should -Be 'ESMTP'
        $hop.For | Should -Match 'someone@anywhere.test'
        $hop.Id | Should -Not -BeNullOrEmpty
        $hop.Timestamp | Should -Not -BeNullOrEmpty
    }

    It 'takes its settings from a .psd1, the command line winning' {
        $folder = New-TestFolder 'config'
        $config = Join-Path $folder 'server.psd1'
        Set-Content $config "@{ Name = 'fromfile'; InMemory = `$true; Domain = @('lab.test', 'example.org'); FreePorts = `$true; MaxMessageSize = 2048 }"
        $server = Start-MailServer -ConfigurationPath $config -MaxMessageSize 4096
        $server.Name | Should -Be 'fromfile'
        $server.Domains | Should -Contain 'lab.test'
        $server.Options.MaxMessageSize | Should -Be 4096
    }

    It 'rejects an unknown setting in the configuration file' {
        $folder = New-TestFolder 'badconfig'
        $config = Join-Path $folder 'bad.psd1'
        Set-Content $config "@{ InMemory = `$true; Colour = 'blue' }"
        { Start-MailServer -ConfigurationPath $config -ErrorAction Stop } | Should -Throw '*Colour*'
    }

    It 'uses a PEM certificate given with -Certificate' {
        $folder = New-TestFolder 'pem'
        $rsa = [Security.Cryptography.RSA]::Create(2048)
        $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=pem.test', $rsa, 'SHA256', [Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $made = $request.CreateSelfSigned([DateTimeOffset]::Now.AddDays(-1), [DateTimeOffset]::Now.AddDays(30))
        $pem = Join-Path $folder 'server.pem'
        Set-Content $pem ($made.ExportCertificatePem() + "`n" + $rsa.ExportPkcs8PrivateKeyPem())
        $server = Start-MailServer -Name pem -InMemory -FreePorts -SmtpsPort 0 -Certificate $pem
        $server.Certificate.Thumbprint | Should -Be $made.Thumbprint
        # The TLS handshake on SMTPS presents that certificate.
        $tcp = [Net.Sockets.TcpClient]::new('127.0.0.1', $server.Port('smtps'))
        $ssl = [Net.Security.SslStream]::new($tcp.GetStream(), $false, { $true })
        $ssl.AuthenticateAsClient('pem.test')
        $ssl.RemoteCertificate.GetCertHashString() | Should -Be $made.Thumbprint
        $ssl.Dispose(); $tcp.Dispose()
    }

    It 'completes the names of running servers' {
        Start-MailServer -Name 'complete-me' -InMemory -FreePorts | Out-Null
        $line = 'Stop-MailServer -Name compl'
        $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $result.CompletionMatches.CompletionText | Should -Contain 'complete-me'
    }

    It 'stops on Ctrl+C when started with -Wait' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:MAILADMIN_TEST_MODULE'; Start-MailServer -Name waiting -InMemory -FreePorts -Wait")
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ($ps.Streams.Verbose.Count -eq 0 -and $ps.InvocationStateInfo.State -eq 'Running' -and [DateTime]::UtcNow -lt $deadline -and -not $async.IsCompleted) { Start-Sleep -Milliseconds 100; if ($ps.Runspace.RunspaceStateInfo.State -ne 'Opened') { break } }
            Start-Sleep -Milliseconds 1500
            $async.IsCompleted | Should -BeFalse -Because 'the server runs until Ctrl+C'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Mail accounts' {
    BeforeAll {
        $script:store = New-TestFolder 'accounts'
    }

    It 'creates, lists, changes and removes accounts in a store folder' {
        $account = New-MailAccount -Path $store -Address 'Ann@Example.com' -Password (ConvertTo-TestSecureString 'one') -Quota 1MB
        $account.Address | Should -Be 'ann@example.com'
        $account.Quota | Should -Be 1MB
        $account.Enabled | Should -BeTrue
        (Get-MailAccount -Path $store -Address 'ann@*').Address | Should -Be 'ann@example.com'
        Set-MailAccount -Path $store -Address ann@example.com -Enabled $false -Quota 0
        $changed = Get-MailAccount -Path $store -Address ann@example.com
        $changed.Enabled | Should -BeFalse
        $changed.Quota | Should -BeNullOrEmpty
        Remove-MailAccount -Path $store -Address ann@example.com -Confirm:$false
        Get-MailAccount -Path $store -Address ann@example.com -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'never stores the password in plain text' {
        New-MailAccount -Path $store -Address secret@example.com -Password (ConvertTo-TestSecureString 'Plain-Text-Never-1') | Out-Null
        $everything = Get-ChildItem -Recurse -File $store | ForEach-Object { Get-Content -Raw $_.FullName }
        ($everything -join "`n") | Should -Not -Match 'Plain-Text-Never-1'
    }

    It 'reports an existing account and an unknown one with stable ids' {
        New-MailAccount -Path $store -Address dup@example.com -Password (ConvertTo-TestSecureString 'x') | Out-Null
        New-MailAccount -Path $store -Address dup@example.com -Password (ConvertTo-TestSecureString 'x') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MailAccountExists*'
        Set-MailAccount -Path $store -Address none@example.com -Enabled $true -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'MailAccountNotFound*'
    }

    It 'removes nothing with -WhatIf' {
        New-MailAccount -Path $store -Address keep@example.com -Password (ConvertTo-TestSecureString 'x') | Out-Null
        Remove-MailAccount -Path $store -Address keep@example.com -WhatIf
        (Get-MailAccount -Path $store -Address keep@example.com).Address | Should -Be 'keep@example.com'
    }

    It 'lets a new password log in over SMTP AUTH and the old one no longer' -Skip:(-not (Find-Program python3)) {
        $server = Start-TestServer -Name auth -Extra @{ AllowInsecureAuth = $true }
        try {
            New-MailAccount -Server auth -Address bob@example.com -Password (ConvertTo-TestSecureString 'Old-Passw0rd') | Out-Null
            Set-MailAccount -Server auth -Address bob@example.com -Password (ConvertTo-TestSecureString 'New-Passw0rd')
            $script = @'
import smtplib, sys
def try_login(password):
    with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20) as s:
        s.ehlo()
        try:
            s.login("bob@example.com", password)
            return "ok"
        except smtplib.SMTPAuthenticationError as e:
            return "refused %d" % e.smtp_code
print("old", try_login("Old-Passw0rd"))
print("new", try_login("New-Passw0rd"))
'@
            $out = Invoke-Python $script @("$($server.Port('submission'))")
            $out | Should -Contain 'old refused 535'
            $out | Should -Contain 'new ok'
            $server.Statistics.Smtp.AuthFailures | Should -BeGreaterOrEqual 1
        }
        finally { Stop-MailServer -Name auth }
    }

    It 'refuses an account in a domain the server does not serve; -Force adds the domain and mail arrives' {
        $office = Start-TestServer -Name "office-$(Get-Random)" -Domain office.test
        try {
            $password = ConvertTo-TestSecureString 'Bob-Passw0rd'
            New-MailAccount -Server $office.Name -Address bob@elsewhere.test -Password $password -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'MailAccountDomainNotServed*'
            "$($err[0])" | Should -Match 'office\.test.*-Force'
            @(Get-MailAccount -Server $office.Name).Address | Should -Not -Contain 'bob@elsewhere.test'
            New-MailAccount -Server $office.Name -Address bob@elsewhere.test -Password $password -Force | Out-Null
            $office.Domains | Should -Contain 'elsewhere.test'
            Send-MailMessage -SmtpServer 127.0.0.1 -Port $office.Port('smtp') -From 'a@remote.test' -To 'bob@elsewhere.test' -Subject 'reachable' -WarningAction SilentlyContinue
            (Get-MailServerMessage -Server $office.Name -Account bob@elsewhere.test -Subject reachable -Wait -Timeout 10).Subject | Should -Be 'reachable'
        }
        finally { Stop-MailServer -Name $office.Name }
    }

    It 'a lab server on the default domains takes the account''s domain, and -Verbose says so' {
        $labServer = Start-MailServer -Name "defaults-$(Get-Random)" -InMemory -FreePorts
        try {
            $verbose = New-MailAccount -Server $labServer.Name -Address ann@lab.test -Password (ConvertTo-TestSecureString 'Ann-Passw0rd') -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            "$verbose" | Should -Match 'lab\.test'
            $labServer.Domains | Should -Contain 'lab.test'
        }
        finally { Stop-MailServer -Name $labServer.Name }
    }

    It 'without -Server, -Path or a running server, -Verbose names the default store folder' {
        $script = "Import-Module '$($env:MAILADMIN_TEST_MODULE)'; `$VerbosePreference = 'Continue'; Get-MailAccount 4>&1 | Where-Object { `$_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message"
        $profileDir = New-TestFolder 'default-store-home'
        $self = [Environment]::ProcessPath
        [string[]] $arguments = if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $arguments += '-NoProfile', '-NonInteractive', '-Command', "`$env:XDG_DATA_HOME = '$profileDir'; `$env:HOME = '$profileDir'; $script"
        $out = & $self @arguments 2>&1
        "$out" | Should -Match 'default store.*MailAdmin[\\/]store'
    }
}

Describe 'Get-MailServerMessage and Clear-MailServerMessage' {
    BeforeAll {
        $script:server = Start-TestServer -Name fixture -CatchAll
        $script:port = $server.Port('smtp')
    }
    AfterAll { Stop-MailServer -Name fixture }

    It 'waits for a message that arrives later, and wakes within a second of it' {
        $job = Start-ThreadJob -ScriptBlock {
            Start-Sleep -Seconds 2
            Send-MailMessage -SmtpServer 127.0.0.1 -Port $using:port -From 'late@remote.test' -To 'waiter@example.com' -Subject 'late' -WarningAction SilentlyContinue
            [DateTime]::UtcNow
        }
        $m = Get-MailServerMessage -Server fixture -To 'waiter@example.com' -Wait -Timeout 20
        $woke = [DateTime]::UtcNow
        $sent = Receive-Job $job -Wait
        Remove-Job $job -Force -ErrorAction SilentlyContinue
        $m.Subject | Should -Be 'late'
        ($woke - $sent).TotalSeconds | Should -BeLessThan 1
    }

    It 'filters by recipient, sender and subject' {
        Clear-MailServerMessage -Server fixture -Confirm:$false
        Send-MailMessage -SmtpServer 127.0.0.1 -Port $port -From 'a@remote.test' -To 'one@example.com' -Subject 'alpha' -WarningAction SilentlyContinue
        Send-MailMessage -SmtpServer 127.0.0.1 -Port $port -From 'b@remote.test' -To 'two@example.com' -Subject 'beta' -WarningAction SilentlyContinue
        $null = Get-MailServerMessage -Server fixture -Subject beta -Wait -Timeout 10
        @(Get-MailServerMessage -Server fixture).Count | Should -Be 2
        (Get-MailServerMessage -Server fixture -To 'one@*').Subject | Should -Be 'alpha'
        (Get-MailServerMessage -Server fixture -From 'b@remote.test').Subject | Should -Be 'beta'
        (Get-MailServerMessage -Server fixture -Subject 'al*').Subject | Should -Be 'alpha'
    }

    It 'times out with MailServerMessageTimeout' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Get-MailServerMessage -Server fixture -To 'never@example.com' -Wait -Timeout 1 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MailServerMessageTimeout*'
    }

    It 'clears a mailbox, and -WhatIf keeps it' {
        Send-MailMessage -SmtpServer 127.0.0.1 -Port $port -From 'a@remote.test' -To 'x@example.com' -Subject 'gamma' -WarningAction SilentlyContinue
        $null = Get-MailServerMessage -Server fixture -Subject gamma -Wait -Timeout 10
        Clear-MailServerMessage -Server fixture -WhatIf
        @(Get-MailServerMessage -Server fixture -Subject gamma).Count | Should -Be 1
        Clear-MailServerMessage -Server fixture -Confirm:$false
        @(Get-MailServerMessage -Server fixture).Count | Should -Be 0
    }

    It 'clears without -Confirm:$false in a -NonInteractive session (ConfirmImpact Medium, a teardown)' {
        [Environment]::GetCommandLineArgs() -contains '-NonInteractive' | Should -BeTrue -Because 'Pester runs in pwsh -NonInteractive, where a prompt is an error'
        Send-MailMessage -SmtpServer 127.0.0.1 -Port $port -From 'a@remote.test' -To 'x@example.com' -Subject 'teardown' -WarningAction SilentlyContinue
        $null = Get-MailServerMessage -Server fixture -Subject teardown -Wait -Timeout 10
        Clear-MailServerMessage -Server fixture -ErrorAction Stop
        @(Get-MailServerMessage -Server fixture).Count | Should -Be 0
    }

    It 'yields the module message type, which pipes on' {
        Send-MailMessage -SmtpServer 127.0.0.1 -Port $port -From 'a@remote.test' -To 'x@example.com' -Subject 'pipe' -WarningAction SilentlyContinue
        $m = Get-MailServerMessage -Server fixture -Subject pipe -Wait -Timeout 10
        $m | Should -BeOfType ([MailAdmin.Messages.MailMessage])
        $m.Source | Should -BeLike 'fixture:*INBOX#*'
        $file = Join-Path (New-TestFolder 'pipe') 'pipe.eml'
        $m | Export-MailMessage -Path $file
        (Import-MailMessage $file).Subject | Should -Be 'pipe'
    }
}

Describe 'Server lifetime and OAuth' {
    It 'stops running servers when the module is removed' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:MAILADMIN_TEST_MODULE'; (Start-MailServer -Name removed -InMemory -FreePorts).Port('smtp')")
            $port = $ps.Invoke()[0]
            $port | Should -BeGreaterThan 0
            { [Net.Sockets.TcpClient]::new('127.0.0.1', $port).Dispose() } | Should -Not -Throw
            $ps.Commands.Clear()
            $null = $ps.AddScript('Remove-Module MailAdmin').Invoke()
            { [Net.Sockets.TcpClient]::new('127.0.0.1', $port) } | Should -Throw
        }
        finally { $ps.Dispose() }
    }

    It 'accepts XOAUTH2 with a configured token from MailKit, and refuses a wrong one' {
        $server = Start-TestServer -Name oauth -Extra @{ OAuthToken = @{ 'ann@example.com' = 'good-token' } }
        try {
            New-MailAccount -Server oauth -Address ann@example.com -Password (ConvertTo-TestSecureString 'Ann-Passw0rd') | Out-Null
            $client = Get-MailKitSmtpClient
            $client.ServerCertificateValidationCallback = { $true }
            $client.Connect('127.0.0.1', $server.Port('submission'), [MailKit.Security.SecureSocketOptions]::StartTls)
            $client.AuthenticationMechanisms | Should -Contain 'XOAUTH2'
            { $client.Authenticate([MailKit.Security.SaslMechanismOAuth2]::new('ann@example.com', 'wrong-token')) } | Should -Throw
            $client.Authenticate([MailKit.Security.SaslMechanismOAuth2]::new('ann@example.com', 'good-token'))
            $client.IsAuthenticated | Should -BeTrue
            $client.Disconnect($true); $client.Dispose()
        }
        finally { Stop-MailServer -Name oauth }
    }
}
