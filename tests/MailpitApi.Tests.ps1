# The Mailpit-compatible API (Start-MailServer -Http): a client written from Mailpit's published API
# description (tests/tools/mailpit_client.py, Python urllib) lists, searches, reads and deletes mail
# that Python smtplib sent in; Basic auth; the refusal to serve HTTP on a public address without it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:clientPath = Join-Path $PSScriptRoot 'tools/mailpit_client.py'

    # Runs the Mailpit client; returns its JSON output as objects.
    function Invoke-MailpitClient([string] $Base, [string[]] $Arguments) {
        $output = & python3 $clientPath $Base @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "mailpit_client.py $($Arguments -join ' ') failed: $($output -join "`n")" }
        ($output -join "`n") | ConvertFrom-Json
    }

    function Send-PythonMail([int] $Port, [string] $Subject, [string] $To = 'ann@example.com', [switch] $Attachment) {
        $script = @'
import smtplib, sys
from email.message import EmailMessage
port, subject, to, attach = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
msg = EmailMessage()
msg["From"] = "Sender Name <sender@example.org>"
msg["To"] = to
msg["Subject"] = subject
msg.set_content("Text of " + subject)
msg.add_alternative("<p>HTML of " + subject + "</p>", subtype="html")
if attach:
    msg.add_attachment(b"%PDF-1.4 fake report\n", maintype="application", subtype="pdf", filename="report.pdf")
with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
    print("refused", len(s.send_message(msg)))
'@
        Invoke-Python $script @("$Port", $Subject, $To, $(if ($Attachment) { '1' } else { '0' })) | Should -Contain 'refused 0'
    }

    $script:server = Start-TestServer -Name mailpit -Extra @{ Http = $true }
    foreach ($account in 'ann@example.com', 'bob@example.com') {
        New-MailAccount -Server mailpit -Address $account -Password (ConvertTo-TestSecureString 'Passw0rd!') | Out-Null
    }
    $script:base = "http://127.0.0.1:$($server.Port('http'))"
    $script:smtp = $server.Port('smtp')
}

AfterAll {
    Stop-MailServer -Name mailpit
}

