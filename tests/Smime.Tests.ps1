BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')

    # OpenSSL is the second S/MIME implementation: what we make, it must read, and back.
    function Invoke-OpenSsl([string[]] $Arguments, [switch] $AllowFailure) {
        $output = & openssl @Arguments 2>&1
        $code = $LASTEXITCODE
        if ($code -ne 0 -and -not $AllowFailure) { throw "openssl $($Arguments -join ' ') failed ($code): $($output -join "`n")" }
        [pscustomobject]@{ ExitCode = $code; Output = ($output -join "`n") }
    }

    $script:openssl = Find-Program 'openssl'
    $folder = New-TestFolder
    Push-Location $folder
    if ($openssl) {
        foreach ($who in 'ann', 'bob') {
            Invoke-OpenSsl @('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-keyout', "$who.key", '-out', "$who.crt",
                '-subj', "/CN=$who/emailAddress=$who@example.com") | Out-Null
            Set-Content "$who.pem" ((Get-Content "$who.crt" -Raw) + (Get-Content "$who.key" -Raw)) -NoNewline
        }
        Invoke-OpenSsl @('pkcs12', '-export', '-in', 'ann.crt', '-inkey', 'ann.key', '-out', 'ann.pfx', '-passout', 'pass:Pfx-Secret1') | Out-Null
        Set-Content body.txt "Hello from OpenSSL`r`nsecond line`r`n" -NoNewline
    }
    $script:message = New-MailMessage -From 'ann@example.com' -To 'bob@example.com' -Subject 'quarterly' -Body "The numbers are in.`r`nSee you."
}

AfterAll { Pop-Location }

