<#
.SYNOPSIS
    Writes the sample mail that the demo and the help examples work on.
.DESCRIPTION
    Creates, in -Destination:
      message.eml   a message that crossed three hosts (one with a slow clock), with a
                    PDF attachment, an inline image, and a uuencoded file in its text
      archive.mbox  four messages, one of them with body lines that begin with "From "
    Everything is written as bytes so that the files are the same on every platform.
#>
[CmdletBinding()]
param([Parameter(Mandatory)] [string] $Destination)
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Path $Destination -Force | Out-Null

function Write-Lf([string] $Path, [string] $Text) {
    # Mail as stored ends with a line break; a here-string does not.
    [IO.File]::WriteAllText($Path, ($Text -replace "`r`n", "`n") + "`n", [Text.UTF8Encoding]::new($false))
}

# A tiny PNG (1x1) and a small PDF-like payload, base64 as a mail client would write them.
$png = [Convert]::ToBase64String([byte[]](0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89))
$pdf = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes("%PDF-1.4`n% MailAdmin sample report`n1 0 obj << /Type /Catalog >> endobj`ntrailer << /Root 1 0 R >>`n%%EOF`n"))

# Made with sharutils' uuencode; single-quoted because it holds '$' and '`'.
$uuencoded = @'
begin 644 checksum.txt
;8W)C,S(@,'AC8F8T,V(Y,@IS:&$Q(&1O;F4*
`
end
'@

$message = @"
Return-Path: <reports@mail.example.org>
Received: from mx2.example.net (mx2.example.net [192.0.2.25])
	by mail.example.com (Postfix) with ESMTPS id 4F1A2B3C4D
	for <admin@example.com>; Tue, 3 Nov 2026 11:33:00 +0000 (UTC)
Received: from relay.example.org (relay.example.org [198.51.100.7])
	by mx2.example.net (Exim 4.97) with ESMTP id 1a2b3c-000ABC-12
	for admin@example.com; Tue, 03 Nov 2026 11:34:36 +0000
Received: from [203.0.113.9] (helo=laptop.local)
	by relay.example.org with ESMTPSA id 99XYZ; Tue, 3 Nov 2026 11:34:31 +0000
From: =?utf-8?q?Renate_M=C3=BCller?= <reports@mail.example.org>
To: Admin <admin@example.com>
Subject: =?utf-8?q?Monthly_report_=E2=80=93_November?=
Date: Tue, 3 Nov 2026 11:34:30 +0000
Message-ID: <report-2026-11@mail.example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/related; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hello,

the report is attached. The old checksum tool is below, uuencoded as it
always was:

$uuencoded

Regards, Renate

--inner
Content-Type: image/png; name="logo.png"
Content-Disposition: inline; filename="logo.png"
Content-ID: <logo@mail.example.org>
Content-Transfer-Encoding: base64

$png
--inner--

--outer
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

$pdf
--outer--
"@
Write-Lf (Join-Path $Destination 'message.eml') $message

$mbox = @"
From alice@example.com Mon Nov  2 08:00:00 2026
From: Alice <alice@example.com>
To: team@example.com
Subject: Weekly report
Date: Mon, 2 Nov 2026 08:00:00 +0000
Message-ID: <weekly-1@example.com>

The weekly report is due on Friday.

From bob@example.com Mon Nov  2 09:15:00 2026
From: Bob <bob@example.com>
To: team@example.com
Subject: Re: Weekly report
Date: Mon, 2 Nov 2026 09:15:00 +0000
Message-ID: <weekly-2@example.com>
In-Reply-To: <weekly-1@example.com>

>From what I hear, Friday is fine.
>>From the archive: last week's is attached elsewhere.

From carol@example.com Tue Nov  3 14:02:10 2026
From: =?utf-8?q?Carol_Ostr=C3=B6m?= <carol@example.com>
To: team@example.com
Subject: =?utf-8?q?Fr=C3=A5ga_om_servern?=
Date: Tue, 3 Nov 2026 15:02:10 +0100
Message-ID: <q-3@example.com>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Servern svarar inte p=C3=A5 port 25.

From MAILER-DAEMON Wed Nov  4 06:00:00 2026
From: Mail Delivery System <MAILER-DAEMON@mail.example.com>
To: alice@example.com
Subject: Undelivered Mail Returned to Sender
Date: Wed, 4 Nov 2026 06:00:00 +0000
Message-ID: <bounce-4@mail.example.com>

This is the mail system at host mail.example.com.

"@
Write-Lf (Join-Path $Destination 'archive.mbox') $mbox
