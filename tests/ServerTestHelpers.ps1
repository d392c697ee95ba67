# Shared by the server tests: start a throw-away server, send with real clients.

# A fresh in-memory (or on-disk, with -Path) catch-all server on free ports.
function Start-TestServer {
    param([string] $Name = "test-$([guid]::NewGuid().ToString('n').Substring(0, 8))", [string] $Path, [switch] $CatchAll, [string[]] $Domain = @('example.com'), [hashtable] $Extra = @{})
    $parameters = @{ Name = $Name; FreePorts = $true; SmtpsPort = 0; Domain = $Domain } + $Extra
    if ($Path) { $parameters.Path = $Path } else { $parameters.InMemory = $true }
    if ($CatchAll) { $parameters.CatchAll = $true }
    Start-MailServer @parameters
}

function ConvertTo-TestSecureString([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }

# Runs python3 with a script on standard input; returns its output, throws on failure.
function Invoke-Python([string] $Script, [string[]] $Arguments = @()) {
    $output = $Script | & python3 - @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "python3 failed ($LASTEXITCODE): $($output -join "`n")" }
    $output
}

# MailKit ships in the module's deps folder: load it for a client nobody here wrote.
function Get-MailKitSmtpClient {
    $deps = Join-Path (Split-Path (Get-Module MailAdmin).Path) 'deps'
    # A copy of the script's own: on PowerShell 7 the module's sits in its own load context.
    Add-Type -Path (Join-Path $deps 'BouncyCastle.Cryptography.dll'), (Join-Path $deps 'MimeKit.dll'), (Join-Path $deps 'MailKit.dll') -ErrorAction SilentlyContinue
    [MailKit.Net.Smtp.SmtpClient]::new()
}