Describe 'Mailpit API with a Mailpit client' {
    BeforeEach {
        Clear-MailServerMessage -Server mailpit -Confirm:$false
    }

    It 'shows the HTTP endpoint on the server object' {
        $server.Port('http') | Should -BeGreaterThan 0
        ($server.Endpoints | Where-Object Protocol -eq 'http').Address | Should -Be '127.0.0.1'
        (Get-MailServer -Name mailpit | Format-Table | Out-String -Width 200) | Should -Match ([regex]::Escape("http://127.0.0.1:$($server.Port('http'))"))
    }

    It 'lists newest first, searches, reads JSON, raw and the attachment, and deletes' {
        Send-PythonMail -Port $smtp -Subject 'Invoice 1' -Attachment
        Send-PythonMail -Port $smtp -Subject 'Welcome Bob' -To 'bob@example.com'
        Send-PythonMail -Port $smtp -Subject 'Invoice 2'

        $list = Invoke-MailpitClient $base 'list'
        $list.total | Should -Be 3
        $list.unread | Should -Be 3
        $list.messages.Subject | Should -Be @('Invoice 2', 'Welcome Bob', 'Invoice 1')
        $list.messages[0].From.Address | Should -Be 'sender@example.org'
        $list.messages[0].From.Name | Should -Be 'Sender Name'
        $list.messages[2].Attachments | Should -Be 1

        $paged = Invoke-MailpitClient $base @('list', '1', '1')
        $paged.count | Should -Be 1
        $paged.messages.Subject | Should -Be 'Welcome Bob'

        (Invoke-MailpitClient $base @('search', 'subject:invoice')).messages.Subject | Should -Be @('Invoice 2', 'Invoice 1')
        (Invoke-MailpitClient $base @('search', 'to:bob@example.com')).messages.Subject | Should -Be 'Welcome Bob'
        (Invoke-MailpitClient $base @('search', 'from:sender@example.org invoice 1')).messages.Subject | Should -Be 'Invoice 1'

        $id = $list.messages[2].ID
        $message = Invoke-MailpitClient $base @('message', $id)
        $message.Subject | Should -Be 'Invoice 1'
        $message.Text | Should -Match 'Text of Invoice 1'
        $message.HTML | Should -Match '<p>HTML of Invoice 1</p>'
        $message.Attachments.FileName | Should -Be 'report.pdf'
        $message.Attachments.ContentType | Should -Be 'application/pdf'
        (Invoke-MailpitClient $base @('search', 'is:read')).messages.ID | Should -Be $id

        $raw = Invoke-MailpitClient $base @('raw', $id)
        $raw | Should -Match '(?m)^Subject: Invoice 1'
        $file = Join-Path $TestDrive 'report.pdf'
        $part = Invoke-MailpitClient $base @('part', $id, $message.Attachments.PartID, $file)
        $part.ContentType | Should -Be 'application/pdf'
        $part.ContentDisposition | Should -Match '^attachment; filename="report.pdf"'
        Get-Content -Raw $file | Should -Be "%PDF-1.4 fake report`n"

        (Invoke-MailpitClient $base @('delete', $id)).status | Should -Be 200
        (Invoke-MailpitClient $base 'list').messages.Subject | Should -Be @('Invoice 2', 'Welcome Bob')
        (Invoke-MailpitClient $base @('status', "/api/v1/message/$id")).status | Should -Be 404
        (Invoke-MailpitClient $base 'delete').status | Should -Be 200
        (Invoke-MailpitClient $base 'list').total | Should -Be 0
        Get-MailServerMessage -Server mailpit -Account bob@example.com | Should -BeNullOrEmpty
        (Invoke-MailpitClient $base 'info').Messages | Should -Be 0
    }

    It 'sends a new event on the event stream when a message arrives' {
        $event = Invoke-MailpitClient $base @('wait-new', "$smtp")
        $event.Subject | Should -Be 'Live event'
        $event.To[0].Address | Should -Be 'ann@example.com'
    }
}

Describe 'HTTP credentials and exposure' {
    It 'answers 401 without the credential and 200 with it' {
        $credential = [pscredential]::new('admin', (ConvertTo-TestSecureString 'S3cret!'))
        $secured = Start-TestServer -Name mailpit-auth -Extra @{ Http = $true; HttpCredential = $credential }
        try {
            $securedBase = "http://127.0.0.1:$($secured.Port('http'))"
            $denied = Invoke-MailpitClient $securedBase @('status', '/api/v1/messages')
            $denied.status | Should -Be 401
            $denied.'WWW-Authenticate' | Should -Match '^Basic'
            (Invoke-MailpitClient $securedBase @('--user', 'admin', '--password', 'wrong', 'status', '/')).status | Should -Be 401
            (Invoke-MailpitClient $securedBase @('--user', 'admin', '--password', 'S3cret!', 'list')).total | Should -Be 0
            (Invoke-MailpitClient $securedBase @('--user', 'admin', '--password', 'S3cret!', 'status', '/')).status | Should -Be 200
        }
        finally {
            Stop-MailServer -Name mailpit-auth
        }
    }

    It 'refuses HTTP on a non-loopback address without -HttpCredential' {
        { Start-MailServer -Name mailpit-open -InMemory -FreePorts -Http -IPAddress ([ipaddress]::Any) -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'MailServerHttpWithoutCredential,MailAdmin.Commands.StartMailServerCommand'
        Get-MailServer -Name mailpit-open -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'keeps HTTP off unless asked' {
        $plain = Start-TestServer -Name mailpit-off
        try { $plain.Port('http') | Should -BeNullOrEmpty }
        finally { Stop-MailServer -Name mailpit-off }
    }
}
