# Connect-/Disconnect-SmtpServer, -ImapServer, -Pop3Server: the session every client cmdlet uses.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    $script:lab = Start-ClientLab
    $script:wrong = [pscredential]::new($lab.Address, (ConvertTo-TestSecureString 'not-the-password'))
    # Port per protocol: SMTP logins go to submission.
    $script:ports = @{ Smtp = $lab.SubmissionPort; Imap = $lab.ImapPort; Pop3 = $lab.Pop3Port }
}

AfterAll {
    Stop-ClientLab $lab
}

Describe 'Connect-<_>Server against our server' -ForEach 'Smtp', 'Imap', 'Pop3' {
    BeforeAll { $protocol = $_ }

    It 'logs in over STARTTLS (Auto) and returns a session' {
        $session = & "Connect-${protocol}Server" -Server $lab.Host -Port $ports[$protocol] -Credential $lab.Credential -SkipCertificateCheck -WarningAction SilentlyContinue
        try {
            $session.IsConnected | Should -BeTrue
            $session.IsAuthenticated | Should -BeTrue
            $session.IsSecure | Should -BeTrue
            $session.TlsProtocol | Should -Match 'Tls1[23]'
            $session.UserName | Should -Be $lab.Address
            $session.Protocol | Should -Be $protocol
            $session.Capabilities.Count | Should -BeGreaterThan 2
            $session.AuthenticationMechanisms | Should -Contain 'PLAIN'
        }
        finally { & "Disconnect-${protocol}Server" -Session $session }
        $session.IsConnected | Should -BeFalse
    }

    It 'warns that -SkipCertificateCheck turns the check off' {
        $session = & "Connect-${protocol}Server" -Server $lab.Host -Port $ports[$protocol] -SkipCertificateCheck -WarningVariable warnings -WarningAction SilentlyContinue
        & "Disconnect-${protocol}Server" -Session $session
        ($warnings -join ' ') | Should -Match 'certificate is not checked'
    }

    It 'trusts the certificate of a server started in this session, without -SkipCertificateCheck' {
        $session = & "Connect-${protocol}Server" -Server $lab.Host -Port $ports[$protocol] -Credential $lab.Credential -WarningVariable warnings -ErrorAction Stop
        try {
            $session.IsSecure | Should -BeTrue
            $warnings | Should -BeNullOrEmpty
        }
        finally { & "Disconnect-${protocol}Server" -Session $session }
    }

    It 'connects in plain text with -Secure None (the lab allows it)' {
        $session = & "Connect-${protocol}Server" -Server $lab.Host -Port $ports[$protocol] -Credential $lab.Credential -Secure None
        $session.IsSecure | Should -BeFalse
        $session.IsAuthenticated | Should -BeTrue
        & "Disconnect-${protocol}Server" -Session $session
    }

    It 'a wrong password is <_>AuthenticationFailed, after one login attempt' {
        $err = $null
        $log = Join-Path $TestDrive "wrong-$protocol.log"
        try { & "Connect-${protocol}Server" -Server $lab.Host -Port $ports[$protocol] -Credential $wrong -Secure None -LogPath $log -ErrorAction Stop }
        catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike "${protocol}AuthenticationFailed,*"
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        # Lockout policies count failures: one wrong password must be one attempt, not one per mechanism.
        @(Get-Content $log | Where-Object { $_ -match ' C: (\S+ )?(AUTHENTICATE|AUTH|LOGIN|USER|APOP)\b' }).Count | Should -Be 1
    }

    It 'a closed port is <_>ConnectFailed' {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
        $closed = $listener.LocalEndpoint.Port; $listener.Stop()
        { & "Connect-${protocol}Server" -Server 127.0.0.1 -Port $closed -ErrorAction Stop } | Should -Throw -ErrorId "${protocol}ConnectFailed,*"
    }

    It 'the newest session is the default, and Disconnect without -Session closes it' {
        $first = & "Connect-${protocol}Server" -Server $lab.Host -Port $ports[$protocol] -Secure None
        $second = & "Connect-${protocol}Server" -Server $lab.Host -Port $ports[$protocol] -Secure None
        & "Disconnect-${protocol}Server"
        $second.IsConnected | Should -BeFalse
        $first.IsConnected | Should -BeTrue
        & "Disconnect-${protocol}Server"
        $first.IsConnected | Should -BeFalse
        { & "Disconnect-${protocol}Server" -ErrorAction Stop } | Should -Throw -ErrorId "${protocol}SessionNotFound,*"
    }

    It '-Verbose and -LogPath show the conversation without the password' {
        $log = Join-Path (New-TestFolder "connect-log-$protocol") 'conversation.log'
        $verbose = & "Connect-${protocol}Server" -Server $lab.Host -Port $ports[$protocol] -Credential $lab.Credential -Secure None -LogPath $log -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        & "Disconnect-${protocol}Server"
        $text = Get-Content $log -Raw
        $plainBase64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("`0$($lab.Address)`0$LabPassword"))
        foreach ($output in ($verbose -join "`n"), $text) {
            $output | Should -Match 'C: '
            $output | Should -Match 'S: '
            $output | Should -Match '\*{8}'
            # The mask is always eight stars: it does not tell how long the password is.
            $output | Should -Not -Match '\*{9}'
            $output | Should -Not -Match ([regex]::Escape($LabPassword))
            $output | Should -Not -Match ([regex]::Escape($plainBase64))
        }
    }
}

