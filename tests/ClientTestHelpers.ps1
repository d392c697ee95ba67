# Shared by the client cmdlet tests (Connect-*, Send-SmtpMessage, the IMAP and POP3 commands):
# the peers they talk to. Dot-source after TestHelpers.ps1 and ServerTestHelpers.ps1.

$script:LabPassword = 'Ann-Passw0rd'

# Our own server in memory, with one account; plain-text login allowed (loopback lab).
function Start-ClientLab {
    param([string] $Name = "lab-$([guid]::NewGuid().ToString('n').Substring(0, 8))", [string] $Address = 'ann@example.com')
    $server = Start-TestServer -Name $Name -Extra @{ AllowInsecureAuth = $true }
    $secure = ConvertTo-TestSecureString $LabPassword
    New-MailAccount -Server $Name -Address $Address -Password $secure | Out-Null
    [pscustomobject]@{
        Name           = $Name
        MailServer     = $server
        Host           = '127.0.0.1'
        Address        = $Address
        Credential     = [pscredential]::new($Address, $secure)
        SmtpPort       = $server.Port('smtp')
        SubmissionPort = $server.Port('submission')
        ImapPort       = $server.Port('imap')
        Pop3Port       = $server.Port('pop3')
    }
}

function Stop-ClientLab($Lab) { if ($Lab) { Stop-MailServer -Name $Lab.Name -ErrorAction SilentlyContinue } }

# A throw-away Dovecot (IMAP and POP3, no TLS) with one user; $null when it cannot run here,
# with the reason in $script:PeerSkipReason.
function Start-DovecotPeer {
    param([string] $Address = 'ann@example.com')
    if (-not (Find-Program dovecot)) { $script:PeerSkipReason = 'Dovecot is not installed (apt-get install dovecot-imapd dovecot-pop3d)'; return $null }
    $dir = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-dovecot-client-$PID-$(Get-Random)"
    $imap = Get-Random -Minimum 31000 -Maximum 39000
    & bash (Join-Path $PSScriptRoot 'tools/dovecot-instance.sh') start $dir $imap ($imap + 1) $Address $LabPassword 2>&1 | Write-Host
    if ($LASTEXITCODE -ne 0) { $script:PeerSkipReason = 'the Dovecot instance did not start'; return $null }
    [pscustomobject]@{
        Dir        = $dir
        Host       = '127.0.0.1'
        Address    = $Address
        Credential = [pscredential]::new($Address, (ConvertTo-TestSecureString $LabPassword))
        ImapPort   = $imap
        Pop3Port   = $imap + 1
    }
}

function Stop-DovecotPeer($Peer) { if ($Peer) { & bash (Join-Path $PSScriptRoot 'tools/dovecot-instance.sh') stop $Peer.Dir } }

# A throw-away Postfix on loopback that relays everything to our server's SMTP port; $null
# (with $script:PeerSkipReason) when it cannot run here.
function Start-PostfixPeer {
    param([Parameter(Mandatory)] [int] $RelayPort)
    if (-not (Find-Program postfix)) { $script:PeerSkipReason = 'Postfix is not installed (apt-get install postfix)'; return $null }
    $dir = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-postfix-client-$PID-$(Get-Random)"
    $port = Get-Random -Minimum 20000 -Maximum 29000
    & bash (Join-Path $PSScriptRoot 'tools/postfix-instance.sh') start $dir $port $RelayPort 2>&1 | Write-Host
    if ($LASTEXITCODE -ne 0) { $script:PeerSkipReason = 'the Postfix instance did not start'; return $null }
    [pscustomobject]@{ Dir = $dir; Host = '127.0.0.1'; Port = $port }
}

function Stop-PostfixPeer($Peer) { if ($Peer) { & bash (Join-Path $PSScriptRoot 'tools/postfix-instance.sh') stop $Peer.Dir } }

# A misbehaving server (tests/tools/fake_server.py): 'silent', or 'imap-close-on' / 'pop3-close-on' a command word.
function Start-FakeServer {
    param([Parameter(Mandatory)] [string] $Mode, [string] $Trigger, [string[]] $MoreArguments = @())
    $portFile = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-fake-$PID-$(Get-Random).port"
    $arguments = @((Join-Path $PSScriptRoot 'tools/fake_server.py'), $portFile, $Mode)
    if ($Trigger) { $arguments += $Trigger }
    $arguments += $MoreArguments
    $start = [Diagnostics.ProcessStartInfo]::new('python3')
    foreach ($a in $arguments) { $start.ArgumentList.Add($a) }
    $start.RedirectStandardInput = $true
    $process = [Diagnostics.Process]::Start($start)
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while (-not (Test-Path $portFile) -or -not (Get-Content $portFile)) {
        if ([DateTime]::UtcNow -gt $deadline) { $process.Kill(); throw 'fake_server.py did not start' }
        Start-Sleep -Milliseconds 50
    }
    [pscustomobject]@{ Process = $process; Port = [int] (Get-Content $portFile) }
}

function Stop-FakeServer($Fake) { if ($Fake -and -not $Fake.Process.HasExited) { $Fake.Process.Kill() } }
