# Another module's MailKit, MimeKit and BouncyCastle beside ours (issue 13 §1). Each case runs
# tests/tools/Isolation-Scenario.ps1 in a fresh pwsh: what is loaded into a process cannot be
# unloaded, so the Pester process itself (which imported MailAdmin already) proves nothing.
BeforeDiscovery {
    $script:packages = Join-Path $PSScriptRoot '../.tools/packages'
    $script:missing = -not (Test-Path (Join-Path $packages 'mailkit/4.2.0')) -or -not (Test-Path (Join-Path $packages 'mimekit/4.18.0')) -or
        -not (Test-Path (Join-Path $packages 'bouncycastle.cryptography/2.4.0'))
    $script:desktop = $PSVersionTable.PSEdition -eq 'Desktop'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:packages = (Resolve-Path (Join-Path $PSScriptRoot '../.tools/packages') -ErrorAction SilentlyContinue).Path
    $script:modulePath = (Get-Module MailAdmin).Path -replace '\.dll$', '.psd1'

    # A fresh PowerShell like this one (under 'dotnet pwsh' the process is dotnet itself).
    function Invoke-FreshPwsh([string[]] $Arguments) {
        $self = [Environment]::ProcessPath
        $output = if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') {
            & $self (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive @Arguments 2>&1
        }
        else { & $self -NoProfile -NonInteractive @Arguments 2>&1 }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }

    function Invoke-Scenario([string] $Order) {
        $result = Join-Path (New-TestFolder "isolation-$Order") 'facts.json'
        $run = Invoke-FreshPwsh -Arguments @('-File', (Join-Path $PSScriptRoot 'tools/Isolation-Scenario.ps1'),
            '-Order', $Order, '-ModulePath', $modulePath, '-PackagesPath', $packages, '-ResultPath', $result)
        if (-not (Test-Path $result)) { throw "The scenario wrote no result (exit $($run.ExitCode)): $($run.Output)" }
        Get-Content -Raw $result | ConvertFrom-Json
    }
}

Describe 'Another module''s MailKit 4.2, MimeKit 4.18.0 and BouncyCastle 2.4 loaded <_> MailAdmin' -ForEach 'Before', 'After' -Skip:($missing -or $desktop) {
    BeforeAll {
        $script:facts = Invoke-Scenario $_
        $script:errors = ($facts.Errors.PSObject.Properties | ForEach-Object { "$($_.Name): $($_.Value)" }) -join "`n"
    }

    It 'runs every step without an error' {
        $errors | Should -BeNullOrEmpty
        $facts.OtherLoaded | Should -BeTrue
        $facts.Imported | Should -BeTrue
    }

    It 'sends with Send-SmtpMessage to our own server, and lists the message over IMAP' {
        $facts.SendAccepted | Should -BeTrue
        $facts.ImapListed | Should -Be 1
        $facts.ImapSubject | Should -Be "isolation $_"
        $facts.ImapBody | Should -Be 'sent beside another MailKit'
    }

    It 'signs with Protect-MailMessage -Sign (S/MIME) and verifies the signature' {
        $facts.SignedType | Should -Be 'multipart/signed'
        $facts.SignatureValid | Should -BeTrue
        $facts.MessageIsOurType | Should -BeTrue
    }

    It 'leaves the other module''s types usable: its MimeKit, MailKit and BouncyCastle, not ours' {
        $facts.OtherMimeKitPath | Should -BeLike '*mimekit*4.18.0*MimeKit.dll'
        $facts.OtherMimeKitFileVersion | Should -Be '4.18.0.0'
        $facts.OtherMimeKitSubject | Should -Be 'from the other module'
        $facts.OtherMailKitVersion | Should -Be '4.2.0.0'
        $facts.OtherMailKitPath | Should -BeLike '*mailkit*4.2.0*MailKit.dll'
        # SHA-256('abc'), FIPS 180-2's test vector, computed by the other BouncyCastle.
        $facts.OtherBouncyCastleSha256 | Should -Be 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
        $facts.OtherBouncyCastleFileVersion | Should -BeLike '2.4.0.*'
    }

    It 'keeps all of ours but the cmdlets and their loader out of the default load context' {
        @($facts.DefaultOurs) | Should -Be @('MailAdmin', 'MailAdmin.Loader')
        # Each MailKit/MimeKit/BouncyCastle in the default context is the other module's copy.
        @($facts.DefaultDependencyPaths).Count | Should -Be 3
        foreach ($path in $facts.DefaultDependencyPaths) { $path | Should -BeLike "$packages*" }
        $facts.EngineCount | Should -Be 1
        $facts.EngineContextIsDefault | Should -BeFalse
        $facts.OurMimeKitPath | Should -BeLike '*deps*MimeKit.dll'
        $facts.OurMimeKitContext | Should -BeLike '*DependencyLoadContext*'
        $facts.OurMimeKitSameAsEngineContext | Should -BeTrue
    }
}

Describe 'The assemblies in the default load context name no dependency type' {
    BeforeAll {
        # The assemblies a file references, read without loading it: a reference from the default
        # context would bind to whatever copy another module loaded there.
        function Get-AssemblyReferences([string] $Name) {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new([IO.File]::OpenRead((Join-Path (Split-Path $modulePath) $Name)))
            try {
                $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                @(foreach ($handle in $reader.AssemblyReferences) { $reader.GetString($reader.GetAssemblyReference($handle).Name) })
            }
            finally { $pe.Dispose() }
        }
    }

    It 'MailAdmin.dll references MailAdmin.Engine but not MailKit, MimeKit, BouncyCastle or DnsClient' {
        $names = Get-AssemblyReferences 'MailAdmin.dll'
        $names | Should -Contain 'MailAdmin.Engine'
        foreach ($dependency in 'MailKit', 'MimeKit', 'BouncyCastle.Cryptography', 'DnsClient') { $names | Should -Not -Contain $dependency }
    }

    It 'MailAdmin.Loader.dll references neither the engine nor a dependency' {
        $names = Get-AssemblyReferences 'MailAdmin.Loader.dll'
        foreach ($name in 'MailAdmin.Engine', 'MailKit', 'MimeKit', 'BouncyCastle.Cryptography', 'DnsClient') { $names | Should -Not -Contain $name }
    }

    It 'stages only the cmdlets and their loader at the module root; the engine sits in deps/' {
        $folder = Split-Path $modulePath
        @(Get-ChildItem $folder -Filter *.dll | ForEach-Object Name | Sort-Object) | Should -Be @('MailAdmin.dll', 'MailAdmin.Loader.dll')
        Join-Path $folder 'deps/MailAdmin.Engine.dll' | Should -Exist
    }

    It 'keeps engine type names working in scripts: [MailAdmin.Hosting.TlsCertificates]::CreateSelfSigned and -is [MailAdmin.Messages.MailMessage]' {
        $certificate = [MailAdmin.Hosting.TlsCertificates]::CreateSelfSigned('ann@example.com')
        $certificate.Subject | Should -Match 'CN=ann@example.com'
        New-MailMessage -From a@example.com -To b@example.com -Subject t -Body b | Should -BeOfType ([MailAdmin.Messages.MailMessage])
    }
}