Describe 'Protect-MailMessage / Unprotect-MailMessage' {
    BeforeEach { if (-not $openssl) { Set-ItResult -Skipped -Because 'openssl is not installed' } }

    It 'signs detached; openssl smime -verify accepts it and we verify it' {
        $signed = $message | Protect-MailMessage -Sign -Certificate ann.pem
        $signed | Should -BeOfType 'MailAdmin.Messages.MailMessage'
        $signed.MimeMessage.Body.ContentType.MimeType | Should -Be 'multipart/signed'
        $signed | Export-MailMessage -Path signed.eml
        $check = Invoke-OpenSsl @('smime', '-verify', '-in', 'signed.eml', '-CAfile', 'ann.crt', '-out', 'verified.txt')
        $check.Output | Should -Match 'Verification successful'
        Get-Content verified.txt -Raw | Should -Match 'The numbers are in'

        $result = $signed | Unprotect-MailMessage -TrustedCertificate ann.crt
        $result.Signatures.Count | Should -Be 1
        $result.Signatures[0].IsValid | Should -BeTrue
        $result.Signatures[0].Signer | Should -Be 'ann@example.com'
        $result.Signatures[0].Certificate | Should -BeOfType 'System.Security.Cryptography.X509Certificates.X509Certificate2'
        $result.Message.MimeMessage.TextBody | Should -Match 'The numbers are in'
        $result.Message.Subject | Should -Be 'quarterly'
    }

    It 'signs opaque with a PFX and its password; openssl cms -verify accepts it' {
        $password = ConvertTo-SecureString 'Pfx-Secret1' -AsPlainText -Force
        $message | Protect-MailMessage -Sign -Certificate ann.pfx -CertificatePassword $password -SignatureType Opaque | Export-MailMessage -Path opaque.eml
        $check = Invoke-OpenSsl @('cms', '-verify', '-in', 'opaque.eml', '-CAfile', 'ann.crt', '-out', 'opaque.txt')
        $check.Output | Should -Match 'Verification successful'
        Get-Content opaque.txt -Raw | Should -Match 'The numbers are in'
    }

    It 'encrypts for a recipient certificate file; openssl decrypts with the recipient key and we do too' {
        $encrypted = $message | Protect-MailMessage -Encrypt -RecipientCertificate bob.crt
        [Text.Encoding]::ASCII.GetString($encrypted.GetBytes()) | Should -Not -Match 'numbers are in'
        $encrypted | Export-MailMessage -Path encrypted.eml
        Invoke-OpenSsl @('smime', '-decrypt', '-in', 'encrypted.eml', '-recip', 'bob.crt', '-inkey', 'bob.key', '-out', 'decrypted.txt') | Out-Null
        Get-Content decrypted.txt -Raw | Should -Match 'The numbers are in'

        $result = Unprotect-MailMessage -LiteralPath encrypted.eml -Certificate bob.pem
        $result.WasEncrypted | Should -BeTrue
        $result.Signatures.Count | Should -Be 0
        $result.Message.MimeMessage.TextBody | Should -Match 'The numbers are in'
    }

    It 'signs and encrypts; openssl decrypts, then verifies the signature inside' {
        $message | Protect-MailMessage -Sign -Encrypt -Certificate ann.pem -RecipientCertificate bob.crt | Export-MailMessage -Path both.eml
        Invoke-OpenSsl @('smime', '-decrypt', '-in', 'both.eml', '-recip', 'bob.crt', '-inkey', 'bob.key', '-out', 'inner.eml') | Out-Null
        (Invoke-OpenSsl @('smime', '-verify', '-in', 'inner.eml', '-CAfile', 'ann.crt', '-out', 'inner.txt')).Output | Should -Match 'Verification successful'
        Get-Content inner.txt -Raw | Should -Match 'The numbers are in'
    }

    It 'takes an X509Certificate2 object (with its key) for signing and for recipients' {
        $cert = [MailAdmin.Hosting.TlsCertificates]::CreateSelfSigned('carol.example.com')
        $both = $message | Protect-MailMessage -Sign -Encrypt -Certificate $cert -RecipientCertificate $cert
        $result = $both | Unprotect-MailMessage -Certificate $cert -TrustedCertificate $cert
        $result.IsValid | Should -BeTrue
        $result.WasEncrypted | Should -BeTrue
    }

    It 'a message we signed and someone changed: openssl rejects it, we say it was changed' {
        $text = [Text.Encoding]::ASCII.GetString(($message | Protect-MailMessage -Sign -Certificate ann.pem).GetBytes())
        $tampered = $text.Replace('The numbers are in.', 'The numbers are OUT.')
        $tampered | Should -Not -Be $text
        [IO.File]::WriteAllText((Join-Path $PWD 'tampered.eml'), $tampered)
        (Invoke-OpenSsl @('smime', '-verify', '-in', 'tampered.eml', '-CAfile', 'ann.crt', '-out', 'tampered.txt') -AllowFailure).ExitCode | Should -Not -Be 0

        $result = Unprotect-MailMessage -Path tampered.eml -TrustedCertificate ann.crt
        $result.Signatures[0].IsValid | Should -BeFalse
        $result.Signatures[0].Reason | Should -Match 'changed after it was signed'
        $result.IsValid | Should -BeFalse
    }

    It 'an untrusted signer is invalid with a reason; -SkipCertificateCheck only checks the match' {
        $signed = $message | Protect-MailMessage -Sign -Certificate ann.pem
        $untrusted = ($signed | Unprotect-MailMessage).Signatures[0]
        $untrusted.IsValid | Should -BeFalse
        $untrusted.Reason | Should -Match 'not trusted'
        ($signed | Unprotect-MailMessage -SkipCertificateCheck).Signatures[0].IsValid | Should -BeTrue
    }
}