Describe 'Implicit TLS' {
    It 'Connect-ImapServer -Secure Tls on a plain port fails the handshake' {
        { Connect-ImapServer -Server $lab.Host -Port $lab.ImapPort -Secure Tls -Timeout 5 -ErrorAction Stop } | Should -Throw -ErrorId 'ImapTlsFailed,*'
    }
    It 'Auto picks implicit TLS on the IMAPS port' {
        $tlsLab = Start-TestServer -Name "tls-$(Get-Random)" -Extra @{ AllowInsecureAuth = $true; ImapsPort = 0 }
        try {
            $imaps = $tlsLab.Port('imaps')
            if (-not $imaps) { Set-ItResult -Skipped -Because 'the test server has no IMAPS listener'; return }
            $session = Connect-ImapServer -Server 127.0.0.1 -Port $imaps -Secure Tls -SkipCertificateCheck -WarningAction SilentlyContinue
            $session.IsSecure | Should -BeTrue
            Disconnect-ImapServer -Session $session
        }
        finally { Stop-MailServer -Name $tlsLab.Name }
    }
}

Describe '-Secure Auto on a port that is not a standard one' {
    BeforeAll { $script:tlsLab = Start-TestServer -Name "auto-$(Get-Random)" -Extra @{ AllowInsecureAuth = $true; ImapsPort = 0; Pop3sPort = 0 } }
    AfterAll { Stop-MailServer -Name $tlsLab.Name }
    It 'finds implicit TLS on <_> within seconds, not after the timeout' -ForEach 'imaps', 'pop3s' {
        $port = $tlsLab.Port($_)
        if (-not $port) { Set-ItResult -Skipped -Because "the test server has no $_ listener"; return }
        $command = if ($_ -eq 'imaps') { 'Connect-ImapServer' } else { 'Connect-Pop3Server' }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $session = & $command -Server 127.0.0.1 -Port $port -Timeout 60 -ErrorAction Stop
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $session.IsSecure | Should -BeTrue
        $session.Dispose()
    }
    It 'a port that neither greets nor speaks TLS says which -Secure to give' {
        $fake = Start-FakeServer -Mode silent
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $err = $null
            try { Connect-ImapServer -Server 127.0.0.1 -Port $fake.Port -Timeout 3 -ErrorAction Stop } catch { $err = $_ }
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
            "$err" | Should -Match '-Secure Tls'
        }
        finally { Stop-FakeServer $fake }
    }
}

