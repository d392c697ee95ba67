BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $samples = Join-Path $PSScriptRoot '../docs/demo/New-SampleMail.ps1'

    function Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash }
}

Describe 'Import-MailMessage' {
    BeforeAll {
        $folder = New-TestFolder 'import'
        & $samples -Destination $folder
    }

    It 'reads an .eml file into one message' {
        $m = Import-MailMessage -Path (Join-Path $folder 'message.eml')
        @($m).Count | Should -Be 1
        $m | Should -BeOfType ([MailAdmin.Messages.MailMessage])
        $m.Subject | Should -Be 'Monthly report – November'
        $m.From | Should -BeLike '*reports@mail.example.org*'
        $m.Source | Should -Be (Join-Path $folder 'message.eml')
    }

    It 'reads every message of an mbox, with >From quoting undone' {
        $all = Import-MailMessage -Path (Join-Path $folder 'archive.mbox')
        $all.Count | Should -Be 4
        $all.Subject | Should -Be @('Weekly report', 'Re: Weekly report', 'Fråga om servern', 'Undelivered Mail Returned to Sender')
        $all[1].MimeMessage.TextBody | Should -Match '(?m)^From what I hear'
        $all[1].MimeMessage.TextBody | Should -Match '(?m)^>From the archive'
        $all[3].Origin.EnvelopeSender | Should -Be 'MAILER-DAEMON'
    }

    It 'takes wildcards in -Path, and files from Get-ChildItem' {
        @(Import-MailMessage -Path (Join-Path $folder '*.eml')).Count | Should -Be 1
        @(Get-ChildItem $folder -File | Import-MailMessage).Count | Should -Be 5
    }

    It 'treats -LiteralPath literally' {
        $odd = Join-Path $folder 'odd[1].eml'
        Copy-Item -LiteralPath (Join-Path $folder 'message.eml') -Destination $odd
        (Import-MailMessage -LiteralPath $odd).Subject | Should -Be 'Monthly report – November'
    }

    It 'reports a missing file as PathNotFound' {
        $null = Import-MailMessage -Path (Join-Path $folder 'nope.eml') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
    }

    It 'gives a non-terminating error naming a corrupt file, and goes on' {
        $bad = Join-Path $folder 'corrupt'
        New-Item -ItemType Directory -Path $bad -Force | Out-Null
        [IO.File]::WriteAllBytes((Join-Path $bad 'a-binary.eml'), [byte[]](0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46))
        [IO.File]::WriteAllBytes((Join-Path $bad 'b-empty.eml'), [byte[]]@())
        Copy-Item (Join-Path $folder 'message.eml') (Join-Path $bad 'c-good.eml')
        $messages = Import-MailMessage -Path (Join-Path $bad '*.eml') -ErrorVariable err -ErrorAction SilentlyContinue
        @($messages).Count | Should -Be 1
        $err.Count | Should -Be 2
        $err | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'MailMessageCorrupt*' }
        $err[0].Exception.Message | Should -BeLike '*a-binary.eml*'
        $err[1].Exception.Message | Should -BeLike '*b-empty.eml*'
    }

    It 'reports a corrupt mbox entry by index and keeps the others' {
        $text = "From a@b Mon Jan  1 00:00:00 2024`nSubject: one`n`none`n`nFrom c@d Mon Jan  1 00:00:00 2024`n`u{1}`u{2}binary junk`n`nFrom e@f Mon Jan  1 00:00:00 2024`nSubject: three`n`nthree`n"
        $path = Join-Path $folder 'mixed.mbox'
        [IO.File]::WriteAllText($path, $text)
        $messages = Import-MailMessage -LiteralPath $path -ErrorVariable err -ErrorAction SilentlyContinue
        $messages.Subject | Should -Be @('one', 'three')
        $err.Count | Should -Be 1
        $err[0].TargetObject | Should -Be "$path#1"
    }

    It 'streams a large mbox: the first message arrives before the file is read' {
        $path = Join-Path $folder 'large.mbox'
        $body = 'x' * 998
        $one = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'bulk' -Body (($body + "`n") * 200)
        $stream = [IO.File]::Open($path, 'Create')
        try { for ($i = 0; $i -lt 150; $i++) { [MailAdmin.Messages.MessageFiles]::AppendMbox($stream, $one) } } finally { $stream.Dispose() }
        (Get-Item $path).Length | Should -BeGreaterThan 25MB
        # Select-Object -First stops the pipeline upstream: only a streaming import returns quickly.
        # One untimed run first: JIT and first-use costs would otherwise be charged to the first
        # timing, and on a fast disk the whole file reads in tens of milliseconds (seen in CI).
        $null = Import-MailMessage -Path $path | Select-Object -First 1
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $first = Import-MailMessage -Path $path | Select-Object -First 1
        $firstTime = $clock.Elapsed
        $first.Subject | Should -Be 'bulk'
        $clock.Restart()
        $count = (Import-MailMessage -Path $path | Measure-Object).Count
        $count | Should -Be 150
        $firstTime.TotalMilliseconds | Should -BeLessThan ($clock.Elapsed.TotalMilliseconds / 4)
    }
}

