# The default views (MailAdmin.Format.ps1xml) rendered at 80 and 120 columns, as in a console:
# nothing an admin looks up (Message-ID, queue id, sender address, failure reason) is cut,
# statistics do not break mid-word, quotas show in a unit that fits.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')
    $script:lab = Start-ClientLab
    New-MailAccount -Server $lab.Name -Address small@example.com -Password (ConvertTo-TestSecureString $LabPassword) -Quota 2KB | Out-Null
    $script:sent = Send-SmtpMessage -SmtpServer $lab.Host -Port $lab.SmtpPort -Secure None -From 'Robert Long-Name Sender <robert.sender@example.com>' `
        -To $lab.Address -Subject 'A fairly long subject line for the table view test' -Body x -PassThru
    $null = Get-MailServerMessage -Server $lab.Name -Subject 'A fairly*' -Wait -Timeout 10
    $script:listed = Get-ImapMessage -Server $lab.Host -Port $lab.ImapPort -Credential $lab.Credential -Secure None -WarningAction SilentlyContinue
    $wrong = [pscredential]::new($lab.Address, (ConvertTo-TestSecureString 'wrong-password'))
    $script:health = Test-MailServer 127.0.0.1 -Protocol Imap -Port $lab.ImapPort -Credential $wrong -TrustedCertificate $lab.MailServer.Certificate
    # The text as an admin reads it, and the same with line breaks and padding taken out (a wrapped value reads whole again).
    function Show($InputObject, [int] $Width) { $InputObject | Out-String -Width $Width }
    function Squeeze([string] $Text) { $Text -replace '\s', '' }
    # One column of a one-row table, its wrapped lines put back together.
    function Get-Column([string] $Text, [string] $Header, [string] $NextHeader) {
        $lines = @($Text -split "`r?`n" | Where-Object { $_.Trim() })
        $head = [array]::FindIndex([string[]] $lines, [Predicate[string]] { param($l) $l -match "^\s*\S" -and $l.Contains($Header) })
        $start = $lines[$head].IndexOf($Header)
        $end = if ($NextHeader) { $lines[$head].IndexOf($NextHeader) } else { [int]::MaxValue }
        (@($lines | Select-Object -Skip ($head + 2) | ForEach-Object {
            if ($_.Length -le $start) { '' } else { $_.Substring($start, [Math]::Min($end, $_.Length) - $start) }
        }) -join '') -replace '\s', ''
    }
}

AfterAll { Stop-ClientLab $lab }

Describe 'Default views at <_> columns' -ForEach 80, 120 {
    BeforeAll { $width = $_ }
    It 'no line is wider than the console' {
        foreach ($object in @((Get-MailServer -Name $lab.Name), $sent, $listed, $health, (Get-MailAccount -Server $lab.Name))) {
            (Show $object $width) -split "`r?`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual $width }
        }
    }
    It 'Get-MailServer: statistics in whole words' {
        $text = Show (Get-MailServer -Name $lab.Name) $width
        $text | Should -Match 'smtp: \d+ conn, \d+ msg'
        $text | Should -Match 'imap: \d+ conn, \d+ cmd'
        $text | Should -Match '\d+ bad login'
        $text | Should -Match 'imap://127\.0\.0\.1:\d+'
    }
    It 'Send-SmtpMessage -PassThru: the whole Message-ID and the reply with the queue id' {
        $text = Show $sent $width
        Get-Column $text 'MessageId' 'Recipients' | Should -Be $sent.MessageId
        Get-Column $text 'Reply' | Should -Be ($sent.Reply -replace '\s', '')
        $sent.Reply | Should -Match 'queued as'
    }
    It 'Get-ImapMessage: the sender''s address, not a cut display name' {
        Show $listed $width | Should -Match 'robert\.sender@example\.com'
    }
    It 'Test-MailServer: the reason of an authentication failure, whole' {
        $health.Stage | Should -Be 'auth'
        Get-Column (Show $health $width) 'Problems' | Should -Match 'AUTHENTICATIONFAILED'
    }
    It 'Get-MailAccount: a 2 KB quota reads 2 KB' {
        Show (Get-MailAccount -Server $lab.Name | Where-Object Address -EQ 'small@example.com') $width | Should -Match '2 KB'
    }
}