Describe 'Reading what OpenSSL made' {
    BeforeEach { if (-not $openssl) { Set-ItResult -Skipped -Because 'openssl is not installed' } }

    It 'verifies an openssl detached signature, and notices when its content is changed' {
        Invoke-OpenSsl @('smime', '-sign', '-in', 'body.txt', '-text', '-signer', 'ann.crt', '-inkey', 'ann.key',
            '-from', 'ann@example.com', '-to', 'bob@example.com', '-subject', 'from openssl', '-out', 'os-signed.eml') | Out-Null
        $result = Unprotect-MailMessage -Path os-signed.eml -TrustedCertificate ann.crt
        $result.Signatures[0].IsValid | Should -BeTrue
        $result.Signatures[0].Signer | Should -Be 'ann@example.com'
        $result.Message.Subject | Should -Be 'from openssl'
        $result.Message.MimeMessage.TextBody | Should -Match 'Hello from OpenSSL'

        (Get-Content os-signed.eml -Raw).Replace('Hello from OpenSSL', 'Hello from Mallory') | Set-Content os-tampered.eml -NoNewline
        $bad = Unprotect-MailMessage -Path os-tampered.eml -TrustedCertificate ann.crt
        $bad.Signatures[0].IsValid | Should -BeFalse
        $bad.Signatures[0].Reason | Should -Match 'changed after it was signed'
    }

    It 'verifies an openssl opaque signature and unwraps its content' {
        Invoke-OpenSsl @('smime', '-sign', '-nodetach', '-in', 'body.txt', '-text', '-signer', 'ann.crt', '-inkey', 'ann.key',
            '-subject', 'opaque from openssl', '-out', 'os-opaque.eml') | Out-Null
        $result = Unprotect-MailMessage -Path os-opaque.eml -TrustedCertificate ann.crt
        $result.IsValid | Should -BeTrue
        $result.Message.MimeMessage.TextBody | Should -Match 'Hello from OpenSSL'
    }

    It 'decrypts an openssl AES-256 message, and one signed then encrypted' {
        Invoke-OpenSsl @('smime', '-encrypt', '-aes256', '-in', 'body.txt', '-text', '-subject', 'secret', '-out', 'os-enc.eml', 'bob.crt') | Out-Null
        $result = Unprotect-MailMessage -Path os-enc.eml -Certificate bob.pem
        $result.WasEncrypted | Should -BeTrue
        $result.Message.MimeMessage.TextBody | Should -Match 'Hello from OpenSSL'

        Invoke-OpenSsl @('smime', '-sign', '-in', 'body.txt', '-text', '-signer', 'ann.crt', '-inkey', 'ann.key', '-out', 'os-inner.eml') | Out-Null
        Invoke-OpenSsl @('smime', '-encrypt', '-aes256', '-in', 'os-inner.eml', '-subject', 'signed secret', '-out', 'os-both.eml', 'bob.crt') | Out-Null
        $both = Unprotect-MailMessage -Path os-both.eml -Certificate bob.pem -TrustedCertificate ann.crt
        $both.WasEncrypted | Should -BeTrue
        $both.IsValid | Should -BeTrue
        $both.Signatures[0].Signer | Should -Be 'ann@example.com'
        $both.Message.MimeMessage.TextBody | Should -Match 'Hello from OpenSSL'
    }
}

Describe 'S/MIME errors' {
    BeforeEach { if (-not $openssl) { Set-ItResult -Skipped -Because 'openssl is not installed' } }

    It 'a message encrypted for someone else is a non-terminating SmimeDecryptFailed; a plain one SmimeNotProtected' {
        $encrypted = $message | Protect-MailMessage -Encrypt -RecipientCertificate bob.crt
        $out = @($encrypted, $message) | Unprotect-MailMessage -Certificate ann.pem -ErrorVariable failures -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $failures.Count | Should -Be 2
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SmimeDecryptFailed,*'
        $failures[0].Exception.Message | Should -Match 'not encrypted for any of the given certificates'
        $failures[1].FullyQualifiedErrorId | Should -BeLike 'SmimeNotProtected,*'
    }

    It 'setup problems terminate with their own ids' {
        { $message | Protect-MailMessage -Sign -ErrorAction Stop } | Should -Throw -ErrorId 'SmimeCertificateMissing,*'
        { $message | Protect-MailMessage -Sign -Certificate nothing-here.pem -ErrorAction Stop } | Should -Throw -ErrorId 'SmimeCertificateNotFound,*'
        { $message | Protect-MailMessage -Sign -Certificate ann.crt -ErrorAction Stop } | Should -Throw -ErrorId 'SmimeCertificateInvalid,*'
        { $message | Protect-MailMessage -ErrorAction Stop } | Should -Throw -ErrorId 'SmimeNothingToDo,*'
    }
}
