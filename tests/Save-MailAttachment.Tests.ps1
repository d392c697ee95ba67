BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'AttachmentTestHelpers.ps1')

    function Get-Base64([string] $Path) { [Convert]::ToBase64String([IO.File]::ReadAllBytes($Path)) }
}

Describe 'Save-MailAttachment' {
    BeforeAll {
        $source = New-TestFolder
        $fileA = Join-Path $source 'data.bin'
        $fileB = Join-Path $source 'readme.txt'
        [IO.File]::WriteAllBytes($fileA, (New-AwkwardBytes 5))
        Set-Content -LiteralPath $fileB -Value "line one`nline two" -NoNewline
        $message = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'files' -Attachments $fileA, $fileB
    }

    It 'round-trips MIME attachments: the saved files have the same bytes' {
        $out = Join-Path (New-TestFolder) 'out'
        $files = @($message | Save-MailAttachment -Destination $out -PassThru)
        $files.Name | Should -Be @('data.bin', 'readme.txt')
        $files[0] | Should -BeOfType System.IO.FileInfo
        Get-Base64 (Join-Path $out 'data.bin') | Should -Be (Get-Base64 $fileA)
        Get-Base64 (Join-Path $out 'readme.txt') | Should -Be (Get-Base64 $fileB)
    }

    It 'saves what Get-MailAttachment returns, and writes nothing without -PassThru' {
        $out = New-TestFolder
        $result = $message | Get-MailAttachment -Name '*.bin' | Save-MailAttachment -Destination $out
        $result | Should -BeNullOrEmpty
        @(Get-ChildItem $out).Name | Should -Be 'data.bin'
        Get-Base64 (Join-Path $out 'data.bin') | Should -Be (Get-Base64 $fileA)
    }

    It 'saves to the current location by default' {
        $out = New-TestFolder
        Push-Location $out
        try { $message | Save-MailAttachment -Name readme* }
        finally { Pop-Location }
        Join-Path $out 'readme.txt' | Should -Exist
    }

    It 'reads messages from -Path' {
        $eml = Join-Path $source 'files.eml'
        $message | Export-MailMessage -Path $eml -Force
        $out = New-TestFolder
        Save-MailAttachment -Path $eml -Destination $out
        Get-Base64 (Join-Path $out 'data.bin') | Should -Be (Get-Base64 $fileA)
        Join-Path $out 'readme.txt' | Should -Exist
    }

    It 'saves uuencoded and BinHex attachments as the original files' {
        $body = "two old-style files:`n" + (Get-FixtureText 'rle-sample.bin.uue') + "`n" + (Get-FixtureText 'runs.bin.hqx') + "`n"
        $eml = New-PlainEml (Join-Path $source 'legacy.eml') $body
        $out = New-TestFolder
        $files = @(Save-MailAttachment -LiteralPath $eml -Destination $out -PassThru)
        $files.Name | Should -Be @('rle-sample.bin', 'runs.bin')
        Get-Base64 $files[0].FullName | Should -Be (Get-Base64 (Get-Fixture 'rle-sample.bin'))
        Get-Base64 $files[1].FullName | Should -Be (Get-Base64 (Get-Fixture 'runs.bin'))
    }

    It 'keeps a hostile name <Name> inside the destination' -ForEach @(
        @{ Name = '../../etc/passwd'; Expected = 'passwd' }
        @{ Name = '/etc/shadow'; Expected = 'shadow' }
        @{ Name = 'C:\Windows\win.ini'; Expected = 'win.ini' }
        @{ Name = '..\..\boot.ini'; Expected = 'boot.ini' }
        @{ Name = 'C:x'; Expected = 'C_x' }
        @{ Name = '..'; Expected = 'attachment' }
        @{ Name = 'a<b>c|d?.txt'; Expected = 'a_b_c_d_.txt' }
        @{ Name = 'CON.txt'; Expected = '_CON.txt' }
    ) {
        $root = New-TestFolder
        $out = Join-Path $root 'inside'
        $encoded = "begin 644 $Name`n#86)C`n```nend`n"
        $eml = New-PlainEml (Join-Path $root 'hostile.eml') ("look:`n" + $encoded)
        (Get-MailAttachment -Path $eml).FileName | Should -Be $Name
        $file = Save-MailAttachment -Path $eml -Destination $out -PassThru
        $file.Name | Should -Be $Expected
        $file.DirectoryName | Should -Be $out
        [IO.File]::ReadAllText($file.FullName) | Should -Be 'abc'
        @(Get-ChildItem $root -Recurse -File | Where-Object Name -ne 'hostile.eml').Count | Should -Be 1
    }

    It 'writes nothing and creates no folder with -WhatIf' {
        $out = Join-Path (New-TestFolder) 'not-yet'
        $message | Save-MailAttachment -Destination $out -WhatIf
        $out | Should -Not -Exist
        $existing = New-TestFolder
        $message | Save-MailAttachment -Destination $existing -WhatIf
        @(Get-ChildItem $existing).Count | Should -Be 0
    }

    It 'reports MailAttachmentExists for an existing file without -Force, and goes on' {
        $out = New-TestFolder
        Set-Content -LiteralPath (Join-Path $out 'data.bin') -Value 'keep me' -NoNewline
        $files = @($message | Save-MailAttachment -Destination $out -PassThru -ErrorVariable problems -ErrorAction SilentlyContinue)
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MailAttachmentExists,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content -Raw (Join-Path $out 'data.bin') | Should -Be 'keep me'
        $files.Name | Should -Be 'readme.txt'
    }

    It 'overwrites with -Force' {
        $out = New-TestFolder
        Set-Content -LiteralPath (Join-Path $out 'data.bin') -Value 'old' -NoNewline
        $message | Save-MailAttachment -Destination $out -Force
        Get-Base64 (Join-Path $out 'data.bin') | Should -Be (Get-Base64 $fileA)
    }

    It 'numbers attachments of the same name in one run instead of overwriting' {
        $out = New-TestFolder
        $twice = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'dup' -Attachments $fileB, $fileB
        $files = @($twice, $twice | Save-MailAttachment -Destination $out -PassThru)
        $files.Name | Should -Be @('readme.txt', 'readme-2.txt', 'readme-3.txt', 'readme-4.txt')
    }

    It 'refuses a destination that is a file' {
        $file = Join-Path (New-TestFolder) 'a-file'
        Set-Content -LiteralPath $file -Value x
        { $message | Save-MailAttachment -Destination $file -ErrorAction Stop } | Should -Throw -ErrorId 'MailAttachmentDestinationIsFile,*'
    }
}
