BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')

    # dkimpy (python3-dkim) is the second DKIM implementation: it verifies what we sign (its DNS
    # answered from the record file) and signs what we verify.
    $script:dkimTool = Join-Path $PSScriptRoot 'tools/dkimpy_tool.py'
    # Debian's python3-dkim lives in the system Python, which a pyenv python3 on PATH hides.
    $script:dkimPython = $null
    foreach ($candidate in @((Find-Program 'python3'), '/usr/bin/python3')) {
        if (-not $candidate -or -not (Test-Path $candidate)) { continue }
        & $candidate -c 'import dkim' 2>$null
        if ($LASTEXITCODE -eq 0) { $script:dkimPython = $candidate; break }
    }
    $script:dkimpyReason = if (-not $dkimPython) { 'dkimpy (python3-dkim) is not installed' }
    function Invoke-Dkimpy([string[]] $Arguments) {
        $output = & $dkimPython $dkimTool @Arguments 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n") }
    }

    # A throw-away dnsmasq on loopback serving the given TXT records; values are split into
    # strings of at most 255 characters, as DNS requires.
    function Start-DnsmasqPeer([hashtable] $Records, [string] $Folder) {
        $dnsmasq = '/usr/sbin/dnsmasq'
        if (-not (Test-Path $dnsmasq)) { $dnsmasq = Find-Program 'dnsmasq' }
        if (-not $dnsmasq) { return $null }
        $conf = Join-Path $Folder 'dnsmasq.conf'
        $lines = foreach ($name in $Records.Keys) {
            $value = $Records[$name]
            $parts = for ($i = 0; $i -lt $value.Length; $i += 250) { '"' + $value.Substring($i, [Math]::Min(250, $value.Length - $i)) + '"' }
            "txt-record=$name,$($parts -join ',')"
        }
        # local=/example.test/: answer NXDOMAIN for other names there instead of REFUSED (no upstream).
        Set-Content $conf (@($lines) + 'local=/example.test/')
        $probe = [Net.Sockets.UdpClient]::new([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 0))
        $port = $probe.Client.LocalEndPoint.Port
        $probe.Dispose()
        $start = [Diagnostics.ProcessStartInfo]::new($dnsmasq)
        foreach ($a in '--no-daemon', '--no-resolv', '--no-hosts', "--port=$port", '--listen-address=127.0.0.1', '--bind-interfaces', '--pid-file', "--conf-file=$conf") {
            $start.ArgumentList.Add($a)
        }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($start)
        Start-Sleep -Milliseconds 300
        if ($process.HasExited) { return $null }
        [pscustomobject]@{ Process = $process; Server = "127.0.0.1:$port" }
    }

    $folder = New-TestFolder
    Push-Location $folder
    $rsa = [Security.Cryptography.RSA]::Create(2048)
    Set-Content dkim.key $rsa.ExportRSAPrivateKeyPem()
    Set-Content dkim.pub $rsa.ExportSubjectPublicKeyInfoPem()
    $script:record = 'v=DKIM1; k=rsa; p=' + [Convert]::ToBase64String($rsa.ExportSubjectPublicKeyInfo())
    Set-Content dkim.txt $record -NoNewline
    $script:message = New-MailMessage -From 'ann@example.test' -To 'bob@example.net' -Subject 'status report' -Body "All systems nominal.`r`nNext report on Monday."
}

AfterAll { Pop-Location }

