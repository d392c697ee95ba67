# Export-MailHealthReport: a self-contained HTML page, checked by rendering it in headless Chromium.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:chromium = Find-Program chromium
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    $script:chromium = Find-Program chromium
    $script:lab = Start-ClientLab
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
    $closed = $listener.LocalEndpoint.Port; $listener.Stop()
    # A healthy-ish service (Warning: plaintext login before TLS), one failing certificate check and one dead port.
    $script:results = @(
        Test-MailServer 127.0.0.1 -Port $lab.SmtpPort -TrustedCertificate $lab.MailServer.Certificate
        Test-MailServer localhost -Protocol Imap -Port $lab.ImapPort
        Test-MailServer 127.0.0.1 -Port $closed -Timeout 3
    )
    $script:folder = New-TestFolder 'health-report'
    $script:report = Join-Path $folder 'health.html'
    $results | Export-MailHealthReport -Path $report -Title 'Nightly <check> & report'

    # Chromium as root needs --no-sandbox; it renders the page and prints the resulting DOM.
    function Invoke-Chromium([string[]] $Arguments) {
        $start = [Diagnostics.ProcessStartInfo]::new($chromium)
        foreach ($a in @('--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', "--user-data-dir=$(Join-Path $folder 'profile')") + $Arguments) { $start.ArgumentList.Add($a) }
        $start.RedirectStandardOutput = $true; $start.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync(); $null = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(90000)) { $process.Kill(); throw 'chromium did not finish in 90 s' }
        $stdout.Result
    }
}

AfterAll { Stop-ClientLab $lab }

Describe 'The report file' {
    It 'is one self-contained page: no scripts, no outside resources' {
        $html = Get-Content $report -Raw
        $html | Should -Match '^<!DOCTYPE html>'
        $html | Should -Not -Match '<script'
        $html | Should -Not -Match '(src|href)\s*=\s*"(https?:)?//'
        $html | Should -Not -Match '<link'
    }
    It 'encodes what it shows (the title here has < & >)' {
        $html = Get-Content $report -Raw
        $html | Should -Match 'Nightly &lt;check&gt; &amp; report'
        $html | Should -Not -Match 'Nightly <check>'
    }
    It 'refuses to overwrite without -Force' {
        { $results | Export-MailHealthReport -Path $report -ErrorAction Stop } | Should -Throw -ErrorId 'HealthReportExists,*'
        $file = $results | Export-MailHealthReport -Path $report -Force -PassThru -Title 'Nightly <check> & report'
        $file.FullName | Should -Be (Get-Item $report).FullName
    }
}

Describe 'Rendered by headless Chromium' -Skip:(-not $chromium) {
    BeforeAll {
        $script:dom = Invoke-Chromium @('--dump-dom', ([Uri]::new($report)).AbsoluteUri)
    }
    It 'renders the summary with the right counts' {
        $dom | Should -Match '<h1>Nightly &lt;check&gt; &amp; report</h1>'
        $counts = @{}
        foreach ($status in 'Pass', 'Warning', 'Fail') {
            $dom -match "data-status=`"$status`"><span class=`"count`">(\d+)</span>" | Should -BeTrue
            $counts[$status] = [int] $Matches[1]
        }
        $counts.Warning | Should -Be @($results | Where-Object Status -eq 'Warning').Count
        $counts.Fail | Should -Be @($results | Where-Object Status -eq 'Fail').Count
        $counts.Fail | Should -Be 2
    }
    It 'has one target row per result, a certificate table and latency bars' {
        $targets = [regex]::Match($dom, '(?s)<section id="targets">.*?</section>').Value
        ([regex]::Matches($targets, '<tr class=')).Count | Should -Be $results.Count
        $dom | Should -Match '<section id="certificates">'
        $dom | Should -Match 'UntrustedRoot'
        ([regex]::Matches($dom, 'class="bar (pass|warning|fail)"')).Count | Should -Be 2   # the closed port has no latency
    }
    It 'latency bars sit in equal tracks, and each value keeps "ms" with its number; unmeasured shows nothing' {
        ([regex]::Matches($dom, '<span class="bar-track"><span class="bar (pass|warning|fail)"')).Count | Should -Be 2
        $values = [regex]::Matches($dom, '<span class="bar-value">([^<]*)</span>') | ForEach-Object { $_.Groups[1].Value }
        $values.Count | Should -Be 2
        $values | ForEach-Object { $_ | Should -Match "^\d+(\.\d)?(\u00a0|&nbsp;)ms$" }
        $targets = [regex]::Match($dom, '(?s)<section id="targets">.*?</section>').Value
        $targets | Should -Not -Match '>0(\u00a0|&nbsp;| )ms<'
        $dom | Should -Match '\.bar-value \{[^}]*white-space: nowrap'
    }
    It 'paints a screenshot' {
        $png = Join-Path $folder 'health.png'
        $null = Invoke-Chromium @("--screenshot=$png", '--window-size=1200,900', ([Uri]::new($report)).AbsoluteUri)
        Test-Path $png | Should -BeTrue
        $bytes = [IO.File]::ReadAllBytes($png)
        $bytes.Length | Should -BeGreaterThan 10000
        [Text.Encoding]::ASCII.GetString($bytes, 1, 3) | Should -Be 'PNG'
    }
}
