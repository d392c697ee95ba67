BeforeDiscovery {
    $missingEncoders = @(@('uuencode', 'binhex') | Where-Object { -not (Get-Command $_ -CommandType Application -ErrorAction SilentlyContinue) })
    # The reason travels in the test's name: Pester's -Skip takes no reason.
    $liveTestName = 'decodes what the installed uuencode and binhex write now'
    if ($missingEncoders.Count) { $liveTestName += " (skipped: $($missingEncoders -join ' and ') not installed; apt-get install sharutils macutils)" }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'AttachmentTestHelpers.ps1')
}

Describe 'Get-MailAttachment' {
    BeforeAll {
        $folder = New-TestFolder
        $fileA = Join-Path $folder 'report.bin'
        $fileB = Join-Path $folder 'notes.txt'
        [IO.File]::WriteAllBytes($fileA, (New-AwkwardBytes 3))
        Set-Content -LiteralPath $fileB -Value 'some notes' -NoNewline
        $message = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'two files' -Body 'see attached' -Attachments $fileA, $fileB
    }

    It 'lists the MIME attachments of a piped message with their decoded size' {
        $attachments = @($message | Get-MailAttachment)
        $attachments.FileName | Should -Be @('report.bin', 'notes.txt')
        $attachments[0].Size | Should -Be (Get-Item $fileA).Length
        $attachments[1].Size | Should -Be 10
        $attachments[0].Encoding | Should -Be 'Mime'
        $attachments[0].Disposition | Should -Be 'Attachment'
        $attachments[0].Message | Should -Be $message
        [Convert]::ToBase64String($attachments[0].GetContent()) | Should -Be ([Convert]::ToBase64String([IO.File]::ReadAllBytes($fileA)))
    }

    It 'filters by -Name with wildcards' {
        @($message | Get-MailAttachment -Name '*.TXT').FileName | Should -Be 'notes.txt'
        @($message | Get-MailAttachment -Name 'nothing*').Count | Should -Be 0
    }

    It 'reads messages from -Path and -LiteralPath files' {
        $eml = Join-Path $folder 'two.eml'
        $message | Export-MailMessage -Path $eml -Force
        @(Get-MailAttachment -Path (Join-Path $folder 'tw?.eml')).FileName | Should -Be @('report.bin', 'notes.txt')
        @(Get-MailAttachment -LiteralPath $eml -Name report*).FileName | Should -Be 'report.bin'
        @(Get-Item $eml | Get-MailAttachment).Count | Should -Be 2
    }

    It 'leaves inline images out unless -IncludeInline' {
        $eml = New-InlineEml (Join-Path $folder 'inline.eml')
        @(Get-MailAttachment -Path $eml).FileName | Should -Be 'terms.pdf'
        $all = @(Get-MailAttachment -Path $eml -IncludeInline)
        $all.FileName | Should -Be @('logo.gif', 'terms.pdf')
        $all[0].Disposition | Should -Be 'Inline'
        $all[0].ContentId | Should -Be 'logo@example.com'
        $all[0].GetContent()[0..2] | Should -Be @(0x47, 0x49, 0x46)
    }

    It 'decodes uuencoded blocks in a plain-text body (<Name>)' -ForEach @(
        @{ Name = 'hello.txt' }, @{ Name = 'rle-sample.bin' }, @{ Name = 'runs.bin' }
    ) {
        $body = "Hello,`n`nhere it is:`n`n" + (Get-FixtureText "$Name.uue") + "`nbye`n"
        $eml = New-PlainEml (Join-Path $folder "uu-$Name.eml") $body
        $attachment = Get-MailAttachment -Path $eml
        $attachment.FileName | Should -Be $Name
        $attachment.Encoding | Should -Be 'Uuencode'
        [Convert]::ToBase64String($attachment.GetContent()) | Should -Be ([Convert]::ToBase64String([IO.File]::ReadAllBytes((Get-Fixture $Name))))
    }

    It 'decodes BinHex text in a plain-text body (<Name>)' -ForEach @(
        @{ Name = 'hello.txt' }, @{ Name = 'rle-sample.bin' }, @{ Name = 'runs.bin' }
    ) {
        $eml = New-PlainEml (Join-Path $folder "hqx-$Name.eml") ("From my Mac:`n`n" + (Get-FixtureText "$Name.hqx"))
        $attachment = Get-MailAttachment -Path $eml
        $attachment.FileName | Should -Be $Name
        $attachment.Encoding | Should -Be 'BinHex'
        [Convert]::ToBase64String($attachment.GetContent()) | Should -Be ([Convert]::ToBase64String([IO.File]::ReadAllBytes((Get-Fixture $Name))))
    }

    It 'reports a corrupt block as MailAttachmentCorrupt and goes on with the other messages' {
        $broken = Get-FixtureText 'rle-sample.bin.hqx'
        $i = [int] ($broken.Length / 2)
        while ($broken[$i] -in "`r", "`n") { $i++ }
        $broken = $broken.Substring(0, $i) + $(if ($broken[$i] -ceq 'A') { 'B' } else { 'A' }) + $broken.Substring($i + 1)
        $mbox = Join-Path $folder 'mixed.mbox'
        $messages = @(
            New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'good one' -Attachments $fileB
            Import-MailMessage -Path (New-PlainEml (Join-Path $folder 'broken.eml') $broken -Subject 'broken')
            Import-MailMessage -Path (New-PlainEml (Join-Path $folder 'good-uu.eml') (Get-FixtureText 'hello.txt.uue'))
        )
        $messages | Export-MailMessage -Path $mbox
        $found = @(Get-MailAttachment -Path $mbox -ErrorVariable problems -ErrorAction SilentlyContinue)
        $found.FileName | Should -Be @('notes.txt', 'hello.txt')
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MailAttachmentCorrupt,*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].ToString() | Should -BeLike '*mixed.mbox#1*CRC*'
    }

    It $liveTestName -Skip:($missingEncoders.Count -gt 0) {
        $original = Join-Path $folder 'live.dat'
        [IO.File]::WriteAllBytes($original, (New-AwkwardBytes 11))
        Push-Location $folder
        try {
            $uu = (& uuencode live.dat live.dat) -join "`n"
            $hqx = (& binhex -d live.dat) -join "`n"
        }
        finally { Pop-Location }
        $LASTEXITCODE | Should -Be 0
        $eml = New-PlainEml (Join-Path $folder 'live.eml') ("uu:`n" + $uu + "`n`nhqx:`n" + $hqx + "`n")
        $found = @(Get-MailAttachment -Path $eml)
        $found.Encoding | Should -Be @('Uuencode', 'BinHex')
        $expected = [Convert]::ToBase64String([IO.File]::ReadAllBytes($original))
        foreach ($attachment in $found) {
            $attachment.FileName | Should -Be 'live.dat'
            [Convert]::ToBase64String($attachment.GetContent()) | Should -Be $expected
        }
    }

    It 'shows a table with FileName, ContentType, Size, Encoding and Disposition' {
        $table = $message | Get-MailAttachment | Format-Table | Out-String -Width 200
        $table | Should -Match 'FileName\s+ContentType\s+Size\s+Encoding\s+Disposition'
        $table | Should -Match 'report\.bin\s+application/octet-stream\s+3000\s+Mime\s+Attachment'
    }
}
