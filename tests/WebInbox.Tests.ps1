# The web inbox (Start-MailServer -HttpPort), driven in headless Chromium: the system's chromium,
# through the npm package playwright-core (tests/tools/web, installed here with npm ci). Python's
# smtplib sends the mail; tests/tools/web/inbox-scenario.js follows it through the open page and
# reports what it saw, and the tests below check that and the server's store.
# Artifacts: the screenshot and the downloaded attachment are kept in out/TestResults/WebInbox/.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:browserReady = (Find-Program chromium) -and (Find-Program node) -and (Find-Program npm)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:web = Join-Path $PSScriptRoot '../src/MailAdmin.Engine/Hosting/Http/Web'
    $script:tools = Join-Path $PSScriptRoot 'tools/web'
}

Describe 'The page''s files' {
    BeforeAll {
        # app.js's lines without their comments (which name what the code must not do).
        $script:code = Get-Content (Join-Path $web 'app.js') | ForEach-Object { $_ -replace '//.*$', '' }
    }
    It 'load nothing from elsewhere: no CDN, no framework' {
        foreach ($file in 'index.html', 'app.js', 'app.css') {
            Get-Content -Raw (Join-Path $web $file) | Should -Not -Match '(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/' -Because $file
        }
        Get-Content -Raw (Join-Path $web 'index.html') | Should -Match '<script src="app.js"'
    }
    It 'never put markup into the page from strings: message data goes in through textContent' {
        $code | Where-Object { $_ -match 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function' } | Should -BeNullOrEmpty
    }
    It 'show a message''s HTML only in an iframe sandboxed without allow-scripts or allow-same-origin' {
        $code | Where-Object { $_ -match "setAttribute\('sandbox', ''\)" } | Should -HaveCount 1
        $code | Where-Object { $_ -match 'allow-' } | Should -BeNullOrEmpty
    }
}

Describe 'The web inbox in headless Chromium' -Skip:(-not $browserReady) {
    BeforeAll {
        # The browser driver: playwright-core from the lock file, no browser download (it uses /usr/bin/chromium).
        Push-Location $tools
        try {
            $npmOutput = & npm ci --no-audit --no-fund --prefer-offline 2>&1
            if ($LASTEXITCODE -ne 0) { throw "npm ci failed: $($npmOutput -join "`n")" }
        }
        finally { Pop-Location }

        $script:artifacts = Join-Path $PSScriptRoot '../out/TestResults/WebInbox'
        if (Test-Path $artifacts) { Remove-Item $artifacts -Recurse -Force }
        $null = New-Item -ItemType Directory -Path $artifacts -Force
        $script:artifacts = (Resolve-Path $artifacts).Path

        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
        $httpPort = $listener.LocalEndpoint.Port; $listener.Stop()
        $password = 'Web-Inbox-Passw0rd'
        $credential = [pscredential]::new('viewer', (ConvertTo-TestSecureString $password))
        $script:server = Start-TestServer -Extra @{ HttpPort = $httpPort; HttpCredential = $credential }
        # The server's own word on its port, where it gives one (as for smtp), else the one asked for.
        $served = try { $server.Port('http') } catch { $null }
        if ($served) { $httpPort = $served }
        foreach ($address in 'ann@example.com', 'bob@example.com', 'carol@example.com') {
            New-MailAccount -Server $server.Name -Address $address -Password (ConvertTo-TestSecureString 'Mailbox-Passw0rd-1') | Out-Null
        }

        # Markup in a header must show as text; a script in the HTML body must not run anywhere.
        $script:token = [guid]::NewGuid().ToString('n').Substring(0, 10)
        $script:subject = "Invoice <img src=x onerror=""window.pwned=3""> $token"
        $script:otherSubject = "Other $([guid]::NewGuid().ToString('n').Substring(0, 10))"
        $script:thirdSubject = "Third $([guid]::NewGuid().ToString('n').Substring(0, 10))"
        $script:attachmentPath = Join-Path (New-TestFolder 'attachment') 'data.bin'
        $bytes = [byte[]]::new(3000); [Random]::new(15).NextBytes($bytes)
        [IO.File]::WriteAllBytes($attachmentPath, $bytes)

        $driver = [Diagnostics.ProcessStartInfo]::new((Find-Program node))
        foreach ($a in @((Join-Path $tools 'inbox-scenario.js'), '--url', "http://127.0.0.1:$httpPort/", '--subject', $subject,
                '--other-subject', $otherSubject, '--third-subject', $thirdSubject, '--search', $token, '--out', $artifacts, '--user', 'viewer', '--password', $password)) {
            $driver.ArgumentList.Add($a)
        }
        $driver.RedirectStandardInput = $true; $driver.RedirectStandardOutput = $true; $driver.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($driver)
        $stderr = $process.StandardError.ReadToEndAsync()
        # Reads the driver's next JSON line, within the time left.
        function Read-DriverLine([int] $Seconds) {
            $line = $process.StandardOutput.ReadLineAsync()
            if (-not $line.Wait($Seconds * 1000)) { $process.Kill($true); throw "The browser driver said nothing for $Seconds s: $($stderr.Result)" }
            if ($null -eq $line.Result) { throw "The browser driver ended: $($stderr.Result)" }
            $line.Result | ConvertFrom-Json
        }
        try {
            $step = Read-DriverLine 60
            if ($step.step -ne 'ready') { throw "The browser driver did not get ready: $($step | ConvertTo-Json -Depth 5)" }
            # The page is open and its event stream connected: now the mail goes out, over SMTP.
            $null = Invoke-Python @'
import smtplib, sys, time
from email.message import EmailMessage
port, subject, other, third, attachment = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
t = EmailMessage()
t['From'] = 'third@shop.test'; t['To'] = 'carol@example.com'; t['Subject'] = third
t.set_content('third\n')
m = EmailMessage()
m['From'] = 'Billing <billing@shop.test>'; m['To'] = 'ann@example.com'; m['Subject'] = subject
m.set_content('Plain text body\n')
m.add_alternative('<p>Hello in HTML</p><script>document.title="pwned";window.pwned=1;try{parent.document.title="pwned"}catch(e){}</script><img src="x" onerror="window.pwned=2">', subtype='html')
m.add_attachment(open(attachment, 'rb').read(), maintype='application', subtype='octet-stream', filename='data.bin')
o = EmailMessage()
o['From'] = 'other@shop.test'; o['To'] = 'bob@example.com'; o['Subject'] = other
o.set_content('second\n')
with smtplib.SMTP('127.0.0.1', port) as s:
    s.send_message(t)
    s.send_message(m)
    time.sleep(1.1)  # arrival times have whole seconds: the other is newer beyond doubt
    s.send_message(o)
'@ -Arguments @([string] $server.Port('smtp'), $subject, $otherSubject, $thirdSubject, $attachmentPath)
            $process.StandardInput.WriteLine('sent')
            $script:result = Read-DriverLine 90
            if ($result.step -eq 'delete-third') {
                # Deleted by someone else than the page: the page must see it go by itself.
                Clear-MailServerMessage -Server $server.Name -Account 'carol@example.com' -Confirm:$false
                $process.StandardInput.WriteLine('deleted')
                $script:result = Read-DriverLine 60
            }
            $script:facts = $result.facts
        }
        finally {
            if (-not $process.WaitForExit(10000)) { $process.Kill($true) }
        }
        if ($result.step -ne 'done') { throw "The browser scenario failed: $($result.error)`nfacts so far: $($result.facts | ConvertTo-Json -Depth 5)" }
    }
    AfterAll { if ($server) { Stop-MailServer -Name $server.Name } }

    It 'shows new mail without a reload, newest first, unread, with its attachment marked' {
        $facts.appeared | Should -BeTrue
        $facts.reloaded | Should -BeFalse
        $facts.firstRowIsNewest | Should -BeTrue
        $facts.firstRowIsNewestAfterReload | Should -BeTrue
        $facts.rowUnread | Should -BeTrue
        $facts.rowAttachmentMark | Should -Be 1
    }
    It 'shows a subject''s markup as text and runs none of it' {
        $facts.rowText | Should -BeLikeExactly "*$subject*"
        $facts.pagePwned | Should -BeNullOrEmpty
    }
    It 'lists the mailboxes, and one mailbox shows only its mail' {
        ($facts.mailboxes -join "`n") | Should -Match 'All mail'
        ($facts.mailboxes -join "`n") | Should -Match 'ann@example\.com'
        ($facts.mailboxes -join "`n") | Should -Match 'bob@example\.com'
        $facts.mailboxFiltered | Should -Be 1
    }
    It 'searches' {
        $facts.searchFound | Should -Be 1
        $facts.searchNothing | Should -Be 0
    }
    It 'opens the message: headers, text, and marks it read' {
        $facts.headers | Should -Match 'billing@shop\.test'
        $facts.headers | Should -Match 'ann@example\.com'
        $facts.text | Should -Match 'Plain text body'
        $facts.rowUnreadAfterOpen | Should -BeFalse
    }
    It 'shows the HTML in an iframe sandboxed without scripts, and the message''s script did not run' {
        $facts.iframeSandbox | Should -BeExactly ''
        $facts.iframeSrc | Should -Match '^/view/[^/]+\.html$'
        $facts.htmlText | Should -Match 'Hello in HTML'
        $facts.titleAfterHtml | Should -BeExactly $facts.title
        $facts.titleAfterHtml | Should -Not -Match 'pwned'
        $facts.pagePwned | Should -BeNullOrEmpty
        $facts.framePwned | Should -Not -BeIn @('1', '2')
        $facts.frameTitle | Should -Not -Be 'pwned'
        $facts.pageExceptions | Should -BeNullOrEmpty
    }
    It 'shows the raw source' {
        $facts.raw | Should -Match $token
        $facts.raw | Should -Match 'data\.bin'
    }
    It 'downloads the attachment with the bytes that were sent' {
        $facts.attachmentLinks | Should -Contain 'data.bin'
        $facts.downloadName | Should -Be 'data.bin'
        $downloaded = [IO.File]::ReadAllBytes($facts.downloadPath)
        [Convert]::ToBase64String($downloaded) | Should -BeExactly ([Convert]::ToBase64String([IO.File]::ReadAllBytes($attachmentPath)))
    }
    It 'deletes one message, sees another deleted elsewhere go, then deletes all, from the page and from the server' {
        $facts.deletedOneGone | Should -BeTrue
        $facts.viewHiddenAfterDelete | Should -BeTrue
        $facts.otherStillListed | Should -Be 1
        $facts.deletedElsewhereGone | Should -BeTrue
        $facts.otherStillListedAfterThird | Should -Be 1
        $facts.rowsAfterDeleteAll | Should -Be 0
        $facts.reloadedAtEnd | Should -BeFalse
        @(Get-MailServerMessage -Server $server.Name -Account 'ann@example.com') | Should -HaveCount 0
        @(Get-MailServerMessage -Server $server.Name -Account 'bob@example.com') | Should -HaveCount 0
        @(Get-MailServerMessage -Server $server.Name -Account 'carol@example.com') | Should -HaveCount 0
    }
    It 'keeps a screenshot (out/TestResults/WebInbox/web-inbox.png)' {
        $bytes = [IO.File]::ReadAllBytes($facts.screenshot)
        $bytes.Length | Should -BeGreaterThan 10000
        [Text.Encoding]::ASCII.GetString($bytes, 1, 3) | Should -Be 'PNG'
    }
}
