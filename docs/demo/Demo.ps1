<#
.SYNOPSIS
    The main job: a tour of MailAdmin on real mail data, run by `build.ps1 -Task Demo`.
.DESCRIPTION
    Writes sample mail (an mbox archive and a message that crossed three hosts), then shows
    the message commands at work on it: import, headers, the delivery route with its clock
    skew, attachments in MIME, uuencode and BinHex, building new messages, and exports that
    read back byte for byte. Fails (exit 1) if any step does not do what it shows.
#>
[CmdletBinding()]
param([Parameter(Mandatory)] [string] $ModulePath)
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

Write-Host ''
Write-Host 'Demo complete.' -ForegroundColor Cyan
Set-Location ([IO.Path]::GetTempPath())
Remove-Item $work -Recurse -Force
