<#
.SYNOPSIS
    The main job: a tour of MailAdmin on real mail data, run by `build.ps1 -Task Demo`.
.DESCRIPTION
    Writes sample mail (an mbox archive and a message that crossed three hosts), then shows
    the message commands at work on it: import, headers, the delivery route with its clock
    skew, attachments in MIME, uuencode and BinHex, building new messages, and exports that
    read back byte for byte.

    Then the server: it starts a mail server on the default store, creates an account,
    delivers a message to it with a real SMTP client (.NET's own, through the built-in
    Send-MailMessage), shows it with Get-MailServerMessage, reads it back over IMAP and POP3
    with MailKit's clients, and keeps running until Ctrl+C
    (when there is someone to press it: without an interactive console it stops at once).

    Fails (exit 1) if any step does not do what it shows.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    # Stop the server at the end instead of waiting for Ctrl+C.
    [switch] $NoWait
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

$work = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-demo-$PID"
if (Test-Path $work) { Remove-Item $work -Recurse -Force }
& (Join-Path $PSScriptRoot 'New-SampleMail.ps1') -Destination $work
Set-Location $work

function Show([string] $Title, [string] $Command) {
    Write-Host ''
    Write-Host "== $Title" -ForegroundColor Cyan
    Write-Host "PS> $Command" -ForegroundColor Yellow
    $result = & ([scriptblock]::Create($Command))
    # Wide enough for the tables when the demo runs without a terminal (CI, a log file).
    $result | Out-String -Width 160 | Write-Host
    return , $result
}
function Assert([bool] $Condition, [string] $What) {
    if (-not $Condition) { Write-Host "FAILED: $What" -ForegroundColor Red; exit 1 }
    Write-Host "ok: $What" -ForegroundColor Green
}

Write-Host "MailAdmin $((Get-Module MailAdmin).Version) demo, working in $work"

$archive = Show 'An mbox archive, streamed message by message' 'Import-MailMessage ./archive.mbox'
Assert ($archive.Count -eq 4) 'the archive holds 4 messages'

$null = Show 'Headers, raw and decoded' "Get-MailHeader -Path ./message.eml -Name From, Subject, 'Message-ID' | Format-Table Name, Value, RawValue -Wrap"
$subject = Get-MailHeader -Path ./message.eml -Name Subject
Assert ($subject.Value -eq 'Monthly report – November') 'encoded words are decoded'

$null = Show 'The route the message took (oldest hop first)' 'Get-MailRoute -Path ./message.eml | Format-Table Hop, FromHost, ByHost, With, Timestamp, Delay, ClockSkew'
$hops = Get-MailRoute -Path ./message.eml
Assert ($hops.Count -eq 3) 'three hops'
Assert ($hops[2].ClockSkew -and $hops[2].Delay -eq [TimeSpan]::FromSeconds(-96)) 'mail.example.com stamped 96 s before the hop before it: clock skew, flagged'

$attachments = Show 'Attachments: MIME, inline, and a uuencoded file inside the text' 'Get-MailAttachment -Path ./message.eml -IncludeInline'
Assert ($attachments.Count -ge 3) 'the PDF, the inline logo and the uuencoded file are found'
$null = Show 'Saving them' 'Get-MailAttachment -Path ./message.eml -IncludeInline | Save-MailAttachment -Destination ./attachments -PassThru | Select-Object Name, Length'
Assert ((Get-Content ./attachments/checksum.txt -TotalCount 1) -eq 'crc32 0xcbf43b92') 'the uuencoded file decodes to its original text'

$new = Show 'A new international message' "New-MailMessage -From 'Jörg Müller <jorg@bücher.example>' -To 'ops@example.com' -Subject 'Grüße — 你好' -Body 'Ünïcödé body' -Priority High"
Write-Host ([Text.Encoding]::UTF8.GetString($new.GetBytes()))
Assert ($new.Subject -eq 'Grüße — 你好') 'the subject survives encoding'

$null = Show 'Export and re-import: .eml files stay byte-identical' 'Import-MailMessage ./message.eml | Export-MailMessage ./copy.eml -Force; Get-FileHash ./message.eml, ./copy.eml | Format-Table Hash, Path'
Assert ((Get-FileHash ./message.eml).Hash -eq (Get-FileHash ./copy.eml).Hash) 'copy.eml is byte-identical to message.eml'

$null = Show 'Everything into one mbox, and back' 'Import-MailMessage ./message.eml, ./archive.mbox | Export-MailMessage ./all.mbox -Force; Import-MailMessage ./all.mbox | Format-Table Date, Subject, Size'
$before = @(Import-MailMessage ./message.eml, ./archive.mbox)
$after = @(Import-MailMessage ./all.mbox)
$same = $before.Count -eq $after.Count
for ($i = 0; $same -and $i -lt $before.Count; $i++) {
    $same = [Linq.Enumerable]::SequenceEqual([byte[]] $before[$i].GetBytes(), [byte[]] $after[$i].GetBytes())
}
Assert $same 'every message reads back from the mbox byte for byte'

Set-Location ([IO.Path]::GetTempPath())
Remove-Item $work -Recurse -Force

# --- The server ---------------------------------------------------------------------------
$storePath = [MailAdmin.Hosting.MailServerOptions]::DefaultStorePath()
Write-Host ''
Write-Host "== A mail server on the default store ($storePath)" -ForegroundColor Cyan
# The account first, in the store itself (no server runs yet): the server then starts with a
# mailbox for postmaster mail, as a real one should.
$address = 'demo@localhost'
$password = ConvertTo-SecureString 'Demo-Passw0rd' -AsPlainText -Force
if (-not (Get-MailAccount -Path $storePath -Address $address -ErrorAction SilentlyContinue)) {
    $null = Show 'An account' "New-MailAccount -Path '$storePath' -Address $address -Password (ConvertTo-SecureString 'Demo-Passw0rd' -AsPlainText -Force)"
}
else {
    $null = Show 'The account (kept from an earlier run)' "Get-MailAccount -Path '$storePath' -Address $address"
}

