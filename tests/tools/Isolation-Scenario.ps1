<#
.SYNOPSIS
    Run by tests/Isolation.Tests.ps1, each time in a fresh pwsh: another module's MailKit stack
    (MailKit 4.2.0, MimeKit 4.18.0, BouncyCastle 2.4.0, from .tools/packages) is loaded into the
    default load context before (-Order Before) or after (-Order After) Import-Module MailAdmin;
    then MailAdmin sends, lists over IMAP and signs with S/MIME, and the other copy is used too.
    Writes one JSON object of facts to -ResultPath; a step that fails records its error and the
    script goes on, so that the test reports every broken step at once.
#>
param(
    [Parameter(Mandatory)] [ValidateSet('Before', 'After')] [string] $Order,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $PackagesPath,
    [Parameter(Mandatory)] [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
$facts = [ordered]@{ Order = $Order; Errors = [ordered]@{} }

function Step([string] $Name, [scriptblock] $Action) {
    try { & $Action }
    catch { $facts.Errors[$Name] = "$($_.Exception.GetType().Name): $($_.Exception.Message)" }
}

# What another module ships: its own copies, loaded the ordinary way (Add-Type -Path, LoadFrom).
$other = @{
    BouncyCastle = Join-Path $PackagesPath 'bouncycastle.cryptography/2.4.0/lib/net6.0/BouncyCastle.Cryptography.dll'
    MimeKit      = Join-Path $PackagesPath 'mimekit/4.18.0/lib/net8.0/MimeKit.dll'
    MailKit      = Join-Path $PackagesPath 'mailkit/4.2.0/lib/net6.0/MailKit.dll'
}
function Import-OtherModuleAssemblies {
    Step 'LoadOther' {
        Add-Type -Path $other.BouncyCastle
        Add-Type -Path $other.MimeKit
        $null = [Reflection.Assembly]::LoadFrom($other.MailKit)
        $facts.OtherLoaded = $true
    }
}

if ($Order -eq 'Before') { Import-OtherModuleAssemblies }

Step 'Import' { Import-Module $ModulePath -ErrorAction Stop; $facts.Imported = $true }

$server = $null
try {
    Step 'Server' {
        $script:server = Start-MailServer -Name "iso-$PID" -InMemory -FreePorts -SmtpsPort 0 -Domain example.com -AllowInsecureAuth
        $script:secret = ConvertTo-SecureString 'Isolation-Pass-1' -AsPlainText -Force
        New-MailAccount -Server "iso-$PID" -Address ann@example.com -Password $secret | Out-Null
        $script:credential = [pscredential]::new('ann@example.com', $secret)
    }
    if ($Order -eq 'After') {
        # Our dependencies are loaded by now (the server runs on MimeKit); then the other module comes.
        Step 'SendFirst' { Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $server.Port('smtp') -Secure None -From bob@example.com -To ann@example.com -Subject 'before the other module' -Body 'first' }
        Import-OtherModuleAssemblies
    }

    Step 'Send' {
        $result = Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $server.Port('smtp') -Secure None -From bob@example.com -To ann@example.com `
            -Subject "isolation $Order" -Body 'sent beside another MailKit' -PassThru
        $facts.SendAccepted = @($result).Count -eq 1
    }
    Step 'ImapList' {
        $listed = @(Get-ImapMessage -Server 127.0.0.1 -Port $server.Port('imap') -Secure None -Credential $credential -Subject "isolation $Order" -IncludeBody)
        $facts.ImapListed = $listed.Count
        $facts.ImapSubject = if ($listed) { $listed[0].Subject } else { $null }
        $facts.ImapBody = if ($listed) { $listed[0].MimeMessage.TextBody.Trim() } else { $null }
    }
    Step 'Smime' {
        $certificate = [MailAdmin.Hosting.TlsCertificates]::CreateSelfSigned('bob@example.com')
        $signed = New-MailMessage -From bob@example.com -To ann@example.com -Subject 'signed' -Body 'signed beside another BouncyCastle' |
            Protect-MailMessage -Sign -Certificate $certificate
        $facts.SignedType = $signed.MimeMessage.Body.ContentType.MimeType
        $opened = $signed | Unprotect-MailMessage -TrustedCertificate $certificate
        $facts.SignatureValid = [bool] $opened.Signatures[0].IsValid
        $facts.MessageIsOurType = $signed -is [MailAdmin.Messages.MailMessage]
    }

    # The other module's types, by type literal (PowerShell sees the default context only).
    Step 'OtherMimeKit' {
        $message = [MimeKit.MimeMessage]::new()
        $message.Subject = 'from the other module'
        $facts.OtherMimeKitPath = $message.GetType().Assembly.Location
        $facts.OtherMimeKitFileVersion = [Diagnostics.FileVersionInfo]::GetVersionInfo($message.GetType().Assembly.Location).FileVersion
        $facts.OtherMimeKitSubject = $message.Subject
    }
    Step 'OtherMailKit' {
        $client = [MailKit.Net.Smtp.SmtpClient]::new()
        $facts.OtherMailKitVersion = $client.GetType().Assembly.GetName().Version.ToString()
        $facts.OtherMailKitPath = $client.GetType().Assembly.Location
        $client.Dispose()
    }
    Step 'OtherBouncyCastle' {
        $digest = [Org.BouncyCastle.Crypto.Digests.Sha256Digest]::new()
        $bytes = [Text.Encoding]::ASCII.GetBytes('abc')
        $digest.BlockUpdate($bytes, 0, $bytes.Length)
        $out = [byte[]]::new(32)
        $null = $digest.DoFinal($out, 0)
        $facts.OtherBouncyCastleSha256 = [Convert]::ToHexString($out).ToLowerInvariant()
        $facts.OtherBouncyCastleFileVersion = [Diagnostics.FileVersionInfo]::GetVersionInfo($digest.GetType().Assembly.Location).FileVersion
    }

    Step 'Contexts' {
        $moduleFolder = Split-Path $ModulePath
        $default = [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies
        # Ours in the default context: only MailAdmin.dll (the cmdlets) and MailAdmin.Loader.dll.
        $facts.DefaultOurs = @($default | Where-Object { -not $_.IsDynamic -and $_.Location -and $_.Location.StartsWith($moduleFolder) } |
                ForEach-Object { $_.GetName().Name } | Sort-Object)
        # Every MailKit/MimeKit/BouncyCastle/DnsClient there is the other module's.
        $facts.DefaultDependencyPaths = @($default | Where-Object { $_.GetName().Name -in 'MailKit', 'MimeKit', 'BouncyCastle.Cryptography', 'DnsClient' } |
                ForEach-Object { $_.Location })
        $all = [AppDomain]::CurrentDomain.GetAssemblies()
        $engine = $all | Where-Object { $_.GetName().Name -eq 'MailAdmin.Engine' }
        $facts.EngineCount = @($engine).Count
        $facts.EngineContextIsDefault = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine[0]) -eq [System.Runtime.Loader.AssemblyLoadContext]::Default
        $ourMime = (New-MailMessage -From a@example.com -To b@example.com -Subject x -Body y).MimeMessage.GetType().Assembly
        $facts.OurMimeKitPath = $ourMime.Location
        $facts.OurMimeKitContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($ourMime).ToString()
        $facts.OurMimeKitSameAsEngineContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($ourMime) -eq [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine[0])
    }
}
finally {
    if ($server) { Stop-MailServer -Name "iso-$PID" -ErrorAction SilentlyContinue }
    $facts | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $ResultPath -Encoding utf8
}