Describe 'Export-MailMessage' {
    BeforeAll {
        $folder = New-TestFolder 'export'
        & $samples -Destination $folder
    }

    It 'exports an imported .eml byte-identically' {
        $source = Join-Path $folder 'message.eml'
        $target = Join-Path $folder 'copy.eml'
        Import-MailMessage $source | Export-MailMessage -Path $target
        Get-Sha256 $target | Should -Be (Get-Sha256 $source)
    }

    It 'keeps CRLF files byte-identical too' {
        $crlf = Join-Path $folder 'crlf.eml'
        [IO.File]::WriteAllText($crlf, "Subject: crlf`r`nFrom: a@b.example`r`n`r`nline one`r`nFrom line`r`n")
        Import-MailMessage $crlf | Export-MailMessage -Path (Join-Path $folder 'crlf-copy.eml')
        Get-Sha256 (Join-Path $folder 'crlf-copy.eml') | Should -Be (Get-Sha256 $crlf)
    }

    It 'round-trips messages through an mbox byte for byte' {
        $mbox = Join-Path $folder 'round.mbox'
        $originals = @(Import-MailMessage (Join-Path $folder 'message.eml'), (Join-Path $folder 'archive.mbox'))
        $originals += New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'From line' -Body "From here`n>From there`n`nFrom x"
        $originals | Export-MailMessage -Path $mbox
        $back = @(Import-MailMessage $mbox)
        $back.Count | Should -Be $originals.Count
        for ($i = 0; $i -lt $back.Count; $i++) {
            [Convert]::ToBase64String($back[$i].GetBytes()) | Should -Be ([Convert]::ToBase64String($originals[$i].GetBytes())) -Because "message $i"
        }
    }

    It 'appends to an existing mbox, and replaces it with -Force' {
        $mbox = Join-Path $folder 'append.mbox'
        $m = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'one'
        $m | Export-MailMessage $mbox
        $m | Export-MailMessage $mbox
        @(Import-MailMessage $mbox).Count | Should -Be 2
        $m, $m, $m | Export-MailMessage $mbox -Force
        @(Import-MailMessage $mbox).Count | Should -Be 3
    }

    It 'appends correctly to an mbox from another tool that lacks the final blank line' {
        $mbox = Join-Path $folder 'foreign.mbox'
        [IO.File]::WriteAllText($mbox, "From x@y Mon Jan  1 00:00:00 2024`nSubject: foreign`n`nlast line`n")
        New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'ours' | Export-MailMessage $mbox
        $back = Import-MailMessage $mbox
        $back.Subject | Should -Be @('foreign', 'ours')
        [Text.Encoding]::ASCII.GetString($back[0].GetBytes()) | Should -Be "Subject: foreign`n`nlast line`n"
    }

    It 'keeps the From_ line of a message that came from an mbox' {
        $mbox = Join-Path $folder 'fromline.mbox'
        Import-MailMessage (Join-Path $folder 'archive.mbox') | Export-MailMessage $mbox
        (Get-Content $mbox -TotalCount 1) | Should -Be 'From alice@example.com Mon Nov  2 08:00:00 2026'
    }

    It 'refuses to overwrite an .eml without -Force, and overwrites with it' {
        $target = Join-Path $folder 'exists.eml'
        Set-Content $target 'old'
        $m = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'new'
        $m | Export-MailMessage -Path $target -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MailExportFileExists*'
        (Get-Content $target -Raw).Trim() | Should -Be 'old'
        $m | Export-MailMessage -Path $target -Force
        (Import-MailMessage $target).Subject | Should -Be 'new'
    }

    It 'writes nothing with -WhatIf' {
        $target = Join-Path $folder 'whatif.eml'
        New-MailMessage -From 'a@example.com' -To 'b@example.com' | Export-MailMessage -Path $target -WhatIf
        $target | Should -Not -Exist
        New-MailMessage -From 'a@example.com' -To 'b@example.com' | Export-MailMessage -Path (Join-Path $folder 'whatif.mbox') -WhatIf
        Join-Path $folder 'whatif.mbox' | Should -Not -Exist
    }

    It 'writes one .eml per message into a folder' {
        $split = Join-Path $folder 'split'
        New-Item -ItemType Directory $split | Out-Null
        $files = Import-MailMessage (Join-Path $folder 'archive.mbox') | Export-MailMessage -Path $split -PassThru
        $files.Count | Should -Be 4
        @(Get-ChildItem $split -Filter *.eml).Count | Should -Be 4
        (Import-MailMessage (Join-Path $split '*.eml')).Subject | Sort-Object | Should -Be (@('Weekly report', 'Re: Weekly report', 'Fråga om servern', 'Undelivered Mail Returned to Sender') | Sort-Object)
    }

    It 'takes the format from -Format over the extension' {
        $target = Join-Path $folder 'forced.txt'
        New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'mbox in txt' | Export-MailMessage -Path $target -Format Mbox
        (Get-Content $target -TotalCount 1) | Should -BeLike 'From a@example.com *'
        (Import-MailMessage $target).Subject | Should -Be 'mbox in txt'
    }
}