Describe 'Certificates of servers not started here' {
    BeforeAll {
        $script:certDir = New-TestFolder 'connect-cert'
        $key = Join-Path $certDir 'key.pem'; $cert = Join-Path $certDir 'cert.pem'
        & openssl req -x509 -newkey rsa:2048 -nodes -keyout $key -out $cert -days 2 -subj '/CN=localhost' -addext 'subjectAltName=DNS:localhost' 2>&1 | Out-Null
        $script:tlsFake = Start-FakeServer -Mode imap-tls -MoreArguments $cert, $key
    }
    AfterAll { Stop-FakeServer $tlsFake }
    It 'a certificate for another name says which names it carries, and that it is self-signed' {
        $err = $null
        try { Connect-ImapServer -Server 127.0.0.1 -Port $tlsFake.Port -Secure Tls -Timeout 10 -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ImapTlsFailed,*'
        "$err" | Should -Match "is for localhost, not '127\.0\.0\.1'"
        "$err" | Should -Match 'self-signed'
    }
    It 'by its own name only the trust is missing' {
        $err = $null
        try { Connect-ImapServer -Server localhost -Port $tlsFake.Port -Secure Tls -Timeout 10 -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ImapTlsFailed,*'
        "$err" | Should -Not -Match 'not .localhost.'
        "$err" | Should -Match 'self-signed.*-SkipCertificateCheck'
    }
}

Describe 'Misbehaving servers' {
    It 'a server that never greets is a Timeout' {
        $fake = Start-FakeServer -Mode silent
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            { Connect-ImapServer -Server 127.0.0.1 -Port $fake.Port -Secure None -Timeout 2 -ErrorAction Stop } | Should -Throw -ErrorId 'ImapTimeout,*'
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
        }
        finally { Stop-FakeServer $fake }
    }
    It 'a server that closes the connection during login is ConnectionLost' {
        $fake = Start-FakeServer -Mode imap-close-on -Trigger AUTHENTICATE
        try {
            { Connect-ImapServer -Server 127.0.0.1 -Port $fake.Port -Secure None -Credential $lab.Credential -ErrorAction Stop } | Should -Throw -ErrorId 'ImapConnectionLost,*'
        }
        finally { Stop-FakeServer $fake }
    }
}

Describe 'Against Dovecot and Postfix' {
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
    It 'Connect-ImapServer logs in to Dovecot' {
        if (-not $dovecot) { Set-ItResult -Skipped -Because $dovecotReason; return }
        $session = Connect-ImapServer -Server $dovecot.Host -Port $dovecot.ImapPort -Credential $dovecot.Credential
        $session.IsAuthenticated | Should -BeTrue
        $session.Capabilities | Should -Contain 'IMAP4rev1'
        Disconnect-ImapServer -Session $session
    }
    It 'Connect-Pop3Server logs in to Dovecot' {
        if (-not $dovecot) { Set-ItResult -Skipped -Because $dovecotReason; return }
        $session = Connect-Pop3Server -Server $dovecot.Host -Port $dovecot.Pop3Port -Credential $dovecot.Credential
        $session.IsAuthenticated | Should -BeTrue
        $session.Capabilities | Should -Contain 'UIDL'
        Disconnect-Pop3Server -Session $session
    }
    It 'a wrong password at Dovecot is ImapAuthenticationFailed' {
        if (-not $dovecot) { Set-ItResult -Skipped -Because $dovecotReason; return }
        { Connect-ImapServer -Server $dovecot.Host -Port $dovecot.ImapPort -Credential $wrong -ErrorAction Stop } | Should -Throw -ErrorId 'ImapAuthenticationFailed,*'
    }
    It 'Connect-SmtpServer greets Postfix and reads its EHLO keywords' {
        if (-not $postfix) { Set-ItResult -Skipped -Because $postfixReason; return }
        $session = Connect-SmtpServer -Server $postfix.Host -Port $postfix.Port -Secure None
        $session.IsConnected | Should -BeTrue
        $session.Capabilities | Should -Contain 'PIPELINING'
        Disconnect-SmtpServer -Session $session
    }
}

Describe 'OAuth 2.0 (XOAUTH2)' {
    BeforeAll {
        $script:oauthLab = Start-TestServer -Name "oauth-$(Get-Random)" -Extra @{ AllowInsecureAuth = $true; OAuthToken = @{ 'ann@example.com' = 'lab-token-123' } }
        New-MailAccount -Server $oauthLab.Name -Address ann@example.com -Password (ConvertTo-TestSecureString $LabPassword) | Out-Null
    }
    AfterAll { Stop-MailServer -Name $oauthLab.Name }

    It 'Connect-<_>Server logs in with -OAuthToken and -UserName, and the token never reaches the log' -ForEach 'Imap', 'Smtp' {
        $port = if ($_ -eq 'Imap') { $oauthLab.Port('imap') } else { $oauthLab.Port('submission') }
        $log = Join-Path (New-TestFolder "oauth-$_") 'oauth.log'
        $session = & "Connect-${_}Server" -Server 127.0.0.1 -Port $port -Secure None -UserName ann@example.com -OAuthToken 'lab-token-123' -LogPath $log
        $session.IsAuthenticated | Should -BeTrue
        $session.UserName | Should -Be 'ann@example.com'
        & "Disconnect-${_}Server" -Session $session
        $text = Get-Content $log -Raw
        $text | Should -Match 'XOAUTH2'
        $text | Should -Not -Match 'lab-token-123'
        $encoded = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes("user=ann@example.com`u{1}auth=Bearer lab-token-123`u{1}`u{1}"))
        $text | Should -Not -Match ([regex]::Escape($encoded))
    }
    It 'a wrong token is ImapAuthenticationFailed' {
        { Connect-ImapServer -Server 127.0.0.1 -Port $oauthLab.Port('imap') -Secure None -UserName ann@example.com -OAuthToken 'wrong' -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImapAuthenticationFailed,*'
    }
}
