# Shared by the server tests: start a throw-away server, send with real clients.

# A fresh in-memory (or on-disk, with -Path) catch-all server on free ports.
function Start-TestServer {
    param([string] $Name = "test-$([guid]::NewGuid().ToString('n').Substring(0, 8))", [string] $Path, [switch] $CatchAll, [string[]] $Domain = @('example.com'), [hashtable] $Extra = @{})
    # Without -WarningAction the startup warning of a server with no account yet (postmaster mail is
    # refused) would print once per test; the tests of that warning start their servers themselves.
    $parameters = @{ Name = $Name; FreePorts = $true; SmtpsPort = 0; Domain = $Domain; WarningAction = 'SilentlyContinue' }
    foreach ($key in $Extra.Keys) { $parameters[$key] = $Extra[$key] }
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

# A server in a process of its own (pwsh with the module under test), so that a test can kill it
# outright (SIGKILL) and start it again on the same store. $Arguments are Start-MailServer's, as
# command text; the server's -Port($Protocol) comes back through a file. Returns Process and Port.
function Start-ServerProcess {
    param([Parameter(Mandatory)] [string] $Arguments, [string] $Protocol = 'smtp', [int] $TimeoutSeconds = 60)
    $portFile = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-port-$([guid]::NewGuid().ToString('n')).txt"
    # The postmaster warning of a server without accounts says nothing a test needs.
    $serverScript = "Import-Module '$env:MAILADMIN_TEST_MODULE'; `$s = Start-MailServer $Arguments -WarningAction SilentlyContinue; Set-Content -Path '$portFile' -Value `$s.Port('$Protocol'); while (`$true) { Start-Sleep -Seconds 1 }"
    $self = [Environment]::ProcessPath
    [string[]] $processArguments = if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
    $processArguments += '-NoProfile', '-NonInteractive', '-Command', $serverScript
    $start = [Diagnostics.ProcessStartInfo]::new($self)
    foreach ($argument in $processArguments) { $start.ArgumentList.Add($argument) }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($start)
    # Drain standard output so that a chatty server never blocks on a full pipe; standard error is read on failure.
    $process.BeginOutputReadLine()
    try {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not (Get-Content $portFile -ErrorAction SilentlyContinue) -and [DateTime]::UtcNow -lt $deadline -and -not $process.HasExited) { Start-Sleep -Milliseconds 100 }
        $port = Get-Content $portFile -ErrorAction SilentlyContinue
        if (-not $port) {
            if (-not $process.HasExited) { $process.Kill() }
            throw "The server process did not start: $($process.StandardError.ReadToEnd())"
        }
        [pscustomobject]@{ Process = $process; Port = [int] $port }
    }
    finally { Remove-Item $portFile -ErrorAction SilentlyContinue }
}