Describe 'Add-DkimSignature and Test-DkimSignature' {
    It 'signs relaxed/relaxed by default and verifies with the public key file' {
        $signed = $message | Add-DkimSignature -Domain example.test -Selector sel -PrivateKeyPath dkim.key
        $signed | Should -BeOfType 'MailAdmin.Messages.MailMessage'
        $field = ($signed | Get-MailHeader -Name DKIM-Signature).Value
        $field | Should -Match 'c=relaxed/relaxed'
        $field | Should -Match 'd=example.test'
        $field | Should -Match 's=sel'
        $result = $signed | Test-DkimSignature -PublicKeyPath dkim.pub
        $result.IsValid | Should -BeTrue
        $result.Domain | Should -Be 'example.test'
        $result.Selector | Should -Be 'sel'
        $result.Message | Should -Be $signed
    }

    It 'signs only the header fields asked for, with the canonicalization asked for' {
        $signed = $message | Add-DkimSignature -Domain example.test -Selector sel -PrivateKeyPath dkim.key -Header From, Subject -Canonicalization simple/simple
        $field = (($signed | Get-MailHeader -Name DKIM-Signature).Value) -replace '\s', ''
        $field | Should -Match 'h=From:Subject;'
        $field | Should -Match 'c=simple/simple'
        ($signed | Test-DkimSignature -PublicKeyPath dkim.key).IsValid | Should -BeTrue
    }

    It 'a changed body or header fails with a reason that says which' {
        $text = [Text.Encoding]::ASCII.GetString(($message | Add-DkimSignature -Domain example.test -Selector sel -PrivateKeyPath dkim.key).GetBytes())
        $body = [MailAdmin.Messages.MailMessage]::FromBytes([Text.Encoding]::ASCII.GetBytes($text.Replace('nominal', 'on fire')), $null)
        $bodyResult = $body | Test-DkimSignature -PublicKeyPath dkim.pub
        $bodyResult.IsValid | Should -BeFalse
        $bodyResult.Reason | Should -Match 'body was changed'
        $header = [MailAdmin.Messages.MailMessage]::FromBytes([Text.Encoding]::ASCII.GetBytes($text.Replace('Subject: status report', 'Subject: status report (urgent)')), $null)
        $headerResult = $header | Test-DkimSignature -PublicKeyPath dkim.pub
        $headerResult.IsValid | Should -BeFalse
        $headerResult.Reason | Should -Match 'header field was changed'
    }

    It 'an unsigned message is a result, not an error' {
        $result = $message | Test-DkimSignature -PublicKeyPath dkim.pub -ErrorVariable failures
        $failures.Count | Should -Be 0
        $result.IsValid | Should -BeFalse
        $result.Reason | Should -Match 'no DKIM-Signature'
    }

    It 'key problems are terminating errors with their own ids' {
        { $message | Add-DkimSignature -Domain example.test -Selector sel -PrivateKeyPath absent.key -ErrorAction Stop } | Should -Throw -ErrorId 'DkimKeyNotFound,*'
        { $message | Add-DkimSignature -Domain example.test -Selector sel -PrivateKeyPath dkim.pub -ErrorAction Stop } | Should -Throw -ErrorId 'DkimKeyInvalid,*'
        { $message | Test-DkimSignature -PublicKeyPath dkim.pub -DnsServer 127.0.0.1 -ErrorAction Stop } | Should -Throw -ErrorId 'DkimKeySourceConflict,*'
    }
}

Describe 'DKIM interop with dkimpy' {
    BeforeEach { if ($dkimpyReason) { Set-ItResult -Skipped -Because $dkimpyReason } }

    It 'what we sign, dkimpy verifies (relaxed and simple); once changed, dkimpy rejects it' {
        foreach ($c in 'relaxed/relaxed', 'simple/simple', 'relaxed/simple') {
            $file = "ours-$($c.Replace('/', '-')).eml"
            $message | Add-DkimSignature -Domain example.test -Selector sel -PrivateKeyPath dkim.key -Canonicalization $c | Export-MailMessage -Path $file
            $check = Invoke-Dkimpy @('verify', 'dkim.txt', $file)
            $check.Output | Should -Be 'valid' -Because "dkimpy verifies our $c signature"
            $check.ExitCode | Should -Be 0
        }
        (Get-Content ours-relaxed-relaxed.eml -Raw).Replace('nominal', 'on fire') | Set-Content ours-changed.eml -NoNewline
        (Invoke-Dkimpy @('verify', 'dkim.txt', 'ours-changed.eml')).Output | Should -Be 'invalid'
    }

    It 'what dkimpy signs, we verify with -PublicKeyPath, and reject once changed' {
        $message | Export-MailMessage -Path plain.eml
        (Invoke-Dkimpy @('sign', 'dkim.key', 'example.test', 'sel', 'plain.eml', 'theirs.eml')).ExitCode | Should -Be 0
        $result = Test-DkimSignature -Path theirs.eml -PublicKeyPath dkim.pub
        $result.IsValid | Should -BeTrue
        $result.Domain | Should -Be 'example.test'
        $result.Selector | Should -Be 'sel'

        (Get-Content theirs.eml -Raw).Replace('Next report', 'No more reports') | Set-Content theirs-changed.eml -NoNewline
        $bad = Test-DkimSignature -Path theirs-changed.eml -PublicKeyPath dkim.txt
        $bad.IsValid | Should -BeFalse
        $bad.Reason | Should -Match 'body was changed'
    }

    It 'looks the key up in DNS (dnsmasq on loopback), and reports a selector with no record' {
        $dns = Start-DnsmasqPeer -Records @{ 'sel._domainkey.example.test' = $record } -Folder $PWD
        if (-not $dns) { Set-ItResult -Skipped -Because 'dnsmasq is not installed or did not start'; return }
        try {
            $message | Export-MailMessage -Path plain-dns.eml
            Invoke-Dkimpy @('sign', 'dkim.key', 'example.test', 'sel', 'plain-dns.eml', 'theirs-dns.eml') | Out-Null
            $result = Test-DkimSignature -Path theirs-dns.eml -DnsServer $dns.Server
            $result.Reason | Should -Match 'matches'
            $result.IsValid | Should -BeTrue

            $ours = $message | Add-DkimSignature -Domain example.test -Selector other -PrivateKeyPath dkim.key
            $missing = $ours | Test-DkimSignature -DnsServer $dns.Server
            $missing.IsValid | Should -BeFalse
            $missing.Reason | Should -Match 'No DKIM key record at other._domainkey.example.test'
        }
        finally {
            if (-not $dns.Process.HasExited) { $dns.Process.Kill() }
        }
    }
}
