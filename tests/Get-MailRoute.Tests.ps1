BeforeAll { . (Join-Path $PSScriptRoot 'TestHelpers.ps1') }

Describe 'Get-MailRoute' {
    BeforeAll {
        $folder = New-TestFolder
        # Top-most first, as in a real message: hop 1 is the bottom-most field.
        $received = @(
            'from relay.example.net (relay.example.net [198.51.100.20]) by mx.example.com (Postfix) with ESMTPS id 4TqAB for <ops@example.com>; Mon, 5 Jan 2026 11:33:00 +0000'
            'from client.example.org (client.example.org [192.0.2.10])' + "`r`n`tby relay.example.net with ESMTP id 1vAbCd-0001; Mon, 5 Jan 2026 11:34:36 +0000"
            '(qmail 4711 invoked by uid 1000); Mon, 5 Jan 2026 11:34:30 -0000'
        )
        $headerText = ($received | ForEach-Object { "Received: $_`r`n" }) -join ''
        $eml = Join-Path $folder 'route.eml'
        [IO.File]::WriteAllText($eml, $headerText + "From: a@example.org`r`nTo: ops@example.com`r`nSubject: route`r`n`r`nbody`r`n")

        $broken = Join-Path $folder 'broken [1].eml'
        [IO.File]::WriteAllText($broken,
            "Received: from b.example by c.example with ESMTP; Mon, 5 Jan 2026 10:00:30 +0000`r`n" +
            "Received: from a.example (unclosed by b.example with SMTP`r`n" +
            "Received: from client.example by a.example with ESMTP; Mon, 5 Jan 2026 10:00:00 +0000`r`n" +
            "Subject: broken`r`n`r`nbody`r`n")
    }

    It 'lists the hops in travel order with the bottom-most field as hop 1' {
        $hops = @(Get-MailRoute -Path $eml)
        $hops.Count | Should -Be 3
        @($hops.Hop) | Should -Be @(1, 2, 3)
        $hops[0].ByHost | Should -BeNullOrEmpty
        $hops[1].FromHost | Should -Be 'client.example.org'
        $hops[1].FromAddress | Should -Be '192.0.2.10'
        $hops[1].ByHost | Should -Be 'relay.example.net'
        $hops[2].ByHost | Should -Be 'mx.example.com'
        $hops[2].With | Should -Be 'ESMTPS'
        $hops[2].Id | Should -Be '4TqAB'
        $hops[2].For | Should -Be 'ops@example.com'
        $hops[2].Timestamp | Should -BeOfType [DateTimeOffset]
        $hops[2].RawValue | Should -Be $received[0]
        $hops | ForEach-Object { $_.ParseError | Should -BeNullOrEmpty }
    }

    It 'reports a later timestamp that is earlier as clock skew, with a negative delay' {
        $hops = @(Get-MailRoute -Path $eml)
        $hops[0].Delay | Should -BeNullOrEmpty
        $hops[1].Delay | Should -Be ([TimeSpan]::FromSeconds(6))
        $hops[1].ClockSkew | Should -BeFalse
        $hops[2].Delay | Should -Be ([TimeSpan]::new(0, -1, -36))
        $hops[2].ClockSkew | Should -BeTrue
    }

    It 'reports a malformed hop and parses the rest' {
        $hops = @(Get-MailRoute -LiteralPath $broken -ErrorAction Stop)
        $hops.Count | Should -Be 3
        $hops[1].ParseError | Should -Match 'Unbalanced parentheses'
        $hops[1].Timestamp | Should -BeNullOrEmpty
        $hops[0].ParseError | Should -BeNullOrEmpty
        $hops[2].ParseError | Should -BeNullOrEmpty
        $hops[2].ByHost | Should -Be 'c.example'
        $hops[2].Elapsed | Should -Be ([TimeSpan]::FromSeconds(30))
    }

    It 'takes messages from New-MailMessage and Import-MailMessage through the pipeline' {
        $message = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'x' -Header @{ Received = 'from x.example by y.example with LMTP; Tue, 6 Jan 2026 08:00:00 +0100' }
        $hop = $message | Get-MailRoute
        $hop.ByHost | Should -Be 'y.example'
        $hop.With | Should -Be 'LMTP'
        $hop.Timestamp | Should -Be ([DateTimeOffset]::new(2026, 1, 6, 7, 0, 0, [TimeSpan]::Zero))
        $hop.Message | Should -Be $message

        $imported = @(Import-MailMessage -Path $eml | Get-MailRoute)
        $imported.Count | Should -Be 3
        $imported[0].Source | Should -Be $eml
        @(Get-ChildItem -LiteralPath $folder -Filter 'route.eml' | Get-MailRoute).Count | Should -Be 3
    }

    It 'writes nothing for a message without Received fields' {
        $message = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'local'
        @(Get-MailRoute -Message $message).Count | Should -Be 0
    }

    It 'summarises a route with -Summary' {
        $summary = Get-MailRoute -LiteralPath $eml, $broken -Summary
        $summary.Count | Should -Be 2
        $summary[0].HopCount | Should -Be 3
        $summary[0].ClockSkewCount | Should -Be 1
        $summary[0].Destination | Should -Be 'mx.example.com'
        $summary[0].TotalTime | Should -Be ([TimeSpan]::new(0, -1, -30))
        $summary[1].ParseErrorCount | Should -Be 1
        $summary[1].TotalTime | Should -Be ([TimeSpan]::FromSeconds(30))
    }

    It 'shows the hop table by default' {
        $text = Get-MailRoute -Path $eml | Out-String -Width 200
        $text | Should -Match 'Hop\s+FromHost\s+ByHost\s+With\s+Timestamp\s+Delay\s+ClockSkew'
        $text | Should -Match '-00:01:36\s+True'
    }
}
