# Helpers shared by Get-MailAttachment.Tests.ps1 and Save-MailAttachment.Tests.ps1 (dot-sourced in BeforeAll).
$script:FixtureFolder = Join-Path $PSScriptRoot 'MailAdmin.Engine.Tests/Fixtures/Attachments'

function Get-Fixture([string] $Name) { Join-Path $script:FixtureFolder $Name }

# Writes a plain-text, non-MIME message (as old mail was) whose body is the given text.
function New-PlainEml([string] $Path, [string] $Body, [string] $Subject = 'legacy') {
    $text = "From: old@example.com`r`nTo: you@example.com`r`nSubject: $Subject`r`n`r`n$Body"
    [IO.File]::WriteAllBytes($Path, [Text.Encoding]::Latin1.GetBytes($text))
    $Path
}

function Get-FixtureText([string] $Name) { [IO.File]::ReadAllText((Get-Fixture $Name), [Text.Encoding]::Latin1) }

# A multipart/related message with an HTML body, an inline image and a PDF attachment.
function New-InlineEml([string] $Path) {
    $text = @"
From: a@example.com
To: b@example.com
Subject: newsletter
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/related; boundary="inner"

--inner
Content-Type: text/html; charset=us-ascii

<p>Hello <img src="cid:logo@example.com"></p>
--inner
Content-Type: image/gif
Content-Transfer-Encoding: base64
Content-Disposition: inline; filename="logo.gif"
Content-Id: <logo@example.com>

R0lGODlhAQABAAAAACw=
--inner--
--outer
Content-Type: application/pdf; name="terms.pdf"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="terms.pdf"

JVBERi0xLjQK
--outer--
"@
    [IO.File]::WriteAllText($Path, ($text -replace "`r?`n", "`r`n"))
    $Path
}

# Random bytes with 0x90 and long runs, so that BinHex's RLE is exercised.
function New-AwkwardBytes([int] $Seed = 1) {
    $random = [Random]::new($Seed)
    $bytes = [byte[]]::new(3000)
    $random.NextBytes($bytes)
    for ($i = 0; $i -lt 400; $i++) { $bytes[100 + $i] = 0x90; $bytes[1000 + $i] = 0 }
    $bytes
}
