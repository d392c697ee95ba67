BeforeAll { . (Join-Path $PSScriptRoot 'TestHelpers.ps1') }

Describe 'Get-MailHeader' {
    BeforeAll {
        $folder = New-TestFolder
        $emlText = "Received: from a.example.org`r`n`tby b.example.net; Mon, 5 Jan 2026 10:00:00 +0000`r`n" +
            "From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>`r`n" +
            "To: ops@example.net`r`n" +
            "Subject: =?UTF-8?B?w4RyZ2VyIMO8YmVy?=`r`n =?ISO-8859-1?Q?_Gr=FC=DFe?=`r`n" +
            "Content-Type: text/plain; charset=utf-8; name*=utf-8''%E2%82%AC%20rates.txt`r`n" +
            "X-Spam-Score: 1.5`r`n" +
            "X-Spam-Flag: NO`r`n" +
            "`r`nbody`r`n"
        $eml = Join-Path $folder 'decode.eml'
        [IO.File]::WriteAllText($eml, $emlText)
        $bracketFolder = New-TestFolder 'with[brackets]'
        $bracketEml = Join-Path $bracketFolder 'odd[1].eml'
        [IO.File]::WriteAllText($bracketEml, $emlText)
    }

    It 'returns every header field of a New-MailMessage message, in order' {
        $message = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'hello' -Header @{ 'X-Ticket' = 'T-42' }
        $headers = @(Get-MailHeader -Message $message)
        $names = @($headers.Name)
        $names | Should -Contain 'From'
        $names | Should -Contain 'Subject'
        $names | Should -Contain 'X-Ticket'
        $names | Should -Contain 'Content-Type'
        @($headers.Index) | Should -Be @(0..($headers.Count - 1))
        ($headers | Where-Object Name -EQ 'X-Ticket').Value | Should -Be 'T-42'
        ($headers | Where-Object Name -EQ 'Subject').Value | Should -Be 'hello'
        $headers[0].Message | Should -Be $message
        $headers[0] | Should -BeOfType 'MailAdmin.Messages.MailHeader'
    }

    It 'takes messages from the pipeline' {
        $messages = 'one', 'two' | ForEach-Object { New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject $_ }
        $subjects = $messages | Get-MailHeader -Name Subject
        @($subjects.Value) | Should -Be @('one', 'two')
    }

    It 'decodes encoded words and RFC 2231 parameters and keeps the raw text' {
        $headers = Get-MailHeader -Path $eml
        $subject = $headers | Where-Object Name -EQ 'Subject'
        $subject.Value | Should -Be 'Ärger über Grüße'
        $subject.RawValue | Should -Be "=?UTF-8?B?w4RyZ2VyIMO8YmVy?=`r`n =?ISO-8859-1?Q?_Gr=FC=DFe?="
        ($headers | Where-Object Name -EQ 'From').Value | Should -BeLike 'Jürgen*<j@example.org>'
        ($headers | Where-Object Name -EQ 'Content-Type').Value | Should -Be 'text/plain; charset=utf-8; name="€ rates.txt"'
        $received = $headers | Where-Object Name -EQ 'Received'
        $received.RawValue | Should -Match "`r`n`tby"
        $received.Value | Should -Not -Match "`n"
        $received.Source | Should -Be $eml
    }

    It 'filters by name with several case-insensitive wildcard patterns' {
        $names = @(Get-MailHeader -Path $eml -Name 'x-spam-*', 'SUBJECT' | ForEach-Object Name)
        $names | Should -Be @('Subject', 'X-Spam-Score', 'X-Spam-Flag')
        @(Get-MailHeader -Path $eml -Name 'no-such-*').Count | Should -Be 0
    }

    It 'reads files by -Path with wildcards, by -LiteralPath, and from Import-MailMessage' {
        @(Get-MailHeader -Path (Join-Path $folder '*.eml') -Name Subject).Count | Should -Be 1
        (Get-MailHeader -LiteralPath $bracketEml -Name 'X-Spam-Score').Value | Should -Be '1.5'
        (Get-Item -LiteralPath $bracketEml | Get-MailHeader -Name 'X-Spam-Flag').Value | Should -Be 'NO'
        (Import-MailMessage -Path $eml | Get-MailHeader -Name To).Value | Should -Be 'ops@example.net'
    }

    It 'reads every message of an mbox file' {
        $mbox = Join-Path $folder 'two.mbox'
        'first', 'second' | ForEach-Object { New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject $_ } | Export-MailMessage -Path $mbox
        $subjects = Get-MailHeader -Path $mbox -Name Subject
        @($subjects.Value) | Should -Be @('first', 'second')
        $subjects[1].Source | Should -BeLike '*two.mbox#1'
    }

    It 'reports a missing file as a non-terminating error' {
        $result = Get-MailHeader -LiteralPath (Join-Path $folder 'missing.eml') -ErrorVariable problems -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
    }

    It 'shows Name and Value in its default table view' {
        $text = Get-MailHeader -Path $eml -Name 'X-Spam-Score' | Format-Table | Out-String
        $text | Should -Match 'Name\s+Value'
        $text | Should -Match 'X-Spam-Score\s+1\.5'
        $text | Should -Not -Match 'RawValue'
    }
}

Describe 'Get-MailHeader positional names' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    }

    It 'takes the first positional word as -Name for piped messages, and as -Path for files' {
        $m = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'positional'
        ($m | Get-MailHeader Subject).Value | Should -Be 'positional'
        $folder = New-TestFolder 'positional'
        $file = Join-Path $folder 'p.eml'
        $m | Export-MailMessage $file
        (Get-MailHeader $file -Name Subject).Value | Should -Be 'positional'
    }
}

Describe 'Get-MailHeader readable address headers' {
    It 'a folded To reads with single spaces, and punycode domains in Unicode; RawValue keeps the wire form' {
        $folder = New-TestFolder
        $eml = Join-Path $folder 'idn.eml'
        [IO.File]::WriteAllText($eml, "From: a@example.org`r`nTo: Jörg <jorg@xn--mller-kva.example>,`r`n`tops@example.net`r`nSubject: x`r`n`r`nbody`r`n")
        $to = Import-MailMessage $eml | Get-MailHeader -Name To
        $to.Value | Should -Be 'Jörg <jorg@müller.example>, ops@example.net'
        $to.Value | Should -Not -Match "`t"
        $to.RawValue | Should -Match 'xn--mller-kva'
    }
}