# The usual ports, or free ones when something else holds them.
try { $server = Start-MailServer -Name Demo -ErrorAction Stop }
catch { Write-Host "(the usual ports are taken: $($_.Exception.Message); using free ones)"; $server = Start-MailServer -Name Demo -FreePorts }
$server | Out-String -Width 160 | Write-Host
Assert ($server.Status -eq 'Running') 'the server runs'

$subject = "Hello from the demo, $(Get-Date -Format 'HH:mm:ss')"
$port = $server.Port('smtp')
Write-Host ''
Write-Host '== Delivering with a real SMTP client (Send-MailMessage, .NET''s SmtpClient)' -ForegroundColor Cyan
Write-Host "PS> Send-MailMessage -SmtpServer 127.0.0.1 -Port $port -From 'someone@example.org' -To $address -Subject '$subject'" -ForegroundColor Yellow
Send-MailMessage -SmtpServer 127.0.0.1 -Port $port -From 'someone@example.org' -To $address -Subject $subject -Body 'Delivered into the Maildir store, fsynced before the 250.' -WarningAction SilentlyContinue

$arrived = Show 'Reading it back from the store' "Get-MailServerMessage -Server Demo -Account $address -Subject '$subject' -Wait -Timeout 10 | Format-List Date, From, To, Subject, Size, Source"
$message = Get-MailServerMessage -Server Demo -Account $address -Subject $subject
Assert ($message.Subject -eq $subject) 'the message arrived, with its Received and Return-Path lines'
$null = Show 'Its route' "Get-MailRoute -Message (Get-MailServerMessage -Server Demo -Account $address -Subject '$subject') | Format-Table Hop, FromHost, ByHost, With, Timestamp"
# Read it back as a mail client would: MailKit's IMAP and POP3 clients (not ours), over TLS
# with the server's self-signed certificate.
$deps = Join-Path (Split-Path (Get-Module MailAdmin).Path) 'deps'
# (A copy of their own: on PowerShell 7 the module's MailKit sits in its own load context.)
Add-Type -Path (Join-Path $deps 'BouncyCastle.Cryptography.dll'), (Join-Path $deps 'MimeKit.dll'), (Join-Path $deps 'MailKit.dll')
Write-Host ''
Write-Host "== Reading it over IMAP (MailKit's ImapClient, STARTTLS on port $($server.Port('imap')))" -ForegroundColor Cyan
$imap = [MailKit.Net.Imap.ImapClient]::new()
$imap.ServerCertificateValidationCallback = { $true }
$imap.Connect('127.0.0.1', $server.Port('imap'), [MailKit.Security.SecureSocketOptions]::StartTls)
$imap.Authenticate($address, 'Demo-Passw0rd')
$null = $imap.Inbox.Open([MailKit.FolderAccess]::ReadOnly)
$found = $imap.Inbox.Search([MailKit.Search.SearchQuery]::SubjectContains($subject))
$overImap = $imap.Inbox.GetMessage($found[$found.Count - 1])
Write-Host "INBOX holds $($imap.Inbox.Count) message(s); SEARCH found UID $($found[$found.Count - 1]): '$($overImap.Subject)'"
$imap.Disconnect($true); $imap.Dispose()
Assert ($overImap.Subject -eq $subject) 'IMAP SEARCH and FETCH return the delivered message'

Write-Host ''
Write-Host "== Reading it over POP3 (MailKit's Pop3Client, implicit TLS on port $($server.Port('pop3s')))" -ForegroundColor Cyan
$pop3 = [MailKit.Net.Pop3.Pop3Client]::new()
$pop3.ServerCertificateValidationCallback = { $true }
$pop3.Connect('127.0.0.1', $server.Port('pop3s'), [MailKit.Security.SecureSocketOptions]::SslOnConnect)
$pop3.Authenticate($address, 'Demo-Passw0rd')
$subjects = for ($i = 0; $i -lt $pop3.Count; $i++) { $pop3.GetMessage($i).Subject }
Write-Host "POP3 lists $($pop3.Count) message(s), the newest: '$($subjects[-1])'"
$pop3.Disconnect($true); $pop3.Dispose()
Assert ($subjects -contains $subject) 'POP3 RETR returns the delivered message'

$null = Show 'Live statistics, per protocol' '(Get-MailServer -Name Demo).Statistics | Format-List Smtp, Imap, Pop3'

$interactive = -not $NoWait -and [Environment]::UserInteractive -and -not [Console]::IsInputRedirected -and -not $env:CI
if ($interactive) {
    Write-Host ''
    Write-Host "The server keeps running: send mail to $address on 127.0.0.1:$port (submission: $($server.Port('submission'))), read it over IMAP on $($server.Port('imap')) or POP3 on $($server.Port('pop3')) (password Demo-Passw0rd)." -ForegroundColor Cyan
    Write-Host 'Press Ctrl+C to stop it.' -ForegroundColor Cyan
    try {
        while ($true) { Start-Sleep -Seconds 1 }
    }
    finally {
        Stop-MailServer -Name Demo
        Write-Host 'Server stopped.' -ForegroundColor Cyan
    }
}
else {
    Stop-MailServer -Name Demo
    Write-Host ''
    Write-Host 'No interactive console: the server was stopped instead of waiting for Ctrl+C.' -ForegroundColor Cyan
}
Write-Host ''
Write-Host 'Demo complete.' -ForegroundColor Cyan
